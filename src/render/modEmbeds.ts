/**
 * Pure renderers from portal data to Discord message JSON (embeds and components) for `/mod info`,
 * `/mod changelog` and `/mod search`. Everything stays within Discord's limits (see {@link LIMITS}).
 */
import {
	ButtonStyle,
	ComponentType,
	type APIActionRowComponent,
	type APIButtonComponent,
	type APIComponentInMessageActionRow,
	type APIEmbed,
	type APIEmbedField,
} from 'discord.js';
import { findSection, parseChangelog, sortCategories, type ChangelogSection } from '../services/changelog.js';
import { parseDependencies, type Dependency } from '../services/dependencies.js';
import { factorioMinor, type ModDetails, type ModSummary } from '../services/portalSchemas.js';
import { changelogUrl, modUrl, ownerUrl, thumbnailUrl, type PortalLinks } from './links.js';
import { LIMITS, discordTimestamp, escapeMarkdown, formatCount, oneLine, truncate } from './limits.js';

/** Factorio's orange, used as the embed colour. */
export const EMBED_COLOR = 0xf6a800;
const DEPRECATED_COLOR = 0x8b8b8b;

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

/** The distinct `major.minor` Factorio versions a mod's releases support, newest first (`2.0, 1.1, 1.0`). */
export function supportedFactorioVersions(mod: Pick<ModDetails, 'releases'>): string[] {
	const versions = new Set<string>();
	for (const release of mod.releases) {
		const minor = factorioMinor(release.factorioVersion);
		if (minor) versions.add(minor);
	}
	return [...versions].sort((a, b) => compareMinor(b, a));
}

function compareMinor(a: string, b: string): number {
	const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
	const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
	return aMajor - bMajor || aMinor - bMinor;
}

const DEPENDENCY_GROUPS: { title: string; kinds: Dependency['kind'][] }[] = [
	{ title: 'Required', kinds: ['required', 'load_neutral'] },
	{ title: 'Optional', kinds: ['optional', 'hidden_optional'] },
	{ title: 'Recommended', kinds: ['recommended'] },
	{ title: 'Incompatible', kinds: ['incompatible'] },
];

/** Embed fields listing dependencies grouped by kind (wiki "Tutorial:Mod structure", dependencies). */
export function dependencyFields(links: PortalLinks, dependencies: readonly Dependency[]): APIEmbedField[] {
	const fields: APIEmbedField[] = [];
	for (const group of DEPENDENCY_GROUPS) {
		const members = dependencies.filter((d) => group.kinds.includes(d.kind));
		if (members.length === 0) continue;
		const parts = members.map((d) => {
			const version = d.operator && d.version ? ` ${d.operator} ${d.version}` : '';
			const label = d.name === 'base' ? `Factorio${version}` : `${escapeMarkdown(d.name)}${version}`;
			return d.name === 'base' || d.kind === 'incompatible' ? label : `[${label}](${modUrl(links, d.name)})`;
		});
		fields.push({ name: `${group.title} dependencies`, value: joinWithin(parts, ', ', LIMITS.fieldValue) });
	}
	return fields;
}

/** Joins parts with `separator`, stopping before `max` characters with "and N more". */
function joinWithin(parts: readonly string[], separator: string, max: number): string {
	let out = '';
	for (const [index, part] of parts.entries()) {
		const rest = parts.length - index;
		const next = out === '' ? part : `${out}${separator}${part}`;
		const tail = rest > 1 ? ` and ${rest - 1} more` : '';
		if (next.length + tail.length > max) return out === '' ? truncate(part, max) : `${out} and ${rest} more`;
		out = next;
	}
	return out;
}

/**
 * The `/mod info` message: one embed with the mod's title and latest version linked to its page, summary, owner,
 * downloads, category, tags, license, latest release time, supported Factorio versions, the latest release's
 * dependencies grouped by kind, thumbnail; plus link buttons. Deprecated mods say so.
 */
