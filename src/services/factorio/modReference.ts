/**
 * What a user typed for a mod -> a mod name, or a clear refusal, before anything reaches the portal.
 *
 * What a mod name can be, measured on the recorded data (`../shared/fixtures/portal`): the 2018 catalogue
 * (`mods-max-2018-02-18.json`, 2,538 mods) and the 2024 dependency graph (`mods-deps-2024-08-26.json`, 9,174 mods)
 * hold only ASCII letters, digits, `-`, `_` and the space (162 names with a space in 2018, 30 in 2024), never a space
 * at the start or end and never two in a row; names have 3 to 53 characters in 2018 (one over 49) and 2 to 49 in
 * 2024. The wiki ("Tutorial:Mod structure", `name`) agrees: the portal now takes only alphanumerics, dashes and
 * underscores, 4 to 49 characters for new mods, older mods keep their spaces and lengths, and the game accepts names
 * up to 100 characters. So a name here is 1 to {@link MAX_MOD_NAME_LENGTH} (100) characters of `[A-Za-z0-9 _-]`, with
 * single spaces between other characters only: never `/`, never `.` or `..`, no control, bidi or zero-width
 * characters, always exactly one URL path segment once `encodeURIComponent` has encoded it. Input outside that set
 * cannot name a portal mod, so it costs no request.
 *
 * Pasted links (portal-api.md, "Base URLs") are parsed with the WHATWG `URL`: `https://mods.factorio.com/mod/NAME`,
 * with or without the scheme, wrapped in `<...>` (Discord's "no embed" form), with a tab after the name
 * (`/changelog`, `/downloads`, ...), query and fragment ignored; the name segment is percent-decoded once. A bare
 * path `/mod/NAME` counts as a portal link. A link to any other host is not a portal link and is refused.
 */

/** Longest mod name the game accepts (wiki, "Tutorial:Mod structure"); the recorded portal data peaks at 53. */
export const MAX_MOD_NAME_LENGTH = 100;

/** Hosts whose `/mod/{name}` links name a portal mod (the configured portal's host is added by callers). */
export const PORTAL_HOSTS: readonly string[] = ['mods.factorio.com'];

/** The characters of every recorded mod name (see the module comment). */
const NAME_PATTERN = /^[A-Za-z0-9_-]+(?: [A-Za-z0-9_-]+)*$/;
/** C0/C1 controls, bidi marks, embeddings, overrides and isolates, zero-width characters and the BOM. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/;
const INVISIBLE_ALL = new RegExp(INVISIBLE.source, 'g');

/** True when `text` holds a control, bidi or zero-width character (the set {@link withoutInvisible} removes). */
export function hasInvisible(text: string): boolean {
	return INVISIBLE.test(text);
}

/**
 * `text` without C0/C1 control characters (new lines and tabs included), bidi marks, embeddings, overrides and
 * isolates (U+061C, U+200E/F, U+202A-E, U+2066-9), zero-width characters (U+200B-D, U+2060-5) and the BOM.
 */
export function withoutInvisible(text: string): string {
	return text.replace(INVISIBLE_ALL, '');
}
/** `host.tld/...` typed without a scheme. */
const HOST_WITHOUT_SCHEME = /^[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::\d+)?\//i;

/** The outcome of {@link parseModReference}. */
export type ModReference =
	| {
			ok: true;
			/** The mod name, trimmed (and percent-decoded when it came from a link). */
			name: string;
			/** True when the input was a portal link. */
			fromLink: boolean;
	  }
	| {
			ok: false;
			/** A short sentence for the user saying why the input is not a mod name (no echo of the input). */
			reason: string;
	  };

/** Options of {@link parseModReference}. */
export interface ModReferenceOptions {
	/** Hosts (lower case, optionally with `:port`) whose links are portal links; default {@link PORTAL_HOSTS}. */
	portalHosts?: readonly string[];
}

/**
 * Why `name` cannot be a mod name, or undefined when it can (see the module comment for the rule and its source).
 *
 * @param name - a candidate name, already trimmed and decoded.
 */
