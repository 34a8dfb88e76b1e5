/**
 * The verdict of `/subscribe modpack`: what a new release of one mod of a saved set means for that server, judged
 * from the release's info.json alone (its `factorio_version` and `dependencies`) against the set's stored closure,
 * with no portal call.
 *
 * Rules (the Factorio wiki, "Tutorial:Mod structure", "dependencies", as the resolver applies them, see
 * `resolver.ts` and `game.ts`): a release loads only on the Factorio version its `factorio_version` names; a
 * required (`` or `~`) dependency must be there at a version meeting its operator; an optional one (`?`, `(?)`,
 * `+`) only constrains the version when the mod is there; `!` forbids the other mod (at the versions its operator
 * names); built-ins (`base`, the Space Age mods, `recycler`) are the game itself. A dependency another mod of the
 * set declares on this mod counts the same way from the other side.
 */
import { OFFICIAL_MODS, parseDependencies, type Dependency } from '../factorio/dependencies.js';
import { compareVersions, satisfiesVersion } from '../factorio/version.js';
import {
	builtinAllows,
	gameMinor,
	isBuiltin,
	isExactVersion,
	isExpansionMod,
	minimumPatch,
	releaseFits,
} from './game.js';
import type { ModAt } from './problems.js';
import type { SavedModpack } from './savedModpacks.js';

/** The release to judge, as the feed's snapshot and the portal's release give it. */
export interface ReleaseToJudge {
	/** The mod's internal name. */
	mod: string;
	version: string;
	/** info.json `factorio_version` (`2.0`); undefined when the portal gave none. */
	factorioVersion: string | undefined;
	/** info.json `dependencies` strings as given (unreadable ones are ignored). */
	dependencies: readonly string[];
	/** The mod is flagged deprecated on the portal. */
	deprecated?: boolean;
}

/**
 * The release to judge from what the feed holds at detection: the mod of `/api/mods/{name}/full` (its name and
 * deprecation) and the release (version, info.json `factorio_version` and `dependencies`).
 */
export function releaseToJudge(
	mod: { name: string; deprecated?: boolean },
	release: { version: string; factorioVersion?: string | undefined; dependencies?: readonly string[] | undefined },
): ReleaseToJudge {
	return {
		mod: mod.name,
		version: release.version,
		factorioVersion: release.factorioVersion,
		dependencies: release.dependencies ?? [],
		deprecated: mod.deprecated === true,
	};
}

/** The saved set as the verdict needs it. */
export type ModpackForVerdict = Pick<
	SavedModpack,
	'name' | 'factorioVersion' | 'spaceAge' | 'minimumGameVersion' | 'mods'
>;

/** How much a finding matters: nothing to do, something to do first, or do not update. */
export type Severity = 'info' | 'action' | 'blocker';

/** One thing the release changes for the server. */
export type Finding =
	/** The release is for another Factorio version than the server's: the server cannot load it. */
	| { kind: 'drops_factorio_version'; releaseFactorioVersion: string | undefined; serverVersion: string }
	/**
	 * The release needs a newer game (`base >= x`): `minimum` is the lowest version that meets it. `known` is
	 * what the server is known to run at least (its exact version, or the set's minimum patch).
	 */
	| { kind: 'needs_newer_factorio'; dependency: Dependency; minimum: string; known: string | undefined }
	/** A built-in the server lacks: the Space Age expansion (off) or one this Factorio version does not have. */
	| { kind: 'needs_builtin'; dependency: Dependency; spaceAgeOff: boolean }
	/**
	 * A required dependency the set's release of this mod did not have. `inSet`: the set holds that mod already
	 * (at `setVersion`, meeting the constraint); otherwise it has to be installed.
	 */
	| { kind: 'adds_dependency'; dependency: Dependency; inSet: boolean; setVersion?: string }
	/** A dependency in the set at a version the release does not accept: that mod must be updated too. */
	| { kind: 'dependency_too_old'; dependency: Dependency; setVersion: string }
	/** The release and another mod of the set exclude each other (`!`), declared by the release or by the other. */
	| { kind: 'incompatible'; other: ModAt; dependency: Dependency; declaredBy: 'release' | 'other' }
	/** Another mod of the set requires this mod at versions that leave the new one out (`X < 2.0`). */
	| { kind: 'breaks_constraint'; other: ModAt; dependency: Dependency }
	/** The mod is deprecated by its owner. */
	| { kind: 'deprecated' };

/** The verdict for one set: the findings, worst first, and the worst severity (`compatible` when none matters). */
export interface Verdict {
	status: 'compatible' | 'action' | 'blocker';
	/** The set's release of the mod before this one. */
	previous: string;
	/** Whether the mod is one the user listed (else a dependency of the set). */
	listed: boolean;
	findings: Finding[];
}

