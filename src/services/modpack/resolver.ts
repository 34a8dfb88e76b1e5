/**
 * The dependency resolver: from a list of mods to the exact releases a server needs.
 *
 * Rules (the Factorio wiki, "Tutorial:Mod structure", section "dependencies", summarised in
 * `../shared/portal-api.md`, "info.json dependencies" and "Server mod kits"):
 * - no prefix and `~` (required, `~` without affecting load order, since 1.1.28): the other mod must be there, at a
 *   version meeting the operator (`<`, `<=`, `=`, `>=`, `>`; versions compare numerically part by part);
 * - `?` and `(?)` (optional, hidden optional): not added; but when the other mod is there, its version must meet
 *   the operator (the game refuses to load otherwise);
 * - `+` (recommended, enabled by default, since 2.1.7): added like a required one unless recommended mods are
 *   turned off or it cannot be had (no release for this game version), then treated as optional;
 * - `!` (incompatible): the other mod must not be there (when an operator is given, only versions meeting it count);
 * - built-ins (`base`, the expansion's mods, `recycler`, see `game.ts`) are never fetched: a dependency on them is
 *   checked against the game version and Space Age setting;
 * - a release fits when its `factorio_version` is the game's major.minor (`releaseFits`).
 *
 * The search picks the newest fitting release of every mod first. When a release cannot be used (a constraint,
 * an incompatibility, a built-in it needs), it tries the next older one; when a mod runs out of releases it goes
 * back to the mods whose choices caused that (the mod that constrains it, the one that pulled it in), skipping
 * unrelated choices (conflict-directed backjumping). It is deterministic for the same catalog, bounded in steps,
 * time and number of mods, and ends with a `too_complex` problem rather than hanging. When the listed mods cannot
 * all go together, they are added one at a time in the order listed, and each one that does not fit is left out
 * with the first dead end met on its behalf as the explanation.
 */
import type { Dependency } from '../factorio/dependencies.js';
import { compareVersions, satisfiesVersion, type VersionOperator } from '../factorio/version.js';
import {
	builtinAllows,
	builtinMods,
	gameMinor,
	isBuiltin,
	isExactVersion,
	isExpansionMod,
	minimumPatch,
	releaseFits,
	type GameTarget,
} from './game.js';
import { isSafeModName, type KitRelease, type ModRecord } from './modRecord.js';
import type { ModAt, Problem } from './problems.js';
import type { ModLookup, ReleaseSource } from './releaseSource.js';

/** A listed mod: its internal name and, optionally, a version constraint (`flib >= 0.16`). */
export interface ListedMod {
	name: string;
	operator?: VersionOperator;
	version?: string;
}

/** What to resolve. A saved mod set is `{ mods, game: { version, spaceAge } }` with the same resolver. */
export interface ResolveInput {
	mods: readonly ListedMod[];
	game: GameTarget;
	/** Add `+` (recommended) dependencies; default true. */
	recommended?: boolean;
}

/** Bounds of one resolution. */
export interface ResolveLimits {
	/** Search steps (release choices tried) over all attempts; default 200,000. */
	maxSteps: number;
	/** Wall time of the search itself, in milliseconds, fetching excluded; default 5,000. */
	maxSearchMs: number;
	/** Distinct mods fetched from the portal; default 1,000. */
	maxMods: number;
}

/** A mod of the resolved kit. */
export interface ResolvedMod {
	name: string;
	title: string;
	release: KitRelease;
	/** True for the mods of the list itself. */
	listed: boolean;
	/** The listed mods whose dependencies bring this one in (a listed mod names itself first). */
	pulledInBy: string[];
	/** The release that first requires it, on the way from the first listed mod in `pulledInBy`. */
	via?: ModAt & { kind: Dependency['kind'] };
	deprecated: boolean;
}

/** An optional dependency named but not added. */
export interface OptionalMention {
	name: string;
	by: ModAt;
	kind: 'optional' | 'hidden_optional' | 'recommended';
}

