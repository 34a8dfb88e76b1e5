/**
 * Server mod kits end to end, without Discord: from parsed input (or a saved mod set) to a resolution and the
 * kit's files, and from a server's mod file to a check plus the fixed kit.
 */
import { parseDependency } from '../factorio/dependencies.js';
import { checkMods, type ModCheck } from './check.js';
import type { GameTarget } from './game.js';
import type { ParsedModList } from './input.js';
import { kitFiles, type KitFile } from './kit.js';
import type { Problem } from './problems.js';
import type { ModLookup, ReleaseSource } from './releaseSource.js';
import { resolveMods, type ListedMod, type Resolution, type ResolveLimits } from './resolver.js';

/**
 * A server's named mod set as it will be stored: listed mods as written in info.json style (`flib`,
 * `flib >= 0.16`), the Factorio version and whether Space Age is on. It resolves like any list.
 */
export interface ModSet {
	name: string;
	mods: string[];
	factorioVersion: string;
	spaceAge: boolean;
}

/** A resolved kit: the resolution, its four files, and the unknown names of the input. */
export interface Kit {
	resolution: Resolution;
	files: KitFile[];
	/** Listed names that are not mods on the portal, with the catalog's closest names. */
	unknown: Problem[];
}

/** A checked server: per mod findings, then the kit that fixes it. */
export interface CheckedServer {
	checks: ModCheck[];
	kit: Kit;
}

/**
 * Listed mods from info.json style strings (`flib`, `flib >= 0.16`, `Squeak Through`); unreadable strings are
 * dropped, prefixes other than none are ignored.
 */
export function listedFromStrings(mods: readonly string[]): ListedMod[] {
	return mods.flatMap((text) => {
		const dependency = parseDependency(text);
		if (!dependency) return [];
		const mod: ListedMod = { name: dependency.name };
		if (dependency.operator && dependency.version) {
			mod.operator = dependency.operator;
			mod.version = dependency.version;
		}
		return [mod];
	});
}

/**
 * The listed mods of parsed input, after asking the portal about the names the catalog did not know (a mod newer
 * than the catalog is found that way): those it knows join the list, the others come back as `unknown_mod`.
 *
 * @throws {PortalError} when the portal is unavailable or rate limiting.
 */
export async function confirmNames(
	parsed: ParsedModList,
	source: ReleaseSource,
): Promise<{ listed: ListedMod[]; unknown: Problem[] }> {
	const listed: ListedMod[] = parsed.mods.map((mod) => {
		const dependency = mod.constraint ? parseDependency(`${mod.name} ${mod.constraint}`) : undefined;
		return dependency?.operator && dependency.version
			? { name: mod.name, operator: dependency.operator, version: dependency.version }
			: { name: mod.name };
	});
	const unknown: Problem[] = [];
	const candidates = parsed.unknown.filter((u) => u.name !== '' && u.name.length <= 100);
	const answers: ReadonlyMap<string, ModLookup> =
		candidates.length > 0 ? await source.lookup(candidates.map((u) => u.name)) : new Map<string, ModLookup>();
	for (const item of parsed.unknown) {
		if (answers.get(item.name)?.kind === 'found' && !listed.some((m) => m.name === item.name))
			listed.push({ name: item.name });
		else unknown.push({ kind: 'unknown_mod', name: item.name, suggestions: item.suggestions });
	}
	return { listed, unknown };
}

/**
 * Resolves listed mods for a game and builds the kit's files.
 *
 * @throws {PortalError} when the portal is unavailable or rate limiting.
 */
export async function buildKit(
	listed: readonly ListedMod[],
	game: GameTarget,
	recommended: boolean,
	source: ReleaseSource,
	limits?: Partial<ResolveLimits>,
): Promise<Omit<Kit, 'unknown'>> {
	const resolution = await resolveMods({ mods: listed, game, recommended }, source, limits);
	return { resolution, files: kitFiles(resolution) };
}

/**
 * Resolves a saved mod set (see {@link ModSet}); `recommended` defaults to true.
 *
 * @throws {PortalError} when the portal is unavailable or rate limiting.
 */
export async function resolveModSet(
	set: ModSet,
	source: ReleaseSource,
	options: { recommended?: boolean; limits?: Partial<ResolveLimits> } = {},
): Promise<Kit> {
	const game = { version: set.factorioVersion, spaceAge: set.spaceAge };
	const kit = await buildKit(listedFromStrings(set.mods), game, options.recommended ?? true, source, options.limits);
	return { ...kit, unknown: [] };
}

/**
 * Checks a server's mods (from a parsed file) and resolves the fixed kit from the same names.
 *
 * @throws {PortalError} when the portal is unavailable or rate limiting.
 */
export async function checkServer(
	parsed: ParsedModList,
	game: GameTarget,
	recommended: boolean,
	source: ReleaseSource,
	limits?: Partial<ResolveLimits>,
): Promise<CheckedServer> {
	const installed = [
		...parsed.mods.map((mod) => ({ name: mod.name, ...(mod.version ? { version: mod.version } : {}) })),
		...parsed.unknown.map((u) => ({ name: u.name })),
	];
	const suggestions = new Map(parsed.unknown.map((u) => [u.name, u.suggestions]));
	const checks = await checkMods(installed, game, source, suggestions);
	const { listed, unknown } = await confirmNames(parsed, source);
	const kit = await buildKit(listed, game, recommended, source, limits);
	return { checks, kit: { ...kit, unknown } };
}
