/**
 * Checking a server's mods against the portal for one game version: per mod, whether it is up to date, has a newer
 * release for this Factorio version, misses a required dependency, is incompatible with another enabled mod, has no
 * release for this version, is deprecated, or is not on the portal.
 *
 * Rules as in `resolver.ts` (the Factorio wiki, "Tutorial:Mod structure", dependencies; `../shared/portal-api.md`,
 * "Server mod kits"). The dependencies checked are those of the installed release when its version is known and on
 * the portal, else those of the newest release for this version.
 */
import type { Dependency } from '../factorio/dependencies.js';
import { compareVersions, satisfiesVersion } from '../factorio/version.js';
import { builtinAllows, gameMinor, isBuiltin, isExpansionMod, releaseFits, type GameTarget } from './game.js';
import type { KitRelease } from './modRecord.js';
import type { ModLookup, ReleaseSource } from './releaseSource.js';

/** One finding about one mod. */
export type Verdict =
	| { kind: 'up_to_date'; version: string }
	| { kind: 'newer_release'; installed: string; version: string }
	/** The installed version is unknown (a mod-list.json has none): the newest release for this version. */
	| { kind: 'latest_is'; version: string }
	| { kind: 'installed_other_version'; installed: string; factorioVersion: string | undefined }
	| { kind: 'installed_unknown_release'; installed: string }
	| { kind: 'missing_dependency'; dependency: Dependency }
	| { kind: 'dependency_version'; dependency: Dependency; installed: string }
	| { kind: 'needs_game'; dependency: Dependency }
	| { kind: 'needs_space_age'; dependency: Dependency }
	| { kind: 'incompatible'; other: string }
	| { kind: 'no_release'; newest?: { version: string; factorioVersion: string | undefined } }
	| { kind: 'deprecated' }
	| { kind: 'not_on_portal'; suggestions: string[] }
	| { kind: 'unreadable'; reason: string };

/** The findings about one mod of the server. */
export interface ModCheck {
	name: string;
	title: string;
	installed?: string;
	verdicts: Verdict[];
	/** True when nothing needs doing for this mod. */
	ok: boolean;
}

/** A mod of the server, as read from its file. */
export interface InstalledMod {
	name: string;
	version?: string;
}

const PROBLEM_KINDS = new Set<Verdict['kind']>([
	'newer_release',
	'installed_other_version',
	'installed_unknown_release',
	'missing_dependency',
	'dependency_version',
	'needs_game',
	'needs_space_age',
	'incompatible',
	'no_release',
	'deprecated',
	'not_on_portal',
	'unreadable',
]);

function meets(version: string, dependency: Dependency): boolean {
	return (
		!dependency.operator || !dependency.version || satisfiesVersion(version, dependency.operator, dependency.version)
	);
}

/**
 * Checks a server's mods.
 *
 * @param installed - the enabled mods, in the order to report them; `unknown` are names the catalog did not know
 *   (reported as not on the portal when the portal agrees, with the catalog's closest names).
 * @returns one {@link ModCheck} per mod, in order.
 * @throws {PortalError} when the portal is unavailable or rate limiting (from `source`).
 */
