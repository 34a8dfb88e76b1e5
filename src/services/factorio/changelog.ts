/**
 * Parser for mods' changelog.txt files, the format the game's mod browser reads.
 *
 * Source: the Factorio wiki, "Tutorial:Mod changelog format", summarised in `../shared/portal-api.md`
 * ("changelog.txt format"). A section starts with a line of 99 dashes, then `Version: x.y.z`, an optional
 * `Date: ...`, then categories (`  Bugfixes:`) holding entries (`    - Fixed a crash.`) whose continuation lines
 * and sub-items are indented six spaces. The portal does not enforce the format, so this parser is lenient: it
 * accepts CRLF, tabs, trailing spaces, any dash line of 10 or more dashes, any date text, unknown categories and
 * entries outside categories, and falls back to the plain text when no section can be read.
 */

import { compareVersions, hasVersionNumber } from './version.js';

/** One category of a version section, e.g. `Bugfixes`. */
export interface ChangelogCategory {
	/**
	 * The category name as written (without the colon). `''` holds the entries written before any category line.
	 */
	name: string;
	/**
	 * The entries' text without the `- ` bullet. Continuation lines and sub-items follow the first line after a
	 * `'\n'`, keeping their indentation relative to the entry's text (a sub-item reads `- Sub item`).
	 */
	entries: string[];
}

/** One version section of a changelog. */
export interface ChangelogSection {
	/** The text after `Version:`, trimmed, e.g. `2.1.12`. */
	version: string;
	/** The text after `Date:`, trimmed, in whatever format the author used (`????` for unreleased); undefined when absent. */
	date?: string;
	/** Categories in file order (see {@link sortCategories} for the game's order); a name appears once. */
	categories: ChangelogCategory[];
	/** The raw section text from the `Version:` line on, without the dash line, LF line endings. */
	text: string;
}

/** A parsed changelog.txt. */
export interface Changelog {
	/** Sections in file order (not necessarily newest first). */
	sections: ChangelogSection[];
	/** The whole text when no section could be read (and it is not blank); undefined otherwise. */
	plain?: string;
}

/**
 * Category names in the order the game shows them, from the wiki page "Tutorial:Mod changelog format".
 * Matching is case-insensitive.
 */
export const CATEGORY_ORDER: readonly string[] = [
	'Major Features',
	'Features',
	'Minor Features',
	'Graphics',
	'Sounds',
	'Optimizations',
	'Balancing',
	'Combat Balancing',
	'Circuit Network',
	'Changes',
	'Bugfixes',
	'Modding',
	'Scripting',
	'Gui',
	'Control',
	'Translation',
	'Debug',
	'Ease of use',
	'Info',
	'Locale',
	'Compatibility',
];

const CATEGORY_RANK = new Map(CATEGORY_ORDER.map((name, index) => [name.toLowerCase(), index]));

const DASH_LINE = /^-{10,}$/;
const VERSION_LINE = /^version\s*:\s*(.*?)\s*$/i;
const DATE_LINE = /^date\s*:\s*(.*?)\s*$/i;
const BULLET = /^[-*](?:\s+|$)/;

interface OpenEntry {
	lines: string[];
	/** Column where the entry's text starts; deeper lines are its continuation. */
	textColumn: number;
}

/** Indentation width in columns; a tab counts as one level of the format (two columns). */
function indentOf(line: string): number {
	let columns = 0;
	for (const char of line) {
		if (char === ' ') columns += 1;
		else if (char === '\t') columns += 2;
		else break;
	}
	return columns;
}