const SEVERITY: Readonly<Record<Finding['kind'], Severity>> = {
	drops_factorio_version: 'blocker',
	needs_builtin: 'blocker',
	incompatible: 'blocker',
	breaks_constraint: 'blocker',
	needs_newer_factorio: 'action',
	dependency_too_old: 'action',
	adds_dependency: 'action',
	deprecated: 'action',
};
const RANK: Readonly<Record<Severity, number>> = { blocker: 0, action: 1, info: 2 };

/** How much a finding matters; a dependency already in the set at a fitting version is only information. */
export function severityOf(finding: Finding): Severity {
	if (finding.kind === 'adds_dependency' && finding.inSet) return 'info';
	return SEVERITY[finding.kind];
}

/** The game's own mods, whether or not this version or the Space Age setting has them. */
function isGameMod(name: string, game: { version: string; spaceAge: boolean }): boolean {
	return OFFICIAL_MODS.has(name) || name === 'recycler' || isBuiltin(name, game);
}

function isRequired(dependency: Dependency): boolean {
	return dependency.kind === 'required' || dependency.kind === 'load_neutral';
}

function meets(version: string, dependency: Dependency): boolean {
	return (
		!dependency.operator || !dependency.version || satisfiesVersion(version, dependency.operator, dependency.version)
	);
}

/** The built-in part of the verdict: a dependency on `base`, the expansion's mods or `recycler`. */
function builtinFinding(dependency: Dependency, set: ModpackForVerdict): Finding | undefined {
	const game = { version: set.factorioVersion, spaceAge: set.spaceAge };
	const allowed = builtinAllows(dependency.name, dependency.operator, dependency.version, game);
	if (dependency.kind === 'incompatible') return undefined; // `! quality` and the like: judged with the other mods
	if (allowed === 'missing')
		return isRequired(dependency)
			? { kind: 'needs_builtin', dependency, spaceAgeOff: isExpansionMod(dependency.name) && !set.spaceAge }
			: undefined;
	const minimum = dependency.version;
	if (allowed === 'version') {
		const newer = dependency.operator === '>=' || dependency.operator === '>';
		if (newer && minimum) return { kind: 'needs_newer_factorio', dependency, minimum, known: set.factorioVersion };
		return { kind: 'drops_factorio_version', releaseFactorioVersion: undefined, serverVersion: set.factorioVersion };
	}
	// Allowed by some patch of a `major.minor` server: news only when it asks more than the set needed so far.
	if (isExactVersion(set.factorioVersion)) return undefined;
	const patch = minimumPatch(dependency.operator, dependency.version, game);
	if (!patch || compareVersions(patch, `${gameMinor(game)}.0`) <= 0) return undefined;
	if (set.minimumGameVersion && compareVersions(patch, set.minimumGameVersion) <= 0) return undefined;
	return { kind: 'needs_newer_factorio', dependency, minimum: patch, known: set.minimumGameVersion };
}

function incompatibleFinding(
	dependency: Dependency,
	set: ModpackForVerdict,
	byName: ReadonlyMap<string, ModpackForVerdict['mods'][number]>,
	mod: string,
): Finding | undefined {
	const game = { version: set.factorioVersion, spaceAge: set.spaceAge };
	if (isGameMod(dependency.name, game)) {
		if (builtinAllows(dependency.name, dependency.operator, dependency.version, game) !== 'ok') return undefined;
		return {
			kind: 'incompatible',
			other: { name: dependency.name, version: set.factorioVersion },
			dependency,
			declaredBy: 'release',
		};
	}
	const other = byName.get(dependency.name);
	if (!other || other.name === mod || !meets(other.version, dependency)) return undefined;
	return {
		kind: 'incompatible',
		other: { name: other.name, version: other.version },
		dependency,
		declaredBy: 'release',
	};
}

/**
 * Judges a new release of one mod of a saved set for that set's server.
 *
 * @param set - the saved set: Factorio version, Space Age, minimum patch, closure with each release's dependencies.
 * @param release - the new release (its info.json `factorio_version` and `dependencies`, the mod's deprecation).
 * @returns the verdict, findings worst first; undefined when the mod is not in the set's closure. Never throws.
 */
