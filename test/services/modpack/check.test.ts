import { describe, expect, it } from 'vitest';
import { checkMods, describeVerdict } from '../../../src/services/modpack/check.js';
import { builtinMods } from '../../../src/services/modpack/game.js';
import { kitFiles, lockEntries, modListJson } from '../../../src/services/modpack/kit.js';
import { listOfMods } from '../../../src/services/modpack/input.js';
import { checkServer } from '../../../src/services/modpack/modpack.js';
import { resolveMods } from '../../../src/services/modpack/resolver.js';
import { MemorySource, mod, release } from './support.js';

const game = { version: '2.0', spaceAge: true };

function server(): MemorySource {
	return new MemorySource([
		mod('flib', [release('flib', '0.16.3', '2.0'), release('flib', '0.16.4', '2.0')]),
		mod('current', [release('current', '1.0.0', '2.0', ['base >= 2.0.0', 'flib >= 0.16.0'])]),
		mod('needs-lib', [release('needs-lib', '1.0.0', '2.0', ['missing-lib >= 1.0.0', '? optional-lib'])]),
		mod('missing-lib', [release('missing-lib', '1.2.0', '2.0')]),
		mod('fights', [release('fights', '1.0.0', '2.0', ['! current'])]),
		mod('old', [release('old', '1.0.0', '1.1')]),
		mod('gone', [release('gone', '1.0.0', '2.0')], { deprecated: true }),
		mod('wants-new-flib', [release('wants-new-flib', '1.0.0', '2.0', ['flib >= 0.16.4'])]),
		mod('ported', [release('ported', '1.0.0', '1.1'), release('ported', '2.0.0', '2.0')]),
	]);
}

describe('checkMods', () => {
	it('says per mod: up to date, newer release, missing dependency, incompatible, no release, deprecated, not on the portal', async () => {
		const checks = await checkMods(
			[
				{ name: 'flib', version: '0.16.3' },
				{ name: 'current', version: '1.0.0' },
				{ name: 'needs-lib', version: '1.0.0' },
				{ name: 'fights' },
				{ name: 'old', version: '1.0.0' },
				{ name: 'gone', version: '1.0.0' },
				{ name: 'typo-mod' },
				{ name: 'wants-new-flib', version: '1.0.0' },
				{ name: 'ported', version: '1.0.0' },
			],
			game,
			server(),
			new Map([['typo-mod', ['type-mod']]]),
		);
		const said = Object.fromEntries(checks.map((c) => [c.name, c.verdicts.map((v) => describeVerdict(v, game))]));
		expect(said).toEqual({
			flib: ['newer release 0.16.4 for Factorio 2.0 (installed 0.16.3)'],
			current: ['up to date (1.0.0)', 'incompatible with fights, which is enabled too'],
			'needs-lib': ['up to date (1.0.0)', 'missing required dependency missing-lib >= 1.0.0'],
			fights: ['newest release for Factorio 2.0: 1.0.0', 'incompatible with current, which is enabled too'],
			old: ['installed 1.0.0 is for Factorio 1.1, not 2.0', 'no release for Factorio 2.0 (newest 1.0.0 is for 1.1)'],
			gone: ['deprecated by its owner', 'up to date (1.0.0)'],
			'typo-mod': ['not on the mod portal (closest: type-mod)'],
			'wants-new-flib': ['up to date (1.0.0)', 'needs flib >= 0.16.4 (installed 0.16.3)'],
			ported: [
				'installed 1.0.0 is for Factorio 1.1, not 2.0',
				'newer release 2.0.0 for Factorio 2.0 (installed 1.0.0)',
			],
		});
		expect(checks.filter((c) => c.ok).map((c) => c.name)).toEqual([]);
	});

	it('marks a mod fine when it is the newest release and all it needs is there', async () => {
		const checks = await checkMods(
			[
				{ name: 'flib', version: '0.16.4' },
				{ name: 'current', version: '1.0.0' },
			],
			game,
			server(),
		);
		expect(checks.map((c) => c.ok)).toEqual([true, true]);
	});

	it('says when a mod needs Space Age or a newer game', async () => {
		const source = new MemorySource([
			mod('planet', [release('planet', '1.0.0', '2.0', ['space-age'])]),
			mod('fresh', [release('fresh', '1.0.0', '2.0', ['base >= 2.0.49'])]),
		]);
		const off = { version: '2.0.28', spaceAge: false };
		const checks = await checkMods([{ name: 'planet' }, { name: 'fresh' }], off, source);
		expect(checks.map((c) => c.verdicts.map((v) => describeVerdict(v, off)).at(-1))).toEqual([
			'needs the Space Age expansion (space-age)',
			'needs base >= 2.0.49, which Factorio 2.0.28 does not provide',
		]);
	});
});