/** The outcome of {@link resolveMods}. */
export interface Resolution {
	game: GameTarget;
	recommended: boolean;
	/** The kit: every mod to download, sorted by name ignoring case (the order the game lists mods). */
	mods: ResolvedMod[];
	/** Listed mods left out, each with why. */
	excluded: { name: string; problems: Problem[] }[];
	/** Things to know that did not stop the kit: deprecated mods, listed built-ins, feature flags without Space Age. */
	warnings: Problem[];
	/** Optional (and unadded recommended) dependencies of the kit's mods that are not in it. */
	optional: OptionalMention[];
	/** With a `major.minor` target: the lowest patch every mod's `base` dependency allows, e.g. `2.0.28`. */
	minimumGameVersion?: string;
	/** Search figures: steps, fetch rounds, mods fetched, milliseconds in all. */
	stats: { steps: number; fetchRounds: number; modsFetched: number; ms: number };
}

const DEFAULT_LIMITS: ResolveLimits = { maxSteps: 200_000, maxSearchMs: 5_000, maxMods: 1_000 };

interface Requirement {
	/** The chosen release that declares it; undefined for the list itself. */
	from: ModAt | undefined;
	dependency: Dependency;
}

type Rejection =
	| { kind: 'constraint'; requirement: Requirement }
	| { kind: 'excluded'; requirement: Requirement }
	| { kind: 'dependency_version'; dependency: Dependency; chosen: string }
	| { kind: 'incompatible_chosen'; dependency: Dependency; chosen: string }
	| { kind: 'builtin'; dependency: Dependency; result: 'missing' | 'version' }
	| { kind: 'dependency_unavailable'; dependency: Dependency }
	| { kind: 'dependency_excluded'; dependency: Dependency; by: ModAt }
	| { kind: 'not_downloadable' };

interface Failure {
	name: string;
	lookup: ModLookup | undefined;
	fitting: KitRelease[];
	rejections: { release: KitRelease; rejection: Rejection }[];
	requirements: Requirement[];
}

class NeedFetch extends Error {
	override readonly name = 'NeedFetch';
	constructor(readonly names: string[]) {
		super(`need ${names.length} more mods`);
	}
}

class TooComplex extends Error {
	override readonly name = 'TooComplex';
}

interface Budget {
	steps: number;
	maxSteps: number;
	deadline: number;
}

function isPulling(kind: Dependency['kind']): boolean {
	return kind === 'required' || kind === 'load_neutral';
}

function meets(version: string, dependency: Pick<Dependency, 'operator' | 'version'>): boolean {
	return (
		!dependency.operator || !dependency.version || satisfiesVersion(version, dependency.operator, dependency.version)
	);
}

function found(lookup: ModLookup | undefined): ModRecord | undefined {
	return lookup?.kind === 'found' ? lookup.mod : undefined;
}

/** One attempt at a set of roots over the mods fetched so far. Synchronous; throws NeedFetch for missing data. */
class Search {
	readonly chosen = new Map<string, KitRelease>();
	readonly agenda: string[] = [];
	private readonly inAgenda = new Set<string>();
	readonly requirements = new Map<string, Requirement[]>();
	private readonly exclusions = new Map<string, Requirement[]>();
	private readonly trail: (() => void)[] = [];
	private readonly fittingCache = new Map<string, KitRelease[]>();
	firstFailure: Failure | undefined;

	constructor(
		private readonly lookups: ReadonlyMap<string, ModLookup>,
		private readonly game: GameTarget,
		private readonly recommended: boolean,
		private readonly budget: Budget,
	) {}

	run(roots: readonly ListedMod[]): boolean {
		for (const root of roots) {
			const dependency: Dependency = { kind: 'required', name: root.name, raw: root.name };
			if (root.operator && root.version) {
				dependency.operator = root.operator;
				dependency.version = root.version;
			}
			this.push(this.requirements, root.name, { from: undefined, dependency });
			this.enqueue(root.name);
		}
		return this.solve() === true;
	}

	fitting(name: string): KitRelease[] {
		let list = this.fittingCache.get(name);
		if (!list) {
			list = (found(this.lookups.get(name))?.releases ?? []).filter((release) =>
				releaseFits(release.factorioVersion, this.game),
			);
			this.fittingCache.set(name, list);
		}
		return list;
	}