function parseSection(lines: readonly string[]): ChangelogSection | undefined {
	let first = 0;
	while (first < lines.length && (lines[first] ?? '').trim() === '') first++;
	const version = VERSION_LINE.exec((lines[first] ?? '').trim())?.[1];
	if (!version) return undefined;

	let last = lines.length - 1;
	while (last > first && (lines[last] ?? '').trim() === '') last--;
	const section: ChangelogSection = { version, categories: [], text: lines.slice(first, last + 1).join('\n') };

	const byName = new Map<string, ChangelogCategory>();
	let category: ChangelogCategory | undefined;
	let entry: OpenEntry | undefined;
	const closeEntry = () => {
		if (entry && category) {
			const text = entry.lines.join('\n').trimEnd();
			if (text !== '') category.entries.push(text);
		}
		entry = undefined;
	};
	const openCategory = (name: string) => {
		closeEntry();
		const key = name.toLowerCase();
		category = byName.get(key);
		if (!category) {
			category = { name, entries: [] };
			byName.set(key, category);
			section.categories.push(category);
		}
	};

	for (let index = first + 1; index <= last; index++) {
		const line = (lines[index] ?? '').trimEnd();
		const content = line.trimStart();
		if (content === '') continue;
		const indent = indentOf(line);
		const isBullet = BULLET.test(content);

		if (section.date === undefined && section.categories.length === 0 && !entry) {
			const date = DATE_LINE.exec(content);
			if (date) {
				section.date = date[1] === '' ? undefined : date[1];
				continue;
			}
		}
		if (!isBullet && indent < 4 && content.endsWith(':')) {
			openCategory(content.slice(0, -1).trim());
			continue;
		}
		if (entry && (indent >= entry.textColumn || !isBullet)) {
			entry.lines.push(' '.repeat(Math.max(0, indent - entry.textColumn)) + content);
			continue;
		}
		if (!category) openCategory('');
		closeEntry();
		const text = isBullet ? content.replace(BULLET, '') : content;
		entry = { lines: [text], textColumn: indent + (content.length - text.length) };
	}
	closeEntry();
	return section;
}

/**
 * Parses a changelog.txt (as the portal's `/full` endpoint gives it in `changelog`).
 *
 * Performance: linear in the text; the game's own 1.7 MB changelog (580 sections, 15,100 entries) parses in
 * 40-90 ms on the project's 2-core machine, so callers need no cache for speed (mods' changelogs are far smaller).
 *
 * @param text - the whole file; any string, including garbage.
 * @returns the readable sections in file order, or `plain` with the whole (LF-normalised) text when none could
 *   be read. Never throws.
 */
export function parseChangelog(text: string): Changelog {
	if (typeof text !== 'string') return { sections: [] };
	const normalised = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
	const lines = normalised.split('\n');
	const sections: ChangelogSection[] = [];
	let start = -1;
	const flush = (end: number) => {
		if (start < 0) return;
		const section = parseSection(lines.slice(start, end));
		if (section) sections.push(section);
	};
	for (let index = 0; index < lines.length; index++) {
		if (DASH_LINE.test((lines[index] ?? '').trim())) {
			flush(index);
			start = index + 1;
		}
	}
	flush(lines.length);
	if (sections.length > 0) return { sections };
	const plain = normalised.trimEnd();
	return plain.trim() === '' ? { sections } : { sections, plain };
}

/**
 * Finds a version's section.
 *
 * @param changelog - a parsed changelog.
 * @param version - the wanted version; matched exactly first, then numerically (`1.0` finds `1.0.0`). When
 *   omitted, the section of the highest version (files are sometimes out of order), the first one on a tie.
 * @returns the section, or undefined when there is none.
 */
export function findSection(changelog: Changelog, version?: string): ChangelogSection | undefined {
	const { sections } = changelog;
	if (version !== undefined) {
		const wanted = version.trim();
		return (
			sections.find((section) => section.version === wanted) ??
			sections.find((section) => compareVersions(section.version, wanted) === 0 && hasVersionNumber(wanted))
		);
	}
	let best: ChangelogSection | undefined;
	for (const section of sections) {
		if (!best || compareVersions(section.version, best.version) > 0) best = section;
	}
	return best;
}

/**
 * Orders categories as the game shows them: the uncategorised `''` first, then the known names in
 * {@link CATEGORY_ORDER} (case-insensitive), then unknown names in file order.
 *
 * @returns a new array; the input is not changed.
 */
export function sortCategories(categories: readonly ChangelogCategory[]): ChangelogCategory[] {
	const rank = (category: ChangelogCategory) =>
		category.name === '' ? -1 : (CATEGORY_RANK.get(category.name.toLowerCase()) ?? CATEGORY_ORDER.length);
	// Array.prototype.sort is stable, which keeps unknown categories in file order.
	return [...categories].sort((a, b) => rank(a) - rank(b));
}
