/**
 * Changelog sections as Discord markdown, and the `/mod changelog` message (Discord docs, "Channel Resources: Embed
 * Limits"; changelog format: portal-api.md, "changelog.txt format").
 */
import type { APIEmbed } from 'discord.js';
import type { ChangelogDetail } from '../services/announcements/subscriptions.js';
import { findSection, parseChangelog, sortCategories, type ChangelogSection } from '../services/factorio/changelog.js';
import { changelogUrl, thumbnailUrl, type PortalLinks } from '../services/portal/links.js';
import type { ModDetails } from '../services/portal/schemas.js';
import { EMBED_COLOR, modLinkRow, type MessagePayload } from './components.js';
import { LIMITS, escapeMarkdown, truncate } from './limits.js';

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