	/** Whether a recommended dependency can be had at all (otherwise it counts as optional). */
	private available(name: string): boolean {
		if (isBuiltin(name, this.game)) return builtinAllows(name, undefined, undefined, this.game) === 'ok';
		if (!this.lookups.has(name)) throw new NeedFetch([name]);
		return this.fitting(name).length > 0;
	}

	/** Whether this dependency of a chosen release pulls its mod into the kit. */
	pulls(dependency: Dependency): boolean {
		if (isPulling(dependency.kind)) return true;
		return dependency.kind === 'recommended' && this.recommended && this.available(dependency.name);
	}

	private push(map: Map<string, Requirement[]>, name: string, requirement: Requirement): void {
		let list = map.get(name);
		if (!list) {
			list = [];
			map.set(name, list);
			this.trail.push(() => map.delete(name));
		}
		list.push(requirement);
		this.trail.push(() => list.pop());
	}

	private enqueue(name: string): void {
		if (this.inAgenda.has(name)) return;
		this.inAgenda.add(name);
		this.agenda.push(name);
		this.trail.push(() => {
			this.agenda.pop();
			this.inAgenda.delete(name);
		});
	}

	private undo(mark: number): void {
		while (this.trail.length > mark) this.trail.pop()?.();
	}

	private tick(): void {
		this.budget.steps++;
		if (this.budget.steps > this.budget.maxSteps)
			throw new TooComplex(`more than ${this.budget.maxSteps.toLocaleString('en-US')} steps`);
		if (this.budget.steps % 512 === 0 && performance.now() > this.budget.deadline)
			throw new TooComplex('it took too long');
	}

	/** `true`, or the names of the mods whose choices led to the dead end. */
	private solve(): true | Set<string> {
		this.tick();
		if (this.chosen.size === this.agenda.length) return true;
		const name = this.agenda[this.chosen.size] ?? '';
		const lookup = this.lookups.get(name);
		if (!lookup) throw new NeedFetch(this.agenda.filter((n) => !this.lookups.has(n)));
		const requirements = this.requirements.get(name) ?? [];
		const conflict = new Set<string>();
		for (const requirement of requirements) if (requirement.from) conflict.add(requirement.from.name);
		const fitting = this.fitting(name);
		const failure: Failure = { name, lookup, fitting, rejections: [], requirements: [...requirements] };
		for (const release of fitting) {
			const rejected = this.check(name, release);
			if (rejected) {
				for (const blocker of rejected.blockers) conflict.add(blocker);
				failure.rejections.push({ release, rejection: rejected.rejection });
				continue;
			}
			const mark = this.trail.length;
			this.choose(name, release);
			const result = this.solve();
			if (result === true) return true;
			this.undo(mark);
			if (!result.has(name)) return result;
			for (const blocker of result) if (blocker !== name) conflict.add(blocker);
		}
		this.firstFailure ??= failure;
		conflict.delete(name);
		return conflict;
	}

