/**
 * Reading what admins paste or attach as a server's mods: a list of names, titles or portal links (commas or new
 * lines), a `mod-list.json`, a `factorio-current.log`, or a plain list (one per line, also `ls mods/` output).
 *
 * Sources: `../shared/portal-api.md` ("Server mod kits"): `mod-list.json` is `{"mods": [{"name", "enabled"}]}`;
 * the log names each mod it loads with its version, `Loading mod base 2.0.28 (data.lua)`. Real logs attached to
 * public bug reports (factorio-server-manager #201 and #419, Helfima/helmod #63, a Warp-Drive-Machine portal
 * thread) also show `Loading mod settings NAME VERSION (settings.lua)` for the settings stage, names with spaces
 * (`Loading mod Flare Stack 2.1.0 (data-final-fixes.lua)`), `Checksum of NAME: N` lines without versions, a mod
 * without data stage files appearing only in the settings stage, and, when pasted through Markdown, `\\_` for `_`.
 * Mod zips are named `{name}_{version}.zip` (wiki, "Tutorial:Mod structure").
 */
import { UserError } from '../errors.js';
import { parseDependency } from '../factorio/dependencies.js';
import { modNameFromInput } from '../factorio/modReference.js';
import type { VersionOperator } from '../factorio/version.js';

/** The catalog lookups the parser needs (the bot's `Catalog` has them). */
export interface ModNameLookup {
	/** The mod a user meant by name, title or portal link; undefined when nothing matches exactly. */
	resolve(input: string): { name: string; title: string } | undefined;
	/** The closest mods to a name that was not found. */
	suggest(input: string, limit?: number): { name: string; title: string }[];
}

/** One mod read from the input. */
export interface InputMod {
	/** Internal name. */
	name: string;
	/** The version installed (from a log or a zip file name), when known. */
	version?: string;
	/** A version constraint written in the list (`flib >= 0.16`). */
	operator?: VersionOperator;
	constraint?: string;
	/** What was written, for messages. */
	input: string;
}

/** The result of reading a list. */
export interface ParsedModList {
	format: 'list' | 'mod-list.json' | 'log';
	/** The mods, in the order given, once each, built-ins left out. */
	mods: InputMod[];
	/** Items that match no mod of the catalog: what was written, the name tried, the closest names. */
	unknown: { input: string; name: string; suggestions: string[] }[];
	/** Names given more than once (counted once). */
	duplicates: string[];
	/** Mods listed as disabled in a `mod-list.json` (left out). */
	disabled: string[];
	/** Built-ins named (`base`, `space-age`, ...), with their version when the log gives one. */
	builtins: { name: string; version?: string; enabled: boolean }[];
	/** The game version read from a log (`Loading mod base 2.0.28`), when there is one. */
	gameVersion?: string;
	/** Whether Space Age is on, when the input says (a log loads `space-age`, a mod-list.json enables it). */
	spaceAge?: boolean;
}

/** At most this many listed mods (their dependencies come on top). */
export const MAX_LISTED_MODS = 300;
/** Longest item read; anything longer is not a mod name, title or link. */
const MAX_ITEM_LENGTH = 300;
const BUILTIN_NAMES = new Set(['base', 'core', 'space-age', 'quality', 'elevated-rails', 'recycler']);

