/**
 * Shared pieces of the bot's messages: the message body type, the embed colour, and link-button rows
 * (Discord docs, "Message Components": action rows hold at most 5 buttons).
 */
import {
	ButtonStyle,
	ComponentType,
	type APIActionRowComponent,
	type APIButtonComponent,
	type APIComponentInMessageActionRow,
	type APIEmbed,
} from 'discord.js';
import { changelogUrl, modUrl, type PortalLinks } from '../services/portal/links.js';
import type { ModDetails } from '../services/portal/schemas.js';
import { LIMITS, truncate } from './limits.js';

/** Factorio's orange, used as the embed colour. */
export const EMBED_COLOR = 0xf6a800;

/** A message body: what `interaction.reply`, `editReply` and `channel.send` take. */
export interface MessagePayload {
	content?: string;
	embeds: APIEmbed[];
	components: APIActionRowComponent<APIComponentInMessageActionRow>[];
}

/** An action row of link buttons (max 5, Discord docs "Message Components: Action Rows"). */
export function linkRow(
	buttons: { label: string; url: string | undefined }[],
): APIActionRowComponent<APIButtonComponent> {
	return {
		type: ComponentType.ActionRow,
		components: buttons
			.filter((b): b is { label: string; url: string } => b.url !== undefined && /^https?:\/\//.test(b.url))
			.slice(0, 5)
			.map((b) => ({
				type: ComponentType.Button,
				style: ButtonStyle.Link,
				label: truncate(b.label, LIMITS.buttonLabel),
				url: b.url,
			})),
	};
}

/** Link buttons to a mod's portal page, its changelog tab and, when known, its source. */
export function modLinkRow(
	links: PortalLinks,
	mod: Pick<ModDetails, 'name'> & Partial<Pick<ModDetails, 'sourceUrl' | 'homepage'>>,
) {
	return linkRow([
		{ label: 'Mod portal', url: modUrl(links, mod.name) },
		{ label: 'Changelog', url: changelogUrl(links, mod.name) },
		{ label: 'Source', url: mod.sourceUrl },
		{ label: 'Homepage', url: mod.homepage !== mod.sourceUrl ? mod.homepage : undefined },
	]);
}