	/** Why `release` of `name` cannot be chosen now, with the mods to blame; undefined when it can. */
	private check(name: string, release: KitRelease): { rejection: Rejection; blockers: string[] } | undefined {
		if (!release.fileName || !release.sha1 || !release.downloadPath)
			return { rejection: { kind: 'not_downloadable' }, blockers: [] };
		for (const requirement of this.requirements.get(name) ?? []) {
			if (!meets(release.version, requirement.dependency))
				return {
					rejection: { kind: 'constraint', requirement },
					blockers: requirement.from ? [requirement.from.name] : [],
				};
		}
		for (const requirement of this.exclusions.get(name) ?? []) {
			if (meets(release.version, requirement.dependency))
				return {
					rejection: { kind: 'excluded', requirement },
					blockers: requirement.from ? [requirement.from.name] : [],
				};
		}
		for (const dependency of release.dependencies) {
			const other = dependency.name;
			if (other === name) continue;
			if (isBuiltin(other, this.game)) {
				if (dependency.kind === 'incompatible') {
					if (builtinAllows(other, dependency.operator, dependency.version, this.game) === 'ok')
						return { rejection: { kind: 'incompatible_chosen', dependency, chosen: other }, blockers: [] };
					continue;
				}
				if (!isPulling(dependency.kind) && !(dependency.kind === 'recommended' && this.recommended)) {
					// Optional: only its version counts, and only when the built-in is there.
					if (builtinAllows(other, undefined, undefined, this.game) === 'ok') {
						const result = builtinAllows(other, dependency.operator, dependency.version, this.game);
						if (result !== 'ok') return { rejection: { kind: 'builtin', dependency, result }, blockers: [] };
					}
					continue;
				}
				const result = builtinAllows(other, dependency.operator, dependency.version, this.game);
				if (result !== 'ok') {
					if (dependency.kind === 'recommended' && result === 'missing') continue;
					return { rejection: { kind: 'builtin', dependency, result }, blockers: [] };
				}
				continue;
			}
			const chosen = this.chosen.get(other);
			if (dependency.kind === 'incompatible') {
				if (chosen && meets(chosen.version, dependency))
					return { rejection: { kind: 'incompatible_chosen', dependency, chosen: other }, blockers: [other] };
				continue;
			}
			if (chosen) {
				if (!meets(chosen.version, dependency))
					return { rejection: { kind: 'dependency_version', dependency, chosen: other }, blockers: [other] };
				continue;
			}
			if (!this.pulls(dependency)) continue;
			const lookup = this.lookups.get(other);
			if (lookup && (lookup.kind !== 'found' || this.fitting(other).length === 0))
				return { rejection: { kind: 'dependency_unavailable', dependency }, blockers: [] };
			for (const exclusion of this.exclusions.get(other) ?? []) {
				if (!exclusion.dependency.operator && exclusion.from)
					return {
						rejection: { kind: 'dependency_excluded', dependency, by: exclusion.from },
						blockers: [exclusion.from.name],
					};
			}
		}
		return undefined;
	}

	private choose(name: string, release: KitRelease): void {
		this.chosen.set(name, release);
		this.trail.push(() => this.chosen.delete(name));
		const from: ModAt = { name, version: release.version };
		for (const dependency of release.dependencies) {
			const other = dependency.name;
			if (other === name || isBuiltin(other, this.game)) continue;
			if (dependency.kind === 'incompatible') {
				this.push(this.exclusions, other, { from, dependency });
			} else if (this.pulls(dependency)) {
				this.push(this.requirements, other, { from, dependency });
				this.enqueue(other);
			} else if (dependency.operator) {
				this.push(this.requirements, other, { from, dependency });
			}
		}
		this.tick();
	}
}

