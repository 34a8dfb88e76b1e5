/**
 * Changelog sections as Discord markdown, and the `/mod changelog` message (Discord docs, "Embed Limits";
 * changelog format: portal-api.md, "changelog.txt format"). Changelog text comes from the portal: every entry,
 * category name, version and date is escaped (`safeText.ts`).
 */
import type { APIEmbed } from 'discord.js';
import type { ChangelogDetail } from '../services/announcements/subscriptions.js';
import { findSection, parseChangelog, sortCategories, type ChangelogSection } from '../services/factorio/changelog.js';
import { changelogUrl, thumbnailUrl, type PortalLinks } from '../services/portal/links.js';
import type { ModDetails } from '../services/portal/schemas.js';
import { EMBED_COLOR, modLinkRow } from './components.js';
import { fitMessage, type MessagePayload } from './fit.js';
import { LIMITS, cutAtLine, truncate } from './limits.js';
import { READ_MAX, cleanText, displayTitle, markdownLink, safeMarkdown } from './safeText.js';

/** Room for a changelog date in a footer: real ones are short (`DD. MM. YYYY`, `2024-01-31`, `????`). */
const DATE_ROOM = 100;

/**
 * The `[… full changelog](url)` link that ends a changelog cut short; the bare words when `url` is not an absolute
 * http(s) URL.
 */
export function fullChangelogLink(url: string): string {
	return markdownLink('… full changelog', url);
}

/**
 * One changelog entry as a markdown list item: its first line after `- `, continuation lines indented under it and
 * sub-items (`- ...` lines) as a nested list, all text escaped.
 */
function entryMarkdown(entry: string): string {
	return safeMarkdown(entry, { multiline: true })
		.split('\n')
		.map((line) => line.trim())
		.filter(Boolean)
		.map((line, index) => {
			if (index === 0) return `- ${line}`;
			// safeMarkdown escaped the sub-item's own dash: show it as our nested list item.
			const subItem = /^\\- (.*)$/.exec(line);
			return subItem ? `  - ${subItem[1] ?? ''}` : `  ${line}`;
		})
		.join('\n');
}

/**
 * Markdown for one changelog section: categories in the game's order as bold headings with `-` entries, within
 * `max` characters, cut at a line end. Returns the text and whether it was cut (or, for `summary`, shortened).
 *
 * @param detail - `full` every entry that fits; `summary` the first 5 entries; `none` nothing.
 */
export function changelogMarkdown(
	section: ChangelogSection,
	max: number,
	detail: ChangelogDetail = 'full',
): { text: string; cut: boolean } {
	if (detail === 'none') return { text: '', cut: false };
	const lines: string[] = [];
	let length = 0;
	const push = (line: string) => {
		lines.push(line);
		length += line.length + 1;
	};
	let entries = 0;
	let omitted = false;
	// Stops once past `max`: a section of the game's changelog holds up to 77,000 characters.
	for (const category of sortCategories(section.categories)) {
		if (category.entries.length === 0) continue;
		if ((detail === 'summary' && entries >= 5) || length > max) {
			omitted = true;
			break;
		}
		const name = category.name ? safeMarkdown(category.name) : '';
		if (name) push(`**${name}**`);
		for (const entry of category.entries) {
			if ((detail === 'summary' && entries >= 5) || length > max) {
				omitted = true;
				break;
			}
			const item = entryMarkdown(entry);
			if (item) push(item);
			entries++;
		}
	}
	if (lines.length === 0 && section.text.trim()) lines.push(safeMarkdown(section.text, { multiline: true }));
	const text = lines.join('\n');
	if (text.length <= max) return { text, cut: omitted };
	return { text: cutAtLine(text, max), cut: true };
}

/**
 * `text`, and when `cut`, the full-changelog link after an empty line; within `max` characters (`text` is cut at a
 * line end to make room for the link).
 */
function withFullLink(text: string, cut: boolean, link: string, max: number): string {
	if (!cut) return text;
	const room = max - link.length - 2;
	const kept = room > 0 ? cutAtLine(text, room) : '';
	return kept ? `${kept}\n\n${link}` : truncate(link, max);
}

/**
 * The `/mod changelog` message: the changelog section of `version` (default: the highest version), categories in the
 * game's order, escaped, within Discord's limits: a section longer than the 4,096-character description is cut at a
 * line end and ends with a link to the full changelog on the portal. A changelog not in the changelog.txt format
 * shows as its plain text, cut the same way.
 *
 * @returns undefined when the mod has no changelog or no section for `version`.
 */
export function renderChangelog(links: PortalLinks, mod: ModDetails, version?: string): MessagePayload | undefined {
	if (!mod.changelog?.trim()) return undefined;
	const changelog = parseChangelog(mod.changelog);
	const fullUrl = changelogUrl(links, mod.name);
	const link = fullChangelogLink(fullUrl);
	const room = LIMITS.embedDescription - link.length - 2;
	const embed: APIEmbed = { color: EMBED_COLOR, url: fullUrl };
	const thumbnail = thumbnailUrl(links, mod.thumbnail);
	if (thumbnail) embed.thumbnail = { url: thumbnail };
	const title = displayTitle(mod);
	const section = findSection(changelog, version);
	if (section) {
		const { text, cut } = changelogMarkdown(section, room);
		embed.title = safeMarkdown(`${title} ${cleanText(section.version)} changelog`);
		embed.description = text ? withFullLink(text, cut, link, LIMITS.embedDescription) : '*No entries.*';
		if (section.date) embed.footer = { text: `Date: ${truncate(cleanText(section.date), DATE_ROOM)}` };
	} else if (changelog.sections.length === 0 && !version) {
		const raw = changelog.plain ?? mod.changelog;
		const plain = safeMarkdown(raw, { multiline: true });
		const cut = plain.length > LIMITS.embedDescription || raw.length > READ_MAX;
		embed.title = safeMarkdown(`${title} changelog`);
		embed.description = plain ? withFullLink(plain, cut, link, LIMITS.embedDescription) : '*No entries.*';
	} else {
		return undefined;
	}
	return fitMessage({ embeds: [embed], components: [modLinkRow(links, mod)] });
}