export function renderModInfo(links: PortalLinks, mod: ModDetails): MessagePayload {
	const latest = mod.latestRelease;
	const fields: APIEmbedField[] = [
		{
			name: 'Owner',
			value: mod.owner ? `[${escapeMarkdown(mod.owner)}](${ownerUrl(links, mod.owner)})` : 'unknown',
			inline: true,
		},
		{ name: 'Downloads', value: formatCount(mod.downloadsCount), inline: true },
	];
	if (mod.category) fields.push({ name: 'Category', value: mod.category, inline: true });
	if (latest) {
		const when = discordTimestamp(latest.releasedAt, 'f');
		const ago = discordTimestamp(latest.releasedAt, 'R');
		fields.push({
			name: 'Latest release',
			value: [latest.version, when && ago ? `${when} (${ago})` : undefined].filter(Boolean).join('\n'),
			inline: true,
		});
	}
	const factorioVersions = supportedFactorioVersions(mod);
	if (factorioVersions.length > 0)
		fields.push({ name: 'Factorio versions', value: factorioVersions.join(', '), inline: true });
	if (mod.license?.name) {
		fields.push({
			name: 'License',
			value: mod.license.url
				? `[${escapeMarkdown(mod.license.name)}](${mod.license.url})`
				: escapeMarkdown(mod.license.name),
			inline: true,
		});
	}
	if (mod.tags.length > 0)
		fields.push({ name: 'Tags', value: truncate(mod.tags.join(', '), LIMITS.fieldValue), inline: false });
	if (latest?.featureFlags.length)
		fields.push({ name: 'Feature flags', value: latest.featureFlags.join(', '), inline: false });
	fields.push(...dependencyFields(links, parseDependencies(latest?.dependencies)));

	const description = [
		mod.deprecated ? '⚠️ **Deprecated**: the owner marked this mod as deprecated.' : undefined,
		mod.summary ? escapeMarkdown(mod.summary) : undefined,
	]
		.filter(Boolean)
		.join('\n\n');

	const embed: APIEmbed = {
		title: truncate(latest ? `${mod.title} ${latest.version}` : mod.title, LIMITS.embedTitle),
		url: modUrl(links, mod.name),
		color: mod.deprecated ? DEPRECATED_COLOR : EMBED_COLOR,
		fields: fields.slice(0, LIMITS.embedFields),
		footer: { text: truncate(`Internal name: ${mod.name}`, LIMITS.footerText) },
	};
	if (description) embed.description = truncate(description, LIMITS.embedDescription);
	const thumbnail = thumbnailUrl(links, mod.thumbnail);
	if (thumbnail) embed.thumbnail = { url: thumbnail };
	if (latest?.releasedAt && !Number.isNaN(Date.parse(latest.releasedAt)))
		embed.timestamp = new Date(latest.releasedAt).toISOString();
	return { embeds: [fitEmbed(embed)], components: [modLinkRow(links, mod)] };
}

/** Drops trailing fields until the embed's total text is within Discord's 6,000 characters. */
function fitEmbed(embed: APIEmbed): APIEmbed {
	const fields = [...(embed.fields ?? [])];
	while (embedLength({ ...embed, fields }) > LIMITS.embedTotal && fields.length > 0) fields.pop();
	return { ...embed, fields };
}

/** The character count Discord checks against 6,000: title, description, field names and values, footer, author. */
export function embedLength(embed: APIEmbed): number {
	let n = (embed.title?.length ?? 0) + (embed.description?.length ?? 0);
	n += (embed.footer?.text.length ?? 0) + (embed.author?.name.length ?? 0);
	for (const field of embed.fields ?? []) n += field.name.length + field.value.length;
	return n;
}

/** How much of a changelog section to show: all categories, the first few entries, or none. */
export type ChangelogDetail = 'full' | 'summary' | 'none';

/**
 * Markdown for one changelog section: categories in the game's order as bold headings with `-` entries, within
 * `max` characters. Returns the text and whether it was cut. `summary` keeps the first 5 entries.
 */
export function changelogMarkdown(
	section: ChangelogSection,
	max: number,
	detail: ChangelogDetail = 'full',
): { text: string; cut: boolean } {
	if (detail === 'none') return { text: '', cut: false };
	const lines: string[] = [];
	let entries = 0;
	let omitted = false;
	for (const category of sortCategories(section.categories)) {
		if (category.entries.length === 0) continue;
		if (detail === 'summary' && entries >= 5) {
			omitted = true;
			break;
		}
		if (category.name) lines.push(`**${escapeMarkdown(category.name)}**`);
		for (const entry of category.entries) {
			if (detail === 'summary' && entries >= 5) {
				omitted = true;
				break;
			}
			lines.push(
				`- ${entry
					.split('\n')
					.map((l) => l.trim())
					.filter(Boolean)
					.join('\n  ')}`,
			);
			entries++;
		}
	}
	if (lines.length === 0 && section.text.trim()) lines.push(section.text.trim());
	const text = lines.join('\n');
	if (text.length <= max) return { text, cut: omitted };
	// Cut at a line boundary so no entry is half-shown.
	let out = '';
	for (const line of lines) {
		if (out.length + line.length + 1 > max) break;
		out = out === '' ? line : `${out}\n${line}`;
	}
	return { text: out === '' ? truncate(text, max) : out, cut: true };
}