export function judgeRelease(set: ModpackForVerdict, release: ReleaseToJudge): Verdict | undefined {
	const byName = new Map(set.mods.map((mod) => [mod.name, mod]));
	const current = byName.get(release.mod);
	if (!current) return undefined;
	const game = { version: set.factorioVersion, spaceAge: set.spaceAge };
	const findings: Finding[] = [];
	if (!releaseFits(release.factorioVersion, game)) {
		findings.push({
			kind: 'drops_factorio_version',
			releaseFactorioVersion: release.factorioVersion,
			serverVersion: gameMinor(game),
		});
	} else {
		const before = parseDependencies(current.dependencies);
		const seen = new Set<string>();
		for (const dependency of parseDependencies(release.dependencies)) {
			if (dependency.name === release.mod || seen.has(`${dependency.kind}:${dependency.name}`)) continue;
			seen.add(`${dependency.kind}:${dependency.name}`);
			if (dependency.kind === 'incompatible') {
				const finding = incompatibleFinding(dependency, set, byName, release.mod);
				if (finding) findings.push(finding);
				continue;
			}
			if (isGameMod(dependency.name, game)) {
				const finding = builtinFinding(dependency, set);
				if (finding) findings.push(finding);
				continue;
			}
			const there = byName.get(dependency.name);
			if (there && !meets(there.version, dependency)) {
				// Optional ones too: the game refuses to load a present mod at a version outside the constraint.
				findings.push({ kind: 'dependency_too_old', dependency, setVersion: there.version });
				continue;
			}
			if (!isRequired(dependency)) continue;
			const hadIt = before.some((old) => isRequired(old) && old.name === dependency.name);
			if (there && hadIt) continue;
			findings.push(
				there
					? { kind: 'adds_dependency', dependency, inSet: true, setVersion: there.version }
					: { kind: 'adds_dependency', dependency, inSet: false },
			);
		}
		for (const other of set.mods) {
			if (other.name === release.mod) continue;
			for (const dependency of parseDependencies(other.dependencies)) {
				if (dependency.name !== release.mod) continue;
				const at = { name: other.name, version: other.version };
				if (dependency.kind === 'incompatible') {
					if (meets(release.version, dependency))
						findings.push({ kind: 'incompatible', other: at, dependency, declaredBy: 'other' });
				} else if (!meets(release.version, dependency)) {
					findings.push({ kind: 'breaks_constraint', other: at, dependency });
				}
			}
		}
	}
	if (release.deprecated) findings.push({ kind: 'deprecated' });
	const ordered = findings
		.map((finding, index) => ({ finding, index }))
		.sort((a, b) => RANK[severityOf(a.finding)] - RANK[severityOf(b.finding)] || a.index - b.index)
		.map(({ finding }) => finding);
	const worst = ordered[0] ? severityOf(ordered[0]) : 'info';
	return {
		status: worst === 'info' ? 'compatible' : worst,
		previous: current.version,
		listed: current.listed,
		findings: ordered,
	};
}

function requirement(dependency: Dependency): string {
	return dependency.operator && dependency.version
		? `${dependency.name} ${dependency.operator} ${dependency.version}`
		: dependency.name;
}

/**
 * One plain English sentence for a finding, e.g. `Needs Factorio 2.0.49 or newer (base >= 2.0.49); the set needed
 * 2.0.28.` Mod names are used as they are (the caller escapes for its medium).
 */
export function describeFinding(finding: Finding, previous: string): string {
	switch (finding.kind) {
		case 'drops_factorio_version':
			return finding.releaseFactorioVersion
				? `Made for Factorio ${finding.releaseFactorioVersion}, not ${finding.serverVersion}: keep ${previous}.`
				: `Not for Factorio ${finding.serverVersion}: keep ${previous}.`;
		case 'needs_newer_factorio':
			return `Needs Factorio ${finding.minimum} or newer (${requirement(finding.dependency)})${finding.known ? `; the set needed ${finding.known}` : ''}: update the server first.`;
		case 'needs_builtin':
			return finding.spaceAgeOff
				? `Needs the Space Age expansion (${requirement(finding.dependency)}), which is off on this server.`
				: `Needs ${requirement(finding.dependency)}, which this Factorio version does not have.`;
		case 'adds_dependency':
			return finding.inSet
				? `Now requires ${requirement(finding.dependency)}, already in the set (${finding.setVersion ?? ''}).`
				: `Adds a required dependency: ${requirement(finding.dependency)}, not in the set: install it too.`;
		case 'dependency_too_old':
			return `Requires ${requirement(finding.dependency)}; the set has ${finding.dependency.name} ${finding.setVersion}: update it too.`;
		case 'incompatible':
			return finding.declaredBy === 'release'
				? `Incompatible with ${finding.other.name} ${finding.other.version} of the set (${finding.dependency.raw.trim()}).`
				: `${finding.other.name} ${finding.other.version} of the set declares it incompatible (${finding.dependency.raw.trim()}).`;
		case 'breaks_constraint':
			return `${finding.other.name} ${finding.other.version} of the set requires ${requirement(finding.dependency)}.`;
		case 'deprecated':
			return 'The mod is deprecated by its owner.';
	}
}