/** Turns a search's first dead end into the problem a person reads. */
function explain(failure: Failure, game: GameTarget, lookups: ReadonlyMap<string, ModLookup>): Problem {
	const factorioVersion = gameMinor(game);
	const requiredBy = failure.requirements.find((r) => r.from)?.from;
	const { name, lookup } = failure;
	if (!lookup || lookup.kind === 'not_found')
		return { kind: 'not_on_portal', name, ...(requiredBy ? { requiredBy } : {}) };
	if (lookup.kind === 'failed') return { kind: 'unreadable', name, reason: lookup.reason };
	const newestOf = (mod: ModRecord | undefined) => {
		const newest = mod?.releases[0];
		return newest ? { version: newest.version, factorioVersion: newest.factorioVersion } : undefined;
	};
	if (failure.fitting.length === 0) {
		const newest = newestOf(lookup.mod);
		return {
			kind: 'no_release',
			name,
			factorioVersion,
			...(newest ? { newest } : {}),
			...(requiredBy ? { requiredBy } : {}),
		};
	}
	// Constraints on this mod: one that no fitting release meets, or two that no release meets together.
	const constraints = failure.requirements.filter((r) => r.dependency.operator);
	const newestFitting = failure.fitting[0]?.version ?? '';
	for (const requirement of constraints) {
		if (!failure.fitting.some((release) => meets(release.version, requirement.dependency)))
			return {
				kind: 'constraint',
				name,
				by: requirement.from,
				dependency: requirement.dependency,
				newestFitting,
				factorioVersion,
			};
	}
	const first = failure.rejections[0];
	if (!first) return { kind: 'too_complex', detail: `no combination of releases works for ${name}` };
	const mod: ModAt = { name, version: first.release.version };
	const rejection = first.rejection;
	switch (rejection.kind) {
		case 'constraint':
		case 'excluded': {
			const by = rejection.requirement.from;
			if (rejection.kind === 'excluded' && by) return { kind: 'incompatible', a: by, b: name };
			return {
				kind: 'constraint',
				name,
				by,
				dependency: rejection.requirement.dependency,
				newestFitting,
				factorioVersion,
			};
		}
		case 'dependency_version': {
			const other = found(lookups.get(rejection.dependency.name));
			const otherFitting = (other?.releases ?? []).filter((r) => releaseFits(r.factorioVersion, game));
			return {
				kind: 'constraint',
				name: rejection.dependency.name,
				by: mod,
				dependency: rejection.dependency,
				newestFitting: otherFitting[0]?.version ?? rejection.chosen,
				factorioVersion,
			};
		}
		case 'incompatible_chosen':
			return { kind: 'incompatible', a: mod, b: rejection.chosen };
		case 'dependency_excluded':
			return { kind: 'incompatible', a: rejection.by, b: rejection.dependency.name };
		case 'builtin':
			if (rejection.result === 'missing' && isExpansionMod(rejection.dependency.name) && !game.spaceAge)
				return { kind: 'needs_space_age', mod };
			return { kind: 'needs_game', mod, dependency: rejection.dependency, factorioVersion: game.version };
		case 'dependency_unavailable': {
			const other = lookups.get(rejection.dependency.name);
			if (!other || other.kind === 'not_found')
				return { kind: 'not_on_portal', name: rejection.dependency.name, requiredBy: mod };
			if (other.kind === 'failed') return { kind: 'unreadable', name: rejection.dependency.name, reason: other.reason };
			const newest = newestOf(other.mod);
			return {
				kind: 'no_release',
				name: rejection.dependency.name,
				factorioVersion,
				...(newest ? { newest } : {}),
				requiredBy: mod,
			};
		}
		case 'not_downloadable':
			return { kind: 'not_downloadable', mod };
	}
}