/**
 * The `/mod changelog` message: the changelog section of `version` (default: the highest version), categories in the
 * game's order, within Discord's limits, with a link to the full changelog when cut; the plain text when the file is
 * not in the changelog.txt format.
 *
 * @returns undefined when the mod has no changelog or no section for `version`.
 */
export function renderChangelog(links: PortalLinks, mod: ModDetails, version?: string): MessagePayload | undefined {
	if (!mod.changelog?.trim()) return undefined;
	const changelog = parseChangelog(mod.changelog);
	const fullLink = changelogUrl(links, mod.name);
	const embed: APIEmbed = { color: EMBED_COLOR, url: fullLink };
	const thumbnail = thumbnailUrl(links, mod.thumbnail);
	if (thumbnail) embed.thumbnail = { url: thumbnail };
	const room = LIMITS.embedDescription - 60;
	const section = findSection(changelog, version);
	if (section) {
		const { text, cut } = changelogMarkdown(section, room);
		embed.title = truncate(`${mod.title} ${section.version} changelog`, LIMITS.embedTitle);
		embed.description = cut ? `${text}\n\n[… full changelog](${fullLink})` : text || '*No entries.*';
		if (section.date) embed.footer = { text: truncate(`Date: ${section.date}`, LIMITS.footerText) };
	} else if (changelog.sections.length === 0 && !version) {
		const plain = (changelog.plain ?? mod.changelog).trim();
		embed.title = truncate(`${mod.title} changelog`, LIMITS.embedTitle);
		embed.description = plain.length > room ? `${truncate(plain, room)}\n\n[… full changelog](${fullLink})` : plain;
	} else {
		return undefined;
	}
	return { embeds: [embed], components: [modLinkRow(links, mod)] };
}

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

/** Custom id prefix of the Previous/Next buttons and the select menu of search results. */
export const SEARCH_PAGE_ID = 'mod:page';
/** Custom id of the search results' select menu that opens a mod's info. */
export const SEARCH_OPEN_ID = 'mod:open';

/**
 * Encodes search state into a button custom id (≤ 100 characters, Discord docs "Message Components"):
 * `mod:page|page|sort|version|category|query`. The query is cut to fit.
 */
export function encodeSearchState(state: SearchState): string {
	const head = [SEARCH_PAGE_ID, String(state.page), state.sort, state.factorioVersion ?? '', state.category ?? ''].join(
		'|',
	);
	return `${head}|${state.query}`.slice(0, LIMITS.customId);
}

/** The inverse of {@link encodeSearchState}; undefined when the id is not a search page id. */
export function decodeSearchState(customId: string): SearchState | undefined {
	const parts = customId.split('|');
	if (parts[0] !== SEARCH_PAGE_ID || parts.length < 6) return undefined;
	const [, page, sort, factorioVersion, category] = parts;
	const query = parts.slice(5).join('|');
	if (!sort || !(sort in SORT_LABELS)) return undefined;
	return {
		query,
		page: Math.max(1, Number.parseInt(page ?? '1', 10) || 1),
		sort: sort as SearchState['sort'],
		factorioVersion: factorioVersion || undefined,
		category: category || undefined,
	};
}

/**
 * The `/mod search` message: an embed with up to 10 matches, the total count and page, a select menu that opens a
 * mod's info, and Previous/Next buttons.
 */
export function renderSearchPage(
	links: PortalLinks,
	state: SearchState,
	page: { total: number; mods: readonly ModSummary[] },
	pageSize: number,
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
					custom_id: SEARCH_OPEN_ID,
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
					custom_id: encodeSearchState({ ...state, page: state.page - 1 }),
					disabled: state.page <= 1,
				},
				{
					type: ComponentType.Button,
					style: ButtonStyle.Secondary,
					label: 'Next',
					custom_id: encodeSearchState({ ...state, page: state.page + 1 }),
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
