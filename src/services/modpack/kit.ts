/**
 * The files of a mod kit: `mod-list.json` for the server's mods folder, `mods.lock.json` (what exactly to
 * download), and the two install scripts.
 *
 * Sources: `../shared/portal-api.md`, "Server mod kits": `mod-list.json` is `{"mods": [{"name": "base", "enabled":
 * true}, ...]}` (raiguard/fmm mock/mods/mod-list.json); the game lists `base` first, then the other built-ins, then
 * the mods by name ignoring case, disabled ones with `"enabled": false` (mod-list.json files the game wrote,
 * attached to public bug reports). Downloads need `?username=..&token=..` of an account that owns the game, which
 * the lock file never holds: the install scripts add them on the server.
 */
import { builtinMods, gameMinor, type GameTarget } from './game.js';
import type { Resolution } from './resolver.js';
import { installScriptPowerShell, installScriptSh } from './scripts.js';

/** One generated file. */
export interface KitFile {
	name: 'mod-list.json' | 'mods.lock.json' | 'install-mods.sh' | 'install-mods.ps1';
	content: string;
}

/** One entry of `mods.lock.json`, as the install scripts use it too. */
export interface LockEntry {
	name: string;
	version: string;
	file_name: string;
	sha1: string;
	/** Below the portal base, e.g. `/download/flib/5ecac7e44d121d000cd77c76`; needs `username` and `token` added. */
	download_path: string;
	factorio_version: string;
	/** The listed mods that bring it in (a listed mod names itself). */
	pulled_in_by: string[];
}

/** The kit's entries, sorted like the game sorts mods. Only downloadable releases reach a resolution's mods. */
export function lockEntries(resolution: Resolution): LockEntry[] {
	return resolution.mods.flatMap((mod) => {
		const { fileName, sha1, downloadPath, factorioVersion, version } = mod.release;
		if (!fileName || !sha1 || !downloadPath) return [];
		return [
			{
				name: mod.name,
				version,
				file_name: fileName,
				sha1,
				download_path: downloadPath,
				factorio_version: factorioVersion ?? gameMinor(resolution.game),
				pulled_in_by: mod.pulledInBy,
			},
		];
	});
}

/**
 * `mod-list.json` in the game's format: built-ins first as the game writes them (expansion mods enabled only with
 * Space Age), then every mod of the kit, enabled. Two-space indented, ending with a newline.
 */
export function modListJson(resolution: Resolution): string {
	const mods = [
		...builtinMods(resolution.game).map((mod) => ({ name: mod.name, enabled: mod.enabled })),
		...lockEntries(resolution).map((entry) => ({ name: entry.name, enabled: true })),
	];
	return `${JSON.stringify({ mods }, null, 2)}\n`;
}

/**
 * `mods.lock.json`: `{ format: 1, factorio_version, space_age, minimum_factorio_version?, builtin, mods }` with
 * every mod's name, version, file name, sha1 and download path. Deterministic for the same resolution (no
 * timestamp), and never holds a credential.
 */
export function lockJson(resolution: Resolution): string {
	const game: GameTarget = resolution.game;
	const lock = {
		format: 1,
		generated_by: 'factorio-mod-bot',
		factorio_version: game.version,
		space_age: game.spaceAge,
		...(resolution.minimumGameVersion ? { minimum_factorio_version: resolution.minimumGameVersion } : {}),
		recommended: resolution.recommended,
		builtin: builtinMods(game),
		mods: lockEntries(resolution),
	};
	return `${JSON.stringify(lock, null, 2)}\n`;
}

/** All four files of the kit for a resolution, in the order they are attached. */
export function kitFiles(resolution: Resolution): KitFile[] {
	const entries = lockEntries(resolution);
	const modList = modListJson(resolution);
	const summary = {
		factorioVersion: resolution.game.version,
		spaceAge: resolution.game.spaceAge,
		minimumGameVersion: resolution.minimumGameVersion,
	};
	return [
		{ name: 'mod-list.json', content: modList },
		{ name: 'mods.lock.json', content: lockJson(resolution) },
		{ name: 'install-mods.sh', content: installScriptSh(entries, modList, summary) },
		{ name: 'install-mods.ps1', content: installScriptPowerShell(entries, modList, summary) },
	];
}
