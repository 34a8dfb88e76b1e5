/**
 * Shared pieces of the bot's messages: the embed colour and link-button rows (Discord docs, "Component Reference":
 * an action row holds at most 5 buttons; a link button's url is at most 512 characters).
 */
import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent } from 'discord.js';
import { changelogUrl, modUrl, type PortalLinks } from '../services/portal/links.js';
import type { ModDetails } from '../services/portal/schemas.js';
import { LIMITS, httpUrl, truncate } from './limits.js';

export type { MessagePayload } from './fit.js';

/** Factorio's orange, used as the embed colour. */
export const EMBED_COLOR = 0xf6a800;

/**
 * An action row of link buttons, in order, leaving out those whose URL is missing or not an absolute http(s) URL of
 * at most 512 characters ({@link httpUrl}) and those beyond 5.
 */
export function linkRow(
	buttons: { label: string; url: string | undefined }[],
): APIActionRowComponent<APIButtonComponent> {
	return {
		type: ComponentType.ActionRow,
		components: buttons
			.flatMap(({ label, url }) => {
				const href = httpUrl(url, LIMITS.buttonUrl);
				return href === undefined ? [] : [{ label, url: href }];
			})
			.slice(0, LIMITS.buttonsPerRow)
			.map((b) => ({
				type: ComponentType.Button,
				style: ButtonStyle.Link,
				label: truncate(b.label, LIMITS.buttonLabel),
				url: b.url,
			})),
	};
}

/**
 * Link buttons to a mod's portal page, its changelog tab and, when the portal has usable ones, its source and
 * homepage (the homepage only when it differs from the source).
 */
export function modLinkRow(
	links: PortalLinks,
	mod: Pick<ModDetails, 'name'> & Partial<Pick<ModDetails, 'sourceUrl' | 'homepage'>>,
) {
	const source = httpUrl(mod.sourceUrl, LIMITS.buttonUrl);
	const homepage = httpUrl(mod.homepage, LIMITS.buttonUrl);
	return linkRow([
		{ label: 'Mod portal', url: modUrl(links, mod.name) },
		{ label: 'Changelog', url: changelogUrl(links, mod.name) },
		{ label: 'Source', url: source },
		{ label: 'Homepage', url: homepage !== source ? homepage : undefined },
	]);
}