export async function checkMods(
	installed: readonly InstalledMod[],
	game: GameTarget,
	source: ReleaseSource,
	suggestions: ReadonlyMap<string, string[]> = new Map(),
): Promise<ModCheck[]> {
	const lookups = await source.lookup(installed.map((mod) => mod.name));
	const versions = new Map(installed.map((mod) => [mod.name, mod.version]));
	const checks: ModCheck[] = installed.map((mod) => ({
		name: mod.name,
		title: mod.name,
		...(mod.version ? { installed: mod.version } : {}),
		verdicts: [],
		ok: false,
	}));
	const byName = new Map(checks.map((check) => [check.name, check]));
	const addIncompatible = (check: ModCheck, other: string) => {
		if (!check.verdicts.some((v) => v.kind === 'incompatible' && v.other === other))
			check.verdicts.push({ kind: 'incompatible', other });
	};

	for (const check of checks) {
		const lookup: ModLookup | undefined = lookups.get(check.name);
		if (!lookup || lookup.kind === 'not_found') {
			check.verdicts.push({ kind: 'not_on_portal', suggestions: suggestions.get(check.name) ?? [] });
			continue;
		}
		if (lookup.kind === 'failed') {
			check.verdicts.push({ kind: 'unreadable', reason: lookup.reason });
			continue;
		}
		const mod = lookup.mod;
		check.title = mod.title;
		if (mod.deprecated) check.verdicts.push({ kind: 'deprecated' });
		const fitting = mod.releases.filter((release) => releaseFits(release.factorioVersion, game));
		const newest = fitting[0];
		let release: KitRelease | undefined;
		if (check.installed) {
			const installedVersion = check.installed;
			release = mod.releases.find((r) => compareVersions(r.version, installedVersion) === 0);
			if (!release) check.verdicts.push({ kind: 'installed_unknown_release', installed: installedVersion });
			else if (!releaseFits(release.factorioVersion, game))
				check.verdicts.push({
					kind: 'installed_other_version',
					installed: installedVersion,
					factorioVersion: release.factorioVersion,
				});
		}
		if (!newest) {
			const latest = mod.releases[0];
			check.verdicts.push({
				kind: 'no_release',
				...(latest ? { newest: { version: latest.version, factorioVersion: latest.factorioVersion } } : {}),
			});
		} else if (check.installed) {
			if (compareVersions(newest.version, check.installed) > 0)
				check.verdicts.push({ kind: 'newer_release', installed: check.installed, version: newest.version });
			else check.verdicts.push({ kind: 'up_to_date', version: check.installed });
		} else {
			check.verdicts.push({ kind: 'latest_is', version: newest.version });
		}
		const used = release && releaseFits(release.factorioVersion, game) ? release : newest;
		for (const dependency of used?.dependencies ?? []) {
			const other = dependency.name;
			if (other === check.name) continue;
			if (isBuiltin(other, game)) {
				if (dependency.kind === 'incompatible') {
					if (builtinAllows(other, dependency.operator, dependency.version, game) === 'ok')
						addIncompatible(check, other);
					continue;
				}
				if (dependency.kind !== 'required' && dependency.kind !== 'load_neutral') continue;
				const result = builtinAllows(other, dependency.operator, dependency.version, game);
				if (result === 'missing' && isExpansionMod(other) && !game.spaceAge)
					check.verdicts.push({ kind: 'needs_space_age', dependency });
				else if (result !== 'ok') check.verdicts.push({ kind: 'needs_game', dependency });
				continue;
			}
			const otherCheck = byName.get(other);
			const otherVersion = versions.get(other);
			if (dependency.kind === 'incompatible') {
				if (otherCheck && (!otherVersion || meets(otherVersion, dependency))) {
					addIncompatible(check, other);
					addIncompatible(otherCheck, check.name);
				}
				continue;
			}
			const pulling = dependency.kind === 'required' || dependency.kind === 'load_neutral';
			if (!otherCheck) {
				if (pulling) check.verdicts.push({ kind: 'missing_dependency', dependency });
				continue;
			}
			if (otherVersion && !meets(otherVersion, dependency))
				check.verdicts.push({ kind: 'dependency_version', dependency, installed: otherVersion });
		}
	}
	for (const check of checks) check.ok = !check.verdicts.some((verdict) => PROBLEM_KINDS.has(verdict.kind));
	return checks;
}

/** One plain sentence for a verdict, e.g. `newer release 0.16.5 for Factorio 2.0 (installed 0.16.4)`. */
export function describeVerdict(verdict: Verdict, game: GameTarget): string {
	const minor = gameMinor(game);
	const requirement = (d: Dependency) => (d.operator && d.version ? `${d.name} ${d.operator} ${d.version}` : d.name);
	switch (verdict.kind) {
		case 'up_to_date':
			return `up to date (${verdict.version})`;
		case 'newer_release':
			return `newer release ${verdict.version} for Factorio ${minor} (installed ${verdict.installed})`;
		case 'latest_is':
			return `newest release for Factorio ${minor}: ${verdict.version}`;
		case 'installed_other_version':
			return `installed ${verdict.installed} is for Factorio ${verdict.factorioVersion ?? 'an unknown version'}, not ${minor}`;
		case 'installed_unknown_release':
			return `installed ${verdict.installed} is not a release on the mod portal`;
		case 'missing_dependency':
			return `missing required dependency ${requirement(verdict.dependency)}`;
		case 'dependency_version':
			return `needs ${requirement(verdict.dependency)} (installed ${verdict.installed})`;
		case 'needs_game':
			return `needs ${requirement(verdict.dependency)}, which Factorio ${game.version} does not provide`;
		case 'needs_space_age':
			return `needs the Space Age expansion (${requirement(verdict.dependency)})`;
		case 'incompatible':
			return `incompatible with ${verdict.other}, which is enabled too`;
		case 'no_release':
			return verdict.newest
				? `no release for Factorio ${minor} (newest ${verdict.newest.version} is for ${verdict.newest.factorioVersion ?? 'an unknown version'})`
				: `no release for Factorio ${minor}`;
		case 'deprecated':
			return 'deprecated by its owner';
		case 'not_on_portal':
			return verdict.suggestions.length > 0
				? `not on the mod portal (closest: ${verdict.suggestions.join(', ')})`
				: 'not on the mod portal';
		case 'unreadable':
			return `could not be read from the mod portal (${verdict.reason})`;
	}
}