const LOG_TIMESTAMP = /^\s*\d+\.\d{3}\s/m;
const LOADING_LINE = /^\s*\d+\.\d+\s+Loading mod (.+?) (\d+\.\d+\.\d+) \(([a-z-]+)\.lua\)\s*$/;
const CHECKSUM_LINE = /^\s*\d+\.\d+\s+Checksum of (.+?): \d+\s*$/;
const GAME_LINE = /^\s*\d+\.\d+\s+\d{4}-\d\d-\d\d [\d:]+; Factorio (\d+\.\d+\.\d+)/;
const ZIP_NAME = /^(.+)_(\d+\.\d+\.\d+)\.zip$/i;
const NAME_AND_VERSION = /^(.+?)\s+v?(\d+\.\d+\.\d+)$/;
const LIST_MARKER = /^(?:[-*•+]\s+|\d{1,3}[.)]\s+)/;
/** A portal account secret pasted by mistake: `token=` with a long hex value, or JSON `"token"` keys. */
const TOKEN_IN_TEXT = /(?:[?&]|\b)(?:service-)?token["']?\s*[=:]\s*["']?[0-9a-f]{16,}/i;

/** Thrown (as a {@link UserError}) when the input holds portal credentials; the bot must not read them. */
function refuseCredentials(): never {
	throw new UserError(
		'That holds a Factorio portal token. The bot never takes portal credentials in Discord: delete that message, ' +
			'and if others saw it, get a new token on factorio.com/profile. Send mod names, a mod-list.json or a log instead.',
	);
}

function unescapeMarkdown(text: string): string {
	return text.replace(/\\([_*~`|\\-])/g, '$1');
}

function cleanItem(raw: string): string {
	let text = raw.trim().replace(LIST_MARKER, '').trim();
	text = text.replace(/^[`'"“”‘’]+|[`'"“”‘’]+$/g, '').trim();
	return unescapeMarkdown(text);
}

/** Collects mods in order, once each; built-ins aside. */
class Collector {
	readonly mods: InputMod[] = [];
	readonly duplicates: string[] = [];
	readonly unknown: ParsedModList['unknown'] = [];
	readonly builtins: ParsedModList['builtins'] = [];
	private readonly byName = new Map<string, InputMod>();

	constructor(private readonly silentDuplicates: boolean) {}

	add(mod: InputMod): void {
		if (BUILTIN_NAMES.has(mod.name)) {
			if (!this.builtins.some((b) => b.name === mod.name))
				this.builtins.push({ name: mod.name, enabled: true, ...(mod.version ? { version: mod.version } : {}) });
			return;
		}
		const known = this.byName.get(mod.name);
		if (known) {
			if ((known.constraint ?? '') !== (mod.constraint ?? '') && mod.constraint)
				throw new UserError(
					`${mod.name} is listed twice with different versions (${known.input}; ${mod.input}). List it once.`,
				);
			if (!this.silentDuplicates && !this.duplicates.includes(mod.name)) this.duplicates.push(mod.name);
			if (!known.version && mod.version) known.version = mod.version;
			return;
		}
		this.byName.set(mod.name, mod);
		this.mods.push(mod);
	}

	count(): number {
		return this.mods.length + this.unknown.length;
	}
}

/**
 * Matches one item of a list: a name, title or portal link; a zip file name (`flib_0.16.4.zip`); a name with a
 * version (`flib 0.16.4`, as in a server's mod list); or a dependency-style constraint (`flib >= 0.16`).
 */
function matchItem(text: string, catalog: ModNameLookup): InputMod | undefined {
	if (BUILTIN_NAMES.has(text)) return { name: text, input: text };
	const direct = catalog.resolve(text);
	if (direct) return { name: direct.name, input: text };
	const zip = ZIP_NAME.exec(text);
	if (zip?.[1] && zip[2]) {
		const mod = catalog.resolve(zip[1]);
		if (mod) return { name: mod.name, version: zip[2], input: text };
	}
	const versioned = NAME_AND_VERSION.exec(text);
	if (versioned?.[1] && versioned[2]) {
		const mod = catalog.resolve(versioned[1]);
		if (mod) return { name: mod.name, version: versioned[2], input: text };
	}
	const dependency = parseDependency(text);
	if (dependency?.kind === 'required' && dependency.operator && dependency.version) {
		const mod = catalog.resolve(dependency.name);
		if (mod)
			return {
				name: mod.name,
				operator: dependency.operator,
				constraint: `${dependency.operator} ${dependency.version}`,
				version: undefined,
				input: text,
			};
	}
	return undefined;
}

/**
 * Unknown names that get "closest names" suggestions: each is a fuzzy search, and parsing runs before the
 * interaction is deferred, so a list of hundreds of typos must stay cheap.
 */
const MAX_SUGGESTED_UNKNOWN = 10;

function addUnknown(collector: Collector, text: string, catalog: ModNameLookup): void {
	const name = modNameFromInput(ZIP_NAME.exec(text)?.[1] ?? text);
	if (collector.unknown.some((u) => u.name === name)) return;
	const suggestions =
		collector.unknown.length < MAX_SUGGESTED_UNKNOWN ? catalog.suggest(name, 3).map((mod) => mod.name) : [];
	collector.unknown.push({ input: text, name, suggestions });
}

/** The most words one name or title is tried with when an item is split at spaces. */
const MAX_WORDS = 8;

/**
 * An item that matches nothing as a whole, read as names separated by spaces (Discord turns the line breaks of a
 * pasted list into spaces): from each word on, the longest run of words that is a name or title wins; words
 * matching nothing stay together as one unknown name.
 */
function segmentItem(collector: Collector, item: string, catalog: ModNameLookup): void {
	const words = item.split(/\s+/).filter((word) => word !== '');
	const unknown: string[] = [];
	const flush = () => {
		if (unknown.length === 0) return;
		const text = unknown.join(' ');
		if (text.length > MAX_ITEM_LENGTH)
			throw new UserError('One item of the list is longer than any mod name, title or link: check the separators.');
		addUnknown(collector, text, catalog);
		unknown.length = 0;
	};
	if (words.length < 2 || words.length > MAX_LISTED_MODS * 4) {
		unknown.push(...words);
		flush();
		return;
	}
	let index = 0;
	while (index < words.length) {
		let found: InputMod | undefined;
		let end = Math.min(words.length, index + MAX_WORDS);
		for (; end > index; end--) {
			found = matchItem(words.slice(index, end).join(' '), catalog);
			if (found) break;
		}
		if (found) {
			flush();
			collector.add(found);
			index = end;
		} else {
			unknown.push(words[index] ?? '');
			index++;
		}
		checkCount(collector);
	}
	flush();
}

function checkCount(collector: Collector): void {
	if (collector.count() > MAX_LISTED_MODS)
		throw new UserError(
			`That is more than ${MAX_LISTED_MODS} mods. A kit takes at most ${MAX_LISTED_MODS} listed mods (their dependencies come on top): split the list.`,
		);
}

/**
 * Reads a typed or pasted list: items separated by new lines or commas; each line is first tried whole (titles
 * may hold commas, names may hold spaces), then split at commas, then an item that still matches nothing at spaces
 * (a pasted list whose line breaks Discord turned into spaces). Bullets (`- `, `1. `), quotes and Markdown
 * escapes are ignored, and so are empty lines and lines starting with `#`.
 *
 * @throws {UserError} when the list is empty, longer than {@link MAX_LISTED_MODS}, holds a portal token, or names
 *   one mod twice with different version constraints.
 */
export function parseModText(text: string, catalog: ModNameLookup): ParsedModList {
	if (TOKEN_IN_TEXT.test(text)) refuseCredentials();
	const collector = new Collector(false);
	for (const rawLine of text.split(/\r?\n/)) {
		const line = cleanItem(rawLine);
		if (line === '' || line.startsWith('#') || line.startsWith('//')) continue;
		const whole = line.length <= MAX_ITEM_LENGTH ? matchItem(line, catalog) : undefined;
		if (whole) {
			collector.add(whole);
		} else {
			for (const rawItem of line.split(/[,;]/)) {
				const item = cleanItem(rawItem);
				if (item === '') continue;
				const mod = item.length <= MAX_ITEM_LENGTH ? matchItem(item, catalog) : undefined;
				if (mod) collector.add(mod);
				else segmentItem(collector, item, catalog);
			}
		}
		checkCount(collector);
	}
	if (collector.count() === 0 && collector.builtins.length === 0)
		throw new UserError(
			'No mod names found. Give names, titles or mod portal links, separated by commas or new lines.',
		);
	return {
		format: 'list',
		mods: collector.mods,
		unknown: collector.unknown,
		duplicates: collector.duplicates,
		disabled: [],
		builtins: collector.builtins,
	};
}

/**
 * Reads a `mod-list.json`: enabled mods are the server's; disabled ones are named and left out; the built-ins
 * say whether Space Age is on.
 *
 * @throws {UserError} when it is not a mod-list.json (no `mods` array), lists no mod, or too many.
 */
export function parseModListJson(json: unknown, catalog: ModNameLookup): ParsedModList {
	const mods =
		typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as { mods?: unknown }).mods : undefined;
	if (!Array.isArray(mods))
		throw new UserError(
			'That JSON file is not a mod-list.json: it has no `mods` list. Attach the mods folder’s mod-list.json.',
		);
	const collector = new Collector(false);
	const disabled: string[] = [];
	let spaceAge: boolean | undefined;
	for (const entry of mods) {
		if (typeof entry !== 'object' || entry === null) continue;
		const { name, enabled, version } = entry as { name?: unknown; enabled?: unknown; version?: unknown };
		if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_ITEM_LENGTH) continue;
		const on = enabled !== false;
		if (name === 'space-age') spaceAge = on;
		if (!on) {
			if (!BUILTIN_NAMES.has(name)) disabled.push(name);
			continue;
		}
		const known = catalog.resolve(name);
		const installed = typeof version === 'string' && /^\d+\.\d+\.\d+$/.test(version) ? version : undefined;
		if (BUILTIN_NAMES.has(name)) collector.add({ name, input: name });
		else if (known) collector.add({ name: known.name, input: name, ...(installed ? { version: installed } : {}) });
		else addUnknown(collector, name, catalog);
		checkCount(collector);
	}
	if (collector.count() === 0)
		throw new UserError('That mod-list.json enables no mod besides the game’s own: nothing to check.');
	return {
		format: 'mod-list.json',
		mods: collector.mods,
		unknown: collector.unknown,
		duplicates: collector.duplicates,
		disabled,
		builtins: collector.builtins,
		...(spaceAge === undefined ? {} : { spaceAge }),
	};
}

/**
 * Reads the mods a `factorio-current.log` shows the game loading, with their versions, and the game version.
 *
 * @returns undefined when the text does not look like a Factorio log at all (no `  1.234 ` timestamps).
 * @throws {UserError} for a log without mod lines, or with too many mods.
 */
export function parseFactorioLog(text: string, catalog: ModNameLookup): ParsedModList | undefined {
	if (!LOG_TIMESTAMP.test(text)) return undefined;
	const collector = new Collector(true);
	let gameVersion: string | undefined;
	let spaceAge = false;
	let modLines = 0;
	for (const rawLine of text.split(/\r?\n/)) {
		const line = unescapeMarkdown(rawLine);
		const game = GAME_LINE.exec(line);
		if (game?.[1]) gameVersion ??= game[1];
		let name: string | undefined;
		let version: string | undefined;
		const loading = LOADING_LINE.exec(line);
		if (loading?.[1] && loading[2] && loading[3]) {
			name = loading[1];
			version = loading[2];
			if (loading[3].startsWith('settings') && name.startsWith('settings ')) name = name.slice('settings '.length);
		} else {
			const checksum = CHECKSUM_LINE.exec(line);
			if (checksum?.[1]) name = checksum[1];
		}
		if (!name || name.length > MAX_ITEM_LENGTH) continue;
		modLines++;
		if (name === 'base' && version) gameVersion = version;
		if (name === 'space-age') spaceAge = true;
		if (BUILTIN_NAMES.has(name)) {
			collector.add({ name, input: name, ...(version ? { version } : {}) });
			continue;
		}
		const known = catalog.resolve(name);
		if (known) collector.add({ name: known.name, input: name, ...(version ? { version } : {}) });
		else addUnknown(collector, name, catalog);
		checkCount(collector);
	}
	if (modLines === 0)
		throw new UserError(
			'That log has no lines naming the mods the game loads (`Loading mod NAME VERSION (data.lua)`). Attach the ' +
				'whole factorio-current.log from the start of a server run, or the mods folder’s mod-list.json.',
		);
	return {
		format: 'log',
		mods: collector.mods,
		unknown: collector.unknown,
		duplicates: [],
		disabled: [],
		builtins: collector.builtins,
		...(gameVersion ? { gameVersion } : {}),
		spaceAge,
	};
}

/**
 * Reads an attached file: a `mod-list.json` (by content: a JSON object), else a Factorio log, else a plain list.
 *
 * @param fileName - the attachment's name, used only to tell a broken JSON file from a list.
 * @throws {UserError} for a file that is binary, a `.json` that does not parse, a JSON file with credentials
 *   (`player-data.json`, `server-settings.json`), and everything {@link parseModText}, {@link parseModListJson}
 *   and {@link parseFactorioLog} refuse.
 */
export function parseModFile(fileName: string, text: string, catalog: ModNameLookup): ParsedModList {
	if (text.includes('\u0000'))
		throw new UserError('That file is not text. Attach mod-list.json, factorio-current.log or a list of names.');
	const body = text.replace(/^\uFEFF/, '');
	const trimmed = body.trim();
	const looksJson = trimmed.startsWith('{') || trimmed.startsWith('[') || /\.json$/i.test(fileName);
	if (looksJson) {
		let json: unknown;
		try {
			json = JSON.parse(trimmed);
		} catch {
			throw new UserError(
				`${fileName} is not valid JSON. Attach the mod-list.json from the server's mods folder as it is.`,
			);
		}
		if (
			typeof json === 'object' &&
			json !== null &&
			['service-token', 'token', 'service-username'].some((key) => {
				const value = (json as Record<string, unknown>)[key];
				return typeof value === 'string' && value !== '';
			})
		)
			refuseCredentials();
		return parseModListJson(json, catalog);
	}
	return parseFactorioLog(body, catalog) ?? parseModText(body, catalog);
}

/**
 * A parsed list from mods already known by internal name (a saved mod set, a server list built elsewhere), as
 * `checkServer` takes it. Duplicates are not merged here.
 */
export function listOfMods(mods: readonly { name: string; version?: string }[]): ParsedModList {
	return {
		format: 'list',
		mods: mods.map((mod) => ({ name: mod.name, input: mod.name, ...(mod.version ? { version: mod.version } : {}) })),
		unknown: [],
		duplicates: [],
		disabled: [],
		builtins: [],
	};
}
