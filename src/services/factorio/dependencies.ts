/**
 * Parser for info.json dependency strings.
 *
 * Source: the Factorio wiki, "Tutorial:Mod structure" (section "dependencies"), summarised in
 * `../shared/portal-api.md` ("info.json dependencies"): `[prefix] name [operator version]`, where the prefix is
 * none (required), `!` (incompatible), `?` (optional), `(?)` (hidden optional), `~` (required without affecting
 * load order, since 1.1.28) or `+` (optional but recommended and enabled by default, since 2.1.7). Real mods
 * leave out the space after the prefix (`?ModuleInserter`, `(?)cargo-ships`), and mod names may contain spaces.
 */
import type { VersionOperator } from './version.js';

export type { VersionOperator } from './version.js';

/** What a dependency means for the mod that declares it. */
export type DependencyKind =
	'required' | 'optional' | 'hidden_optional' | 'incompatible' | 'load_neutral' | 'recommended';

/** One parsed dependency string. */
export interface Dependency {
	kind: DependencyKind;
	/** The other mod's internal name, e.g. `base` or `Krastorio2`; may contain spaces. */
	name: string;
	/** Present together with `version` when the string constrains the version. */
	operator?: VersionOperator;
	/** The version as written, e.g. `2.0.0` or `0.18`. */
	version?: string;
	/** The string as it appeared in info.json. */
	raw: string;
}

/** The game itself (`base`) and Wube's official expansion mods; they are not on the portal. */
export const OFFICIAL_MODS: ReadonlySet<string> = new Set(['base', 'space-age', 'quality', 'elevated-rails']);

const PREFIX_KINDS: Readonly<Record<string, DependencyKind>> = {
	'': 'required',
	'!': 'incompatible',
	'?': 'optional',
	'(?)': 'hidden_optional',
	'~': 'load_neutral',
	'+': 'recommended',
};

// prefix, then the name, then an optional `op version`. The name may not start with a prefix character nor
// contain operator characters, so a lone `?` or `base >=` without a version fails.
const DEPENDENCY_PATTERN =
	/^(\(\?\)|[!?~+])?\s*([^<>=\s!?~+(](?:[^<>=]*[^<>=\s])?)\s*(?:(<=|>=|<|>|=)\s*(\d+(?:\.\d+)*))?$/;

/**
 * Parses one info.json dependency string such as `? bobplates >= 0.18.0`, `(?)cargo-ships` or `+ quality >= 2.1.0`.
 *
 * @param text - the string as written in info.json (surrounding whitespace is ignored).
 * @returns the dependency, or undefined when the string cannot be read (empty, only a prefix, an operator without
 *   a version, a version that is not dotted numbers, ...). Never throws.
 */
export function parseDependency(text: string): Dependency | undefined {
	if (typeof text !== 'string') return undefined;
	const match = DEPENDENCY_PATTERN.exec(text.trim());
	if (!match) return undefined;
	const [, prefix = '', name, operator, version] = match;
	const kind = PREFIX_KINDS[prefix];
	if (!kind || !name) return undefined;
	const dependency: Dependency = { kind, name, raw: text };
	if (operator && version) {
		dependency.operator = operator as VersionOperator;
		dependency.version = version;
	}
	return dependency;
}

/**
 * Parses an info.json `dependencies` array, dropping the strings that cannot be read.
 *
 * @param list - the raw strings (a release's `dependencies`), or undefined when the portal gave none.
 * @returns the readable dependencies in their original order. Never throws.
 */
export function parseDependencies(list: readonly string[] | undefined): Dependency[] {
	if (!list) return [];
	const dependencies: Dependency[] = [];
	for (const text of list) {
		const dependency = parseDependency(text);
		if (dependency) dependencies.push(dependency);
	}
	return dependencies;
}