export function modNameProblem(name: string): string | undefined {
	if (name === '') return 'A mod name cannot be empty.';
	if (name.length > MAX_MOD_NAME_LENGTH) return `A mod name has at most ${MAX_MOD_NAME_LENGTH} characters.`;
	if (hasInvisible(name)) return 'A mod name cannot contain control or invisible characters.';
	if (name.includes('/') || name.includes('\\')) return 'A mod name cannot contain a slash.';
	if (!NAME_PATTERN.test(name)) return 'A mod name has only letters, digits, single spaces, `-` and `_`.';
	return undefined;
}

/** True when `name` can be a portal mod name ({@link modNameProblem} finds nothing). */
export function isModName(name: string): boolean {
	return modNameProblem(name) === undefined;
}

function portalUrl(text: string): URL | undefined {
	let candidate: string | undefined;
	if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) candidate = text;
	else if (HOST_WITHOUT_SCHEME.test(text)) candidate = `https://${text}`;
	else if (text.startsWith('/mod/')) candidate = `https://mods.factorio.com${text}`;
	if (candidate === undefined) return undefined;
	try {
		return new URL(candidate);
	} catch {
		return undefined;
	}
}

/**
 * Reads what a user typed for a mod: a name, or a pasted portal link (see the module comment for the shapes).
 * Never throws and never asks the portal; it does not check that the mod exists (the catalog or the portal does).
 *
 * @returns `{ ok: true, name, fromLink }`, or `{ ok: false, reason }` with a short sentence for the user.
 */
export function parseModReference(input: string, options: ModReferenceOptions = {}): ModReference {
	const text = input
		.trim()
		.replace(/^<(.*)>$/s, '$1')
		.trim();
	if (text === '') return { ok: false, reason: 'Give a mod name, title or mod portal link.' };
	const url = portalUrl(text);
	if (url === undefined) {
		const problem = modNameProblem(text);
		return problem === undefined ? { ok: true, name: text, fromLink: false } : { ok: false, reason: problem };
	}
	const hosts = options.portalHosts ?? PORTAL_HOSTS;
	if (
		!['http:', 'https:'].includes(url.protocol) ||
		!(hosts.includes(url.host.toLowerCase()) || hosts.includes(url.hostname.toLowerCase()))
	) {
		return { ok: false, reason: 'That link does not point to the Factorio mod portal (mods.factorio.com/mod/…).' };
	}
	const segments = url.pathname.split('/');
	if (segments[1] !== 'mod' || segments[2] === undefined || segments[2] === '') {
		return { ok: false, reason: 'That mod portal link names no mod: it should look like mods.factorio.com/mod/NAME.' };
	}
	let name: string;
	try {
		name = decodeURIComponent(segments[2]).trim();
	} catch {
		return { ok: false, reason: 'That mod portal link has a malformed %-escape in the mod name.' };
	}
	const problem = modNameProblem(name);
	return problem === undefined ? { ok: true, name, fromLink: true } : { ok: false, reason: problem };
}

/**
 * A lookup candidate for what a user typed, for the catalog (resolution by name or title, suggestions): the mod name
 * of a pasted portal link (decoded); an empty string for a link that names no mod, or a mod name that cannot be,
 * or points to another site; otherwise the input trimmed, as it is. Not a check: what goes to the portal passes
 * {@link parseModReference} (and the portal client's own guard) first.
 */
export function modNameFromInput(input: string, options?: ModReferenceOptions): string {
	const reference = parseModReference(input, options);
	if (reference.ok) return reference.name;
	const text = input
		.trim()
		.replace(/^<(.*)>$/s, '$1')
		.trim();
	return portalUrl(text) === undefined ? text : '';
}

/**
 * Text fit to look up "did you mean" names for input that is not a mod name: controls and invisible characters
 * dropped, slashes and other characters outside a name turned into spaces, cut to {@link MAX_MOD_NAME_LENGTH}.
 */
export function suggestionText(input: string): string {
	const reference = parseModReference(input);
	if (reference.ok) return reference.name;
	return withoutInvisible(input)
		.replace(/[^A-Za-z0-9 _-]+/g, ' ')
		.replace(/\s+/g, ' ')
		.trim()
		.slice(0, MAX_MOD_NAME_LENGTH)
		.trim();
}
