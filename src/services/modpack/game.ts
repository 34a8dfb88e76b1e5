/**
 * The game a mod kit is for: its version, whether the Space Age expansion is on, which mods come with it, and
 * which releases it loads.
 *
 * Sources: `../shared/portal-api.md`, "Server mod kits": built-ins are `base`; from 2.0 the Space Age expansion's
 * `space-age`, `quality`, `elevated-rails`; from 2.1 also `recycler` (factorio-docker #616, clusterio #936,
 * factorix #169); a release runs on a game version when its `factorio_version` equals the game's major.minor, and
 * 2.1 refuses mods marked 2.0 (factorio-docker #613); Factorio 1.0 loads mods marked 0.18 (factorio-mod-updater
 * #16). The Factorio wiki, "Tutorial:Mod structure": `base` is the game itself and a dependency on it constrains
 * the game version.
 */
import { compareVersions, factorioMinor, satisfiesVersion, type VersionOperator } from '../factorio/version.js';

/** The game a kit is resolved for. */
export interface GameTarget {
	/**
	 * `major.minor` (`2.0`) or an exact `major.minor.patch` (`2.0.28`). With only `major.minor`, a `base >= x`
	 * dependency counts as met by the newest patch of that minor version (the kit then says which patch it needs).
	 */
	version: string;
	/** Whether the Space Age expansion (DLC) is enabled on the server. Ignored before 2.0. */
	spaceAge: boolean;
}

/** A built-in mod: shipped with the game, never downloaded. */
export interface BuiltinMod {
	name: string;
	/** Whether the game has it enabled in this target (expansion mods need {@link GameTarget.spaceAge}). */
	enabled: boolean;
}

/** The expansion's mods, which exist only with the Space Age DLC. */
const EXPANSION_MODS = ['elevated-rails', 'quality', 'space-age'] as const;

/** `major.minor` of the target, e.g. `2.0`. */
export function gameMinor(game: GameTarget): string {
	return factorioMinor(game.version) ?? game.version;
}

/** Whether the target's version has a patch part (`2.0.28`), so `base` constraints compare exactly. */
export function isExactVersion(version: string): boolean {
	return /^\d+\.\d+\.\d+$/.test(version.trim());
}

/**
 * Whether a Factorio version (`2.0`, `2.0.28`) is well formed: `major.minor` or `major.minor.patch`, numbers only.
 */
export function isGameVersion(version: string): boolean {
	return /^\d{1,4}\.\d{1,4}(?:\.\d{1,6})?$/.test(version.trim());
}

/**
 * The built-in mods of a game version, in the order the game writes them into `mod-list.json` (`base` first, then
 * alphabetical): `base`; from 2.0 `elevated-rails`, `quality`, `space-age` (enabled only with Space Age); from 2.1
 * `recycler` (part of the base game, always enabled).
 */
export function builtinMods(game: GameTarget): BuiltinMod[] {
	const minor = gameMinor(game);
	const mods: BuiltinMod[] = [{ name: 'base', enabled: true }];
	const others: BuiltinMod[] = [];
	if (compareVersions(minor, '2.0') >= 0) {
		for (const name of EXPANSION_MODS) others.push({ name, enabled: game.spaceAge });
	}
	if (compareVersions(minor, '2.1') >= 0) others.push({ name: 'recycler', enabled: true });
	others.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
	return [...mods, ...others];
}

/** Whether `name` is a built-in of this game version (see {@link builtinMods}), enabled or not. */
export function isBuiltin(name: string, game: GameTarget): boolean {
	return builtinMods(game).some((mod) => mod.name === name);
}

/** Whether `name` is one of the Space Age expansion's mods (`space-age`, `quality`, `elevated-rails`). */
export function isExpansionMod(name: string): boolean {
	return (EXPANSION_MODS as readonly string[]).includes(name);
}

/**
 * Whether a release whose info.json says `factorioVersion` loads on the target: same `major.minor`, or the
 * documented exception that Factorio 1.0 loads mods marked 0.18. A release without a `factorio_version` fits
 * nothing.
 */
export function releaseFits(factorioVersion: string | undefined, game: GameTarget): boolean {
	const release = factorioMinor(factorioVersion);
	if (!release) return false;
	const minor = gameMinor(game);
	return release === minor || (minor === '1.0' && release === '0.18');
}

/**
 * Whether a dependency on a built-in (`base >= 2.0.18`, `space-age`, `recycler >= 2.1.0`) can be met by the target.
 * Built-ins have the game's own version. With an exact target version the constraint is compared with it; with
 * only `major.minor`, any patch of that minor version may be installed, so the constraint holds when some patch
 * meets it.
 *
 * @returns `ok`, or why not: `missing` (the built-in does not exist in this version, or needs Space Age which is
 *   off) or `version` (no version of the game the target allows meets the constraint).
 */
export function builtinAllows(
	name: string,
	operator: VersionOperator | undefined,
	wanted: string | undefined,
	game: GameTarget,
): 'ok' | 'missing' | 'version' {
	const builtin = builtinMods(game).find((mod) => mod.name === name);
	if (!builtin?.enabled) return 'missing';
	if (!operator || !wanted) return 'ok';
	if (isExactVersion(game.version)) return satisfiesVersion(game.version, operator, wanted) ? 'ok' : 'version';
	const minor = gameMinor(game);
	const lowest = `${minor}.0`;
	const highest = `${minor}.999999`;
	const wantedMinor = factorioMinor(wanted) ?? wanted;
	switch (operator) {
		case '>=':
		case '>':
			return satisfiesVersion(highest, operator, wanted) ? 'ok' : 'version';
		case '<=':
		case '<':
			return satisfiesVersion(lowest, operator, wanted) ? 'ok' : 'version';
		case '=':
			return wantedMinor === minor ? 'ok' : 'version';
	}
}

/**
 * The lowest patch of the target's minor version that meets a `>=`/`>` constraint on a built-in (`base >= 2.0.18`
 * -> `2.0.18`); undefined when the constraint says nothing about patches of this minor version.
 */
export function minimumPatch(operator: VersionOperator | undefined, wanted: string | undefined, game: GameTarget) {
	if (!wanted || (operator !== '>=' && operator !== '>')) return undefined;
	if (factorioMinor(wanted) !== gameMinor(game)) return undefined;
	const parts = wanted.split('.');
	if (parts.length < 3) return undefined;
	if (operator === '>=') return wanted;
	const patch = Number(parts[2]) + 1;
	return `${gameMinor(game)}.${patch}`;
}
