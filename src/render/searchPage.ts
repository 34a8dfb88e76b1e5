/**
 * The `/mod search` message and autocomplete labels (Discord docs, "Message Components", "Interactions:
 * Autocomplete").
 */
import { ButtonStyle, ComponentType, type APIEmbed } from 'discord.js';
import { factorioMinor } from '../services/factorio/version.js';
import { modUrl, type PortalLinks } from '../services/portal/links.js';
import type { ModSummary } from '../services/portal/schemas.js';
import { EMBED_COLOR } from './components.js';
import { fitMessage, type MessagePayload } from './fit.js';
import { LIMITS, formatCount, truncate } from './limits.js';
import { cleanText, displayTitle, markdownLink, safeMarkdown } from './safeText.js';

/**
 * One line per mod for search results: linked title, latest version, Factorio version, owner, downloads, a one-line
 * summary; portal text cleaned, cut (title 80, version 40, owner 60, summary 110) and escaped.
 */
export function searchLine(links: PortalLinks, mod: ModSummary): string {
	const latest = mod.latestRelease;
	const version = latest ? ` ${safeMarkdown(truncate(cleanText(latest.version), 40))}` : '';
	const factorio = factorioMinor(latest?.factorioVersion);
	const owner = cleanText(mod.owner);
	const meta = [
		factorio ? `Factorio ${safeMarkdown(factorio)}` : undefined,
		owner ? `by ${safeMarkdown(truncate(owner, 60))}` : undefined,
		`⬇ ${formatCount(mod.downloadsCount)}`,
	]
		.filter(Boolean)
		.join(' · ');
	const title = `**${markdownLink(safeMarkdown(truncate(displayTitle(mod), 80)), modUrl(links, mod.name))}**${version}`;
	const summary = cleanText(mod.summary);
	return `${title} · ${meta}${summary ? `\n${safeMarkdown(truncate(summary, 110))}` : ''}`;
}

/** Sorts offered by `/mod search`, with their labels. */
export const SORT_LABELS = {
	relevance: 'relevance',
	downloads: 'downloads',
	updated: 'recently updated',
	created: 'newest',
} as const;

/** The state of a search result message, carried in its components' custom ids so paging survives restarts. */
export interface SearchState {
	query: string;
	page: number;
	sort: keyof typeof SORT_LABELS;
	factorioVersion?: string;
	category?: string;
}

/**
 * The `/mod search` message: an embed with up to 10 matches, the total count and page, a select menu that opens a
 * mod's info, and Previous/Next buttons.
 */
/** The custom ids of a search page's components, made by the interaction routing that will receive them. */
export interface SearchPageIds {
	/** The select menu that opens a mod's info. */
	open: string;
	/** The Previous/Next button that shows `page` (1-based). */
	page(page: number): string;
}

/**
 * The `/mod search` message: an embed with up to `pageSize` matches, the total count and page, a select menu that
 * opens a mod's info, and Previous/Next buttons.
 */
export function renderSearchPage(
	links: PortalLinks,
	state: SearchState,
	page: { total: number; mods: readonly ModSummary[] },
	pageSize: number,
	customIds: SearchPageIds,
): MessagePayload {
	const pageCount = Math.max(1, Math.ceil(page.total / pageSize));
	const filters = [
		state.factorioVersion ? `Factorio ${safeMarkdown(truncate(cleanText(state.factorioVersion), 20))}` : undefined,
		state.category ? `category ${safeMarkdown(truncate(cleanText(state.category), 40))}` : undefined,
	]
		.filter(Boolean)
		.join(', ');
	const query = safeMarkdown(truncate(cleanText(state.query), 100));
	const heading = query ? `Mods matching “${query}”` : 'Mods';
	const embed: APIEmbed = {
		title: truncate(filters ? `${heading} (${filters})` : heading, LIMITS.embedTitle),
		color: EMBED_COLOR,
		description: truncate(
			page.mods.map((mod, i) => `${(state.page - 1) * pageSize + i + 1}. ${searchLine(links, mod)}`).join('\n\n'),
			LIMITS.embedDescription,
		),
		footer: {
			text: `Page ${state.page}/${pageCount} · ${formatCount(page.total)} mod${page.total === 1 ? '' : 's'} · sorted by ${SORT_LABELS[state.sort]}`,
		},
	};
	const components: MessagePayload['components'] = [];
	if (page.mods.length > 0) {
		components.push({
			type: ComponentType.ActionRow,
			components: [
				{
					type: ComponentType.StringSelect,
					custom_id: customIds.open,
					placeholder: 'Show a mod’s details',
					// Select menus show plain text: the guard cleans and cuts labels, and leaves out names over 100.
					options: page.mods.map((mod) => ({
						label: displayTitle(mod),
						value: mod.name,
						description:
							[mod.latestRelease?.version, mod.owner]
								.filter((part) => part !== undefined && cleanText(part) !== '')
								.join(' · ') || undefined,
					})),
				},
			],
		});
	}
	if (pageCount > 1) {
		components.push({
			type: ComponentType.ActionRow,
			components: [
				{
					type: ComponentType.Button,
					style: ButtonStyle.Secondary,
					label: 'Previous',
					custom_id: customIds.page(state.page - 1),
					disabled: state.page <= 1,
				},
				{
					type: ComponentType.Button,
					style: ButtonStyle.Secondary,
					label: 'Next',
					custom_id: customIds.page(state.page + 1),
					disabled: state.page >= pageCount,
				},
			],
		});
	}
	return fitMessage({ embeds: [embed], components });
}

/**
 * The autocomplete label of a mod: `Squeak Through 1.2.2 · Supercheese`, at most 100 characters, cleaned (choice
 * names are plain text). The title falls back to the internal name; a long title is cut first so version and owner
 * stay visible.
 */
export function autocompleteLabel(mod: ModSummary): string {
	const title = displayTitle(mod);
	const versionText = mod.latestRelease ? cleanText(mod.latestRelease.version) : '';
	const ownerText = cleanText(mod.owner);
	const tail = `${versionText ? ` ${truncate(versionText, 20)}` : ''}${ownerText ? ` · ${truncate(ownerText, 30)}` : ''}`;
	if (title.length + tail.length <= LIMITS.choiceName) return `${title}${tail}`;
	return truncate(`${truncate(title, Math.max(10, LIMITS.choiceName - tail.length))}${tail}`, LIMITS.choiceName);
}