function compareNames(a: string, b: string): number {
	const left = a.toLowerCase();
	const right = b.toLowerCase();
	return left < right ? -1 : left > right ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Resolves a list of mods into the releases a server needs (see the module documentation for the rules).
 *
 * @param input - listed mods (internal names; duplicates count once, the first constraint wins), the game target
 *   and whether to add recommended (`+`) dependencies.
 * @param source - where mods come from (the portal's `/full`, cached).
 * @param limits - search bounds; see {@link ResolveLimits} for the defaults.
 * @returns the kit, the listed mods left out with why, warnings, optional dependencies named and figures. A search
 *   stopped by its bounds gives an empty kit and a `too_complex` problem for every listed mod.
 * @throws {PortalError} when the portal is unavailable or rate limiting (from `source`).
 */
export async function resolveMods(
	input: ResolveInput,
	source: ReleaseSource,
	limits: Partial<ResolveLimits> = {},
): Promise<Resolution> {
	const started = performance.now();
	const bounds = { ...DEFAULT_LIMITS, ...limits };
	const game = input.game;
	const recommended = input.recommended ?? true;
	const lookups = new Map<string, ModLookup>();
	const warnings: Problem[] = [];
	const stats = { steps: 0, fetchRounds: 0, modsFetched: 0, ms: 0 };

	const roots: ListedMod[] = [];
	const seen = new Set<string>();
	for (const mod of input.mods) {
		if (seen.has(mod.name)) continue;
		seen.add(mod.name);
		if (mod.name === 'base' || isBuiltin(mod.name, game)) {
			const builtin = builtinMods(game).find((b) => b.name === mod.name);
			warnings.push({ kind: 'builtin', name: mod.name, enabled: builtin?.enabled ?? true });
			continue;
		}
		roots.push(mod);
	}

	const fetch = async (names: readonly string[]) => {
		const wanted = [...new Set(names)].filter((name) => !lookups.has(name));
		if (wanted.length === 0) throw new TooComplex('the search asked for no new mods');
		if (lookups.size + wanted.length > bounds.maxMods)
			throw new TooComplex(`the mods and their dependencies are more than ${bounds.maxMods.toLocaleString('en-US')}`);
		stats.fetchRounds++;
		// A name the kit files could not carry is never asked for (see isSafeModName).
		const unsafe = wanted.filter((name) => !isSafeModName(name));
		for (const name of unsafe)
			lookups.set(name, { kind: 'failed', reason: 'its name holds characters a kit cannot carry' });
		const asked = wanted.filter((name) => isSafeModName(name));
		const answers = asked.length > 0 ? await source.lookup(asked) : new Map<string, ModLookup>();
		for (const name of asked) lookups.set(name, answers.get(name) ?? { kind: 'failed', reason: 'no answer' });
		stats.modsFetched = lookups.size;
	};

	const finish = (resolution: Omit<Resolution, 'stats'>): Resolution => {
		stats.ms = Math.round(performance.now() - started);
		return { ...resolution, stats };
	};

	const budget: Budget = { steps: 0, maxSteps: bounds.maxSteps, deadline: 0 };
	let searchMs = 0;
	const attempt = async (list: readonly ListedMod[]): Promise<Search> => {
		for (;;) {
			const search = new Search(lookups, game, recommended, budget);
			const begun = performance.now();
			budget.deadline = begun + Math.max(0, bounds.maxSearchMs - searchMs);
			try {
				search.run(list);
				return search;
			} catch (error) {
				if (!(error instanceof NeedFetch)) throw error;
				await fetch(error.names);
			} finally {
				searchMs += performance.now() - begun;
				stats.steps = budget.steps;
			}
		}
	};

	try {
		await prefetch(roots, lookups, game, recommended, fetch);
		let search = await attempt(roots);
		const excluded: Resolution['excluded'] = [];
		if (!isComplete(search, roots)) {
			const leaveOut = (root: ListedMod, trial: Search) => {
				const problem = trial.firstFailure
					? explain(trial.firstFailure, game, lookups)
					: ({ kind: 'too_complex', detail: `no combination of releases works for ${root.name}` } as const);
				excluded.push({ name: root.name, problems: [problem] });
			};
			// First each listed mod alone: most dead ends (a missing dependency, no release) need no other mod.
			const alone: ListedMod[] = [];
			for (const root of roots) {
				const trial = await attempt([root]);
				if (isComplete(trial, [root])) alone.push(root);
				else leaveOut(root, trial);
			}
			search = await attempt(alone);
			if (!isComplete(search, alone)) {
				// Conflicts between listed mods: add them one at a time, leaving out each that does not fit.
				const accepted: ListedMod[] = [];
				search = await attempt([]);
				for (const root of alone) {
					const trial = await attempt([...accepted, root]);
					if (isComplete(trial, [...accepted, root])) {
						accepted.push(root);
						search = trial;
					} else {
						leaveOut(root, trial);
					}
				}
			}
			const order = new Map(roots.map((root, i) => [root.name, i]));
			excluded.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
		}
		return finish(summarise(search, roots, excluded, warnings, game, recommended, lookups));
	} catch (error) {
		if (!(error instanceof TooComplex)) throw error;
		const problem: Problem = { kind: 'too_complex', detail: error.message };
		return finish({
			game,
			recommended,
			mods: [],
			excluded: roots.map((root) => ({ name: root.name, problems: [problem] })),
			warnings,
			optional: [],
		});
	}
}

function isComplete(search: Search, roots: readonly ListedMod[]): boolean {
	return search.chosen.size === search.agenda.length && roots.every((root) => search.chosen.has(root.name));
}

/**
 * Fetches, level by level, the mods the newest fitting releases pull in, so that the search rarely has to stop for
 * data. Older releases' other dependencies are fetched later, only when the search gets there.
 */
async function prefetch(
	roots: readonly ListedMod[],
	lookups: ReadonlyMap<string, ModLookup>,
	game: GameTarget,
	recommended: boolean,
	fetch: (names: readonly string[]) => Promise<void>,
): Promise<void> {
	let frontier = roots.map((root) => root.name).filter((name) => !lookups.has(name));
	const queued = new Set(frontier);
	while (frontier.length > 0) {
		await fetch(frontier);
		const next: string[] = [];
		for (const name of frontier) {
			const newest = found(lookups.get(name))?.releases.find((r) => releaseFits(r.factorioVersion, game));
			for (const dependency of newest?.dependencies ?? []) {
				const pulled = isPulling(dependency.kind) || (recommended && dependency.kind === 'recommended');
				if (!pulled || dependency.name === 'base' || isBuiltin(dependency.name, game) || queued.has(dependency.name))
					continue;
				queued.add(dependency.name);
				next.push(dependency.name);
			}
		}
		frontier = next;
	}
}

/** Builds the kit from a finished search: who pulled in what, optional mentions, warnings, minimum game version. */
function summarise(
	search: Search,
	roots: readonly ListedMod[],
	excluded: Resolution['excluded'],
	baseWarnings: readonly Problem[],
	game: GameTarget,
	recommended: boolean,
	lookups: ReadonlyMap<string, ModLookup>,
): Omit<Resolution, 'stats'> {
	const chosen = search.chosen;
	const pulledInBy = new Map<string, string[]>();
	const via = new Map<string, ResolvedMod['via']>();
	for (const root of roots) {
		if (!chosen.has(root.name)) continue;
		const queue = [root.name];
		const visited = new Set(queue);
		while (queue.length > 0) {
			const name = queue.shift() ?? '';
			const list = pulledInBy.get(name) ?? [];
			list.push(root.name);
			pulledInBy.set(name, list);
			const release = chosen.get(name);
			for (const dependency of release?.dependencies ?? []) {
				if (!chosen.has(dependency.name) || visited.has(dependency.name)) continue;
				if (!isPulling(dependency.kind) && dependency.kind !== 'recommended') continue;
				visited.add(dependency.name);
				queue.push(dependency.name);
				if (!via.has(dependency.name) && release)
					via.set(dependency.name, { name, version: release.version, kind: dependency.kind });
			}
		}
	}
	const listed = new Set(roots.map((root) => root.name));
	const mods: ResolvedMod[] = [...chosen.entries()]
		.map(([name, release]) => {
			const record = found(lookups.get(name));
			const entry: ResolvedMod = {
				name,
				title: record?.title ?? name,
				release,
				listed: listed.has(name),
				pulledInBy: pulledInBy.get(name) ?? [],
				deprecated: record?.deprecated ?? false,
			};
			const parent = listed.has(name) ? undefined : via.get(name);
			if (parent) entry.via = parent;
			return entry;
		})
		.sort((a, b) => compareNames(a.name, b.name));

	const warnings: Problem[] = [...baseWarnings];
	for (const mod of mods) if (mod.deprecated) warnings.push({ kind: 'deprecated', name: mod.name });

	const optional: OptionalMention[] = [];
	const mentioned = new Set<string>();
	let minimum: string | undefined;
	for (const mod of mods) {
		for (const dependency of mod.release.dependencies) {
			const name = dependency.name;
			if (name === 'base' || isBuiltin(name, game)) {
				if (isPulling(dependency.kind) && !isExactVersion(game.version)) {
					const patch = minimumPatch(dependency.operator, dependency.version, game);
					if (patch && (!minimum || compareVersions(patch, minimum) > 0)) minimum = patch;
				}
				continue;
			}
			if (chosen.has(name) || mentioned.has(name)) continue;
			const kind = dependency.kind;
			if (kind === 'optional' || kind === 'hidden_optional' || kind === 'recommended') {
				mentioned.add(name);
				optional.push({ name, by: { name: mod.name, version: mod.release.version }, kind });
			}
		}
	}
	optional.sort((a, b) => compareNames(a.name, b.name));
	return {
		game,
		recommended,
		mods,
		excluded,
		warnings,
		optional,
		...(minimum ? { minimumGameVersion: minimum } : {}),
	};
}

/** The fitting releases of a fetched mod, newest first (for checks that compare installed versions). */
export function fittingReleases(mod: ModRecord, game: GameTarget): KitRelease[] {
	return mod.releases.filter((release) => releaseFits(release.factorioVersion, game));
}
