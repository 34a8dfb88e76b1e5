/**
 * The `/mod search` message and autocomplete labels (Discord docs, "Message Components", "Interactions:
 * Autocomplete").
 */
import { ButtonStyle, ComponentType, type APIEmbed } from 'discord.js';
import { factorioMinor } from '../services/factorio/version.js';
import { modUrl, type PortalLinks } from '../services/portal/links.js';
import type { ModSummary } from '../services/portal/schemas.js';
import { EMBED_COLOR, type MessagePayload } from './components.js';
import { LIMITS, escapeMarkdown, formatCount, oneLine, truncate } from './limits.js';

/** One line per mod for search results: linked title, latest version, Factorio version, owner, downloads, summary. */
export function searchLine(links: PortalLinks, mod: ModSummary): string {
	const latest = mod.latestRelease;
	const version = latest ? ` ${latest.version}` : '';
	const factorio = factorioMinor(latest?.factorioVersion);
	const meta = [
		factorio ? `Factorio ${factorio}` : undefined,
		mod.owner ? `by ${escapeMarkdown(mod.owner)}` : undefined,
		`⬇ ${formatCount(mod.downloadsCount)}`,
	]
		.filter(Boolean)
		.join(' · ');
	const title = `**[${escapeMarkdown(truncate(mod.title, 80))}](${modUrl(links, mod.name)})**${version}`;
	const summary = mod.summary ? `\n${escapeMarkdown(truncate(oneLine(mod.summary), 110))}` : '';
	return `${title} · ${meta}${summary}`;
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
		state.factorioVersion ? `Factorio ${state.factorioVersion}` : undefined,
		state.category ? `category ${state.category}` : undefined,
	]
		.filter(Boolean)
		.join(', ');
	const heading = state.query ? `Mods matching “${state.query}”` : 'Mods';
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
					options: page.mods.slice(0, LIMITS.selectOptions).map((mod) => ({
						label: truncate(mod.title, LIMITS.selectOptionLabel),
						value: mod.name.slice(0, LIMITS.choiceValue),
						description:
							truncate(
								`${mod.latestRelease?.version ?? ''} · ${mod.owner}`.replace(/^ · /, ''),
								LIMITS.selectOptionDescription,
							) || undefined,
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
	return { embeds: [embed], components };
}

/** The autocomplete label of a mod: `Squeak Through 1.2.2 · Supercheese`, at most 100 characters. */
export function autocompleteLabel(mod: ModSummary): string {
	const version = mod.latestRelease ? ` ${mod.latestRelease.version}` : '';
	const owner = mod.owner ? ` · ${mod.owner}` : '';
	const tail = `${version}${owner}`;
	if (mod.title.length + tail.length <= LIMITS.choiceName) return `${mod.title}${tail}`;
	return `${truncate(mod.title, Math.max(10, LIMITS.choiceName - tail.length))}${tail}`.slice(0, LIMITS.choiceName);
}
