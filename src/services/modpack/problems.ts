/**
 * What can stand between a list of mods and a working server, as data and as plain sentences.
 */
import type { Dependency } from '../factorio/dependencies.js';

/** A mod at a release: `flib 0.16.4`. */
export interface ModAt {
	name: string;
	version: string;
}

/** One reason a mod cannot go into the kit (or a warning about one that did). */
export type Problem =
	/** A listed name that is neither a mod name nor a title in the catalog nor on the portal. */
	| { kind: 'unknown_mod'; name: string; suggestions: string[] }
	/** A dependency that is not on the portal (HTTP 404). */
	| { kind: 'not_on_portal'; name: string; requiredBy?: ModAt }
	/** The portal's answer for this mod could not be used. */
	| { kind: 'unreadable'; name: string; reason: string }
	/** No release of the mod is for this Factorio version. */
	| {
			kind: 'no_release';
			name: string;
			factorioVersion: string;
			newest?: { version: string; factorioVersion: string | undefined };
			requiredBy?: ModAt;
	  }
	/** `by` requires `name op version`, but no release for this Factorio version meets it. */
	| {
			kind: 'constraint';
			name: string;
			by: ModAt | undefined;
			dependency: Dependency;
			newestFitting: string;
			factorioVersion: string;
	  }
	/** `a` declares `! b` (or the other way round), and both would be on the server. */
	| { kind: 'incompatible'; a: ModAt; b: string; bVersion?: string }
	/** Every usable release needs the Space Age expansion, which is off. */
	| { kind: 'needs_space_age'; mod: ModAt }
	/** Every usable release needs another game version (`base >= 2.1.0`) or a built-in this version lacks. */
	| { kind: 'needs_game'; mod: ModAt; dependency: Dependency; factorioVersion: string }
	/** The mod is flagged deprecated by its owner. */
	| { kind: 'deprecated'; name: string }
	/** A listed built-in: nothing to download. */
	| { kind: 'builtin'; name: string; enabled: boolean }
	/** The search was stopped by its bounds. */
	| { kind: 'too_complex'; detail: string }
	/** The mod's release has no safe file name, sha1 or download path, so no script could fetch it. */
	| { kind: 'not_downloadable'; mod: ModAt };

function at(mod: ModAt): string {
	return `${mod.name} ${mod.version}`;
}

function requirement(dependency: Dependency): string {
	return dependency.operator && dependency.version
		? `${dependency.name} ${dependency.operator} ${dependency.version}`
		: dependency.name;
}

/**
 * One plain English sentence for a problem, e.g. `A 2.3.0 requires B >= 3.0, but B's newest release for 2.0 is
 * 2.9.1.` Mod names are used as they are (the caller escapes for its medium).
 */
export function describeProblem(problem: Problem): string {
	switch (problem.kind) {
		case 'unknown_mod':
			return problem.suggestions.length > 0
				? `${problem.name} is not on the mod portal. Closest names: ${problem.suggestions.join(', ')}.`
				: `${problem.name} is not on the mod portal.`;
		case 'not_on_portal':
			return problem.requiredBy
				? `${at(problem.requiredBy)} requires ${problem.name}, which is not on the mod portal.`
				: `${problem.name} is not on the mod portal.`;
		case 'unreadable':
			return `${problem.name} could not be read from the mod portal (${problem.reason}).`;
		case 'no_release': {
			const newest = problem.newest
				? ` Its newest release is ${problem.newest.version}${problem.newest.factorioVersion ? ` for Factorio ${problem.newest.factorioVersion}` : ''}.`
				: '';
			const why = problem.requiredBy ? `, which ${at(problem.requiredBy)} requires,` : '';
			return `${problem.name}${why} has no release for Factorio ${problem.factorioVersion}.${newest}`;
		}
		case 'constraint': {
			const who = problem.by ? `${at(problem.by)} requires` : 'The list asks for';
			return `${who} ${requirement(problem.dependency)}, but ${problem.name}'s newest release for ${problem.factorioVersion} is ${problem.newestFitting}.`;
		}
		case 'incompatible':
			return `${at(problem.a)} is incompatible with ${problem.b}${problem.bVersion ? ` ${problem.bVersion}` : ''}.`;
		case 'needs_space_age':
			return `${at(problem.mod)} needs the Space Age expansion, which is off for this kit.`;
		case 'needs_game':
			return `${at(problem.mod)} requires ${requirement(problem.dependency)}, which Factorio ${problem.factorioVersion} does not provide.`;
		case 'deprecated':
			return `${problem.name} is deprecated by its owner.`;
		case 'builtin':
			return problem.enabled
				? `${problem.name} comes with the game: nothing to download.`
				: `${problem.name} comes with the game but is off in this kit (Space Age off, or not in this Factorio version).`;
		case 'too_complex':
			return `The dependency search was stopped: ${problem.detail}. Try fewer mods at once, or pin versions.`;
		case 'not_downloadable':
			return `${at(problem.mod)} has no usable file name, sha1 or download path on the mod portal.`;
	}
}