describe('checkServer', () => {
	it('checks the mods, then gives the fixed kit as resolve does', async () => {
		const checked = await checkServer(
			listOfMods([
				{ name: 'needs-lib', version: '1.0.0' },
				{ name: 'flib', version: '0.16.3' },
			]),
			game,
			true,
			server(),
		);
		expect(checked.checks.map((c) => c.ok)).toEqual([false, false]);
		expect(checked.kit.resolution.mods.map((m) => `${m.name} ${m.release.version}`)).toEqual([
			'flib 0.16.4',
			'missing-lib 1.2.0',
			'needs-lib 1.0.0',
		]);
	});
});

describe('the kit files', () => {
	it('writes mod-list.json as the game does: base, the built-ins, then the mods by name ignoring case', async () => {
		const source = new MemorySource([
			mod('zeta', [release('zeta', '1.0.0', '2.0', ['Alpha'])]),
			mod('Alpha', [release('Alpha', '1.0.0', '2.0')]),
		]);
		const resolution = await resolveMods({ mods: [{ name: 'zeta' }], game }, source);
		expect(JSON.parse(modListJson(resolution))).toEqual({
			mods: [
				{ name: 'base', enabled: true },
				{ name: 'elevated-rails', enabled: true },
				{ name: 'quality', enabled: true },
				{ name: 'space-age', enabled: true },
				{ name: 'Alpha', enabled: true },
				{ name: 'zeta', enabled: true },
			],
		});
		const off = await resolveMods({ mods: [{ name: 'zeta' }], game: { version: '2.1', spaceAge: false } }, source);
		expect(off.mods).toEqual([]);
		expect(builtinMods({ version: '2.1', spaceAge: false })).toEqual([
			{ name: 'base', enabled: true },
			{ name: 'elevated-rails', enabled: false },
			{ name: 'quality', enabled: false },
			{ name: 'recycler', enabled: true },
			{ name: 'space-age', enabled: false },
		]);
		expect(builtinMods({ version: '1.1', spaceAge: true })).toEqual([{ name: 'base', enabled: true }]);
	});

	it('writes mods.lock.json with name, version, file name, sha1 and download path of every mod', async () => {
		const source = new MemorySource([mod('Squeak Through', [release('Squeak Through', '1.2.2', '2.0')])]);
		const resolution = await resolveMods({ mods: [{ name: 'Squeak Through' }], game }, source);
		const [entry] = lockEntries(resolution);
		expect(entry).toMatchObject({
			name: 'Squeak Through',
			version: '1.2.2',
			file_name: 'Squeak Through_1.2.2.zip',
			factorio_version: '2.0',
			pulled_in_by: ['Squeak Through'],
		});
		expect(entry?.sha1).toMatch(/^[0-9a-f]{40}$/);
		expect(entry?.download_path).toMatch(/^\/download\/Squeak%20Through\/[0-9a-f]{24}$/);
		expect(kitFiles(resolution).map((f) => f.name)).toEqual([
			'mod-list.json',
			'mods.lock.json',
			'install-mods.sh',
			'install-mods.ps1',
		]);
	});
});
