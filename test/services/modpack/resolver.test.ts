import { describe, expect, it } from 'vitest';
import { describeProblem } from '../../../src/services/modpack/problems.js';
import { resolveMods, type Resolution } from '../../../src/services/modpack/resolver.js';
import { fixtureJson } from '../../support/fixtures.js';
import { graphClosure, graphSource, MemorySource, mod, release } from './support.js';

const v11 = { version: '1.1', spaceAge: false };
const v20 = { version: '2.0', spaceAge: true };

function names(resolution: Resolution): string[] {
	return resolution.mods.map((m) => m.name);
}

function chosen(resolution: Resolution, name: string): string | undefined {
	return resolution.mods.find((m) => m.name === name)?.release.version;
}

function problems(resolution: Resolution): string[] {
	return resolution.excluded.flatMap((e) => e.problems.map(describeProblem));
}

describe('resolveMods on the recorded 2024 graph', () => {
	const source = graphSource();

	it('resolves the required closure of Krastorio2, each mod with the listed mod that pulled it in', async () => {
		const resolution = await resolveMods({ mods: [{ name: 'Krastorio2' }], game: v11 }, source);
		expect(names(resolution).sort()).toEqual([...graphClosure('Krastorio2')].sort());
		const flib = resolution.mods.find((m) => m.name === 'flib');
		expect(flib?.listed).toBe(false);
		expect(flib?.pulledInBy).toEqual(['Krastorio2']);
		expect(flib?.via).toMatchObject({ name: 'Krastorio2', version: '1.3.24', kind: 'required' });
		expect(resolution.excluded).toEqual([]);
	});

	it('resolves an overhaul of 20 or more mods to exactly the closure the fixture describes', async () => {
		const expected = graphClosure('AngelBob');
		expect(expected.size).toBeGreaterThanOrEqual(20);
		const resolution = await resolveMods({ mods: [{ name: 'AngelBob' }], game: v11 }, source);
		expect(new Set(names(resolution))).toEqual(expected);
		expect(resolution.mods.every((m) => m.pulledInBy.includes('AngelBob'))).toBe(true);
	});

	it('names optional dependencies without adding them when a release declares `? name`', async () => {
		const resolution = await resolveMods({ mods: [{ name: 'SeaBlock' }], game: v11 }, source);
		const optional = resolution.optional.map((o) => o.name);
		expect(optional).toContain('Explosive Excavation');
		expect(names(resolution)).not.toContain('Explosive Excavation');
		expect(resolution.optional.find((o) => o.name === 'SpaceMod')).toMatchObject({
			kind: 'optional',
			by: { name: 'SeaBlock' },
		});
		expect(new Set(names(resolution))).toEqual(graphClosure('SeaBlock'));
	});

	it('leaves out a listed mod whose required dependency is not on the portal and keeps the others', async () => {
		const entries = [...graphClosure('Krastorio2')];
		const missing = new MemorySource(entries.map((n) => source.get(n) ?? {}));
		missing.delete('Krastorio2Assets');
		missing.set(structuredClone(source.get('flib') ?? {}));
		const resolution = await resolveMods({ mods: [{ name: 'Krastorio2' }, { name: 'flib' }], game: v11 }, missing);
		expect(names(resolution)).toEqual(['flib']);
		expect(resolution.excluded.map((e) => e.name)).toEqual(['Krastorio2']);
		expect(problems(resolution)).toEqual([
			'Krastorio2 1.3.24 requires Krastorio2Assets, which is not on the mod portal.',
		]);
	});

	it('finds no release when the game is another minor version, and resolves a 2.0 variant of the graph', async () => {
		const on20 = await resolveMods({ mods: [{ name: 'Krastorio2' }], game: v20 }, source);
		expect(on20.mods).toEqual([]);
		expect(problems(on20)).toEqual([
			'Krastorio2 has no release for Factorio 2.0. Its newest release is 1.3.24 for Factorio 1.1.',
		]);
		const variant = await resolveMods({ mods: [{ name: 'Krastorio2' }], game: v20 }, graphSource('2.0'));
		expect(new Set(names(variant))).toEqual(graphClosure('Krastorio2'));
		const on21 = await resolveMods(
			{ mods: [{ name: 'Krastorio2' }], game: { version: '2.1', spaceAge: true } },
			graphSource('2.0'),
		);
		expect(on21.mods).toEqual([]);
	});

	it('asks for every mod of the closure once, level by level', async () => {
		const counting = graphSource();
		const resolution = await resolveMods({ mods: [{ name: 'AngelBob' }], game: v11 }, counting);
		const asked = counting.calls.flat();
		expect(new Set(asked).size).toBe(asked.length);
		expect(asked.length).toBe(resolution.mods.length);
		expect(resolution.stats.fetchRounds).toBe(counting.calls.length);
	});

	it('gives the same kit twice for the same catalog', async () => {
		const list = ['AngelBob', 'Krastorio2', 'SeaBlock'].map((name) => ({ name }));
		const first = await resolveMods({ mods: list, game: v11 }, source);
		const second = await resolveMods({ mods: list, game: v11 }, graphSource());
		expect(JSON.stringify({ ...second, stats: undefined })).toBe(JSON.stringify({ ...first, stats: undefined }));
	});

	it('stops with a too-complex answer when the search exceeds its step bound', async () => {
		const resolution = await resolveMods({ mods: [{ name: 'AngelBob' }], game: v11 }, source, { maxSteps: 10 });
		expect(resolution.mods).toEqual([]);
		expect(problems(resolution)[0]).toMatch(/^The dependency search was stopped: more than 10 steps/);
	});

	it('stops with a too-complex answer when the closure exceeds the mod bound', async () => {
		const resolution = await resolveMods({ mods: [{ name: 'bigbigmod' }], game: v11 }, source, { maxMods: 100 });
		expect(resolution.mods).toEqual([]);
		expect(problems(resolution)[0]).toContain('more than 100');
	});
});

describe('resolveMods with versions, conflicts and built-ins', () => {
	it('picks an older release of the dependency when a constraint rules out the newest', async () => {
		const source = new MemorySource([
			mod('A', [release('A', '1.0.0', '2.0', ['base >= 2.0.0', 'B < 2.0.0'])]),
			mod('B', [release('B', '1.5.0', '2.0'), release('B', '1.9.0', '2.0'), release('B', '2.1.0', '2.0')]),
		]);
		const resolution = await resolveMods({ mods: [{ name: 'A' }], game: v20 }, source);
		expect(chosen(resolution, 'B')).toBe('1.9.0');
	});

	it('picks an older release of the constraining mod when no release of the dependency meets it', async () => {
		const source = new MemorySource([
			mod('A', [release('A', '2.2.0', '2.0', ['B >= 2.0']), release('A', '2.3.0', '2.0', ['B >= 3.0'])]),
			mod('B', [release('B', '2.8.0', '2.0'), release('B', '2.9.1', '2.0'), release('B', '3.0.0', '1.1')]),
		]);
		const resolution = await resolveMods({ mods: [{ name: 'A' }], game: v20 }, source);
		expect(chosen(resolution, 'A')).toBe('2.2.0');
		expect(chosen(resolution, 'B')).toBe('2.9.1');
	});

	it('explains an unsatisfiable constraint with its chain when no release of either mod works', async () => {
		const source = new MemorySource([
			mod('A', [release('A', '2.3.0', '2.0', ['B >= 3.0'])]),
			mod('B', [release('B', '2.9.1', '2.0'), release('B', '3.0.0', '1.1')]),
			mod('C', [release('C', '1.0.0', '2.0')]),
		]);
		const resolution = await resolveMods({ mods: [{ name: 'A' }, { name: 'C' }], game: v20 }, source);
		expect(names(resolution)).toEqual(['C']);
		expect(problems(resolution)).toEqual(["A 2.3.0 requires B >= 3.0, but B's newest release for 2.0 is 2.9.1."]);
	});

	it('backtracks past unrelated choices to the mod that constrains a dependency', async () => {
		// U has many releases; trying each of them again would not help, so the search must jump over U.
		const many = Array.from({ length: 40 }, (_, i) => release('U', `1.${i}.0`, '2.0'));
		const source = new MemorySource([
			mod('A', [release('A', '1.0.0', '2.0', ['C']), release('A', '2.0.0', '2.0', ['C', 'D >= 5'])]),
			mod('U', many),
			mod('C', [release('C', '1.0.0', '2.0')]),
			mod('D', [release('D', '4.0.0', '2.0')]),
		]);
		const resolution = await resolveMods({ mods: [{ name: 'A' }, { name: 'U' }], game: v20 }, source);
		expect(chosen(resolution, 'A')).toBe('1.0.0');
		expect(chosen(resolution, 'U')).toBe('1.39.0');
		expect(resolution.stats.steps).toBeLessThan(40);
	});

	it('leaves out the second of two incompatible listed mods, naming the pair', async () => {
		const source = new MemorySource([
			mod('A', [release('A', '1.0.0', '2.0', ['! B'])]),
			mod('B', [release('B', '1.0.0', '2.0')]),
		]);
		const resolution = await resolveMods({ mods: [{ name: 'A' }, { name: 'B' }], game: v20 }, source);
		expect(names(resolution)).toEqual(['A']);
		expect(problems(resolution)).toEqual(['A 1.0.0 is incompatible with B.']);
	});

	it('keeps a mod whose incompatibility only covers versions not chosen', async () => {
		const source = new MemorySource([
			mod('A', [release('A', '1.0.0', '2.0', ['! B < 2.0.0'])]),
			mod('B', [release('B', '1.0.0', '2.0'), release('B', '2.0.0', '2.0')]),
		]);
		const resolution = await resolveMods({ mods: [{ name: 'A' }, { name: 'B' }], game: v20 }, source);
		expect(chosen(resolution, 'B')).toBe('2.0.0');
	});

	it('applies the version of an optional dependency when that mod is in the kit anyway', async () => {
		const source = new MemorySource([
			mod('A', [release('A', '1.0.0', '2.0', ['? B >= 2.0.0', 'C'])]),
			mod('B', [release('B', '1.0.0', '2.0'), release('B', '2.5.0', '2.0'), release('B', '3.0.0', '2.0')]),
			mod('C', [release('C', '1.0.0', '2.0', ['B < 3.0.0'])]),
		]);
		const resolution = await resolveMods({ mods: [{ name: 'A' }], game: v20 }, source);
		expect(chosen(resolution, 'B')).toBe('2.5.0');
		expect(resolution.optional).toEqual([]);
	});

	it('picks an older release without Space Age when it is off, and says so when none works without it', async () => {
		const source = new MemorySource([
			mod('planets', [
				release('planets', '1.0.0', '2.0', ['base >= 2.0.0']),
				release('planets', '2.0.0', '2.0', ['base >= 2.0.0', 'space-age']),
			]),
			mod('only-sa', [release('only-sa', '1.0.0', '2.0', ['space-age >= 2.0.0'])]),
		]);
		const off = { version: '2.0', spaceAge: false };
		const resolution = await resolveMods({ mods: [{ name: 'planets' }, { name: 'only-sa' }], game: off }, source);
		expect(chosen(resolution, 'planets')).toBe('1.0.0');
		expect(problems(resolution)).toEqual(['only-sa 1.0.0 needs the Space Age expansion, which is off for this kit.']);
		const on = await resolveMods({ mods: [{ name: 'planets' }, { name: 'only-sa' }], game: v20 }, source);
		expect(chosen(on, 'planets')).toBe('2.0.0');
		expect(on.excluded).toEqual([]);
	});

	it('honours a mod’s base dependency: an older release for an older game, the patch needed otherwise', async () => {
		const boblogistics = fixtureJson('info-json/boblogistics.json') as { version: string; dependencies: string[] };
		const source = new MemorySource([
			mod('boblogistics', [
				release('boblogistics', '2.0.0', '2.0', ['base >= 2.0.0', 'boblibrary >= 2.0.0']),
				release('boblogistics', boblogistics.version, '2.0', boblogistics.dependencies),
			]),
			mod('boblibrary', [release('boblibrary', '2.0.0', '2.0'), release('boblibrary', '2.1.0', '2.0')]),
		]);
		const minor = await resolveMods({ mods: [{ name: 'boblogistics' }], game: v20 }, source);
		expect(chosen(minor, 'boblogistics')).toBe('2.1.1');
		expect(minor.minimumGameVersion).toBe('2.0.49');
		expect(minor.optional.map((o) => o.name)).toEqual([
			'aai-loaders',
			'bobinserters',
			'bobplates',
			'Krastorio2',
			'valves',
		]);
		const old = await resolveMods(
			{ mods: [{ name: 'boblogistics' }], game: { version: '2.0.15', spaceAge: true } },
			source,
		);
		expect(chosen(old, 'boblogistics')).toBe('2.0.0');
		source.set(mod('boblogistics', [release('boblogistics', boblogistics.version, '2.0', boblogistics.dependencies)]));
		const none = await resolveMods(
			{ mods: [{ name: 'boblogistics' }], game: { version: '2.0.15', spaceAge: true } },
			source,
		);
		expect(problems(none)).toEqual([
			'boblogistics 2.1.1 requires base >= 2.0.49, which Factorio 2.0.15 does not provide.',
		]);
	});

	it('refuses 2.0 releases on 2.1, knows the built-in recycler of 2.1, and loads 0.18 mods on 1.0', async () => {
		const spaceAge = fixtureJson('info-json/space-age-2.1.12.json') as { dependencies: string[] };
		const source = new MemorySource([
			mod('sa-addon', [
				release('sa-addon', '1.0.0', '2.0', ['base >= 2.0.0']),
				release('sa-addon', '2.0.0', '2.1', spaceAge.dependencies),
			]),
			mod('old', [release('old', '0.18.3', '0.18', ['base >= 0.18.0'])]),
		]);
		const on21 = await resolveMods({ mods: [{ name: 'sa-addon' }], game: { version: '2.1', spaceAge: true } }, source);
		expect(chosen(on21, 'sa-addon')).toBe('2.0.0');
		const on20 = await resolveMods({ mods: [{ name: 'sa-addon' }], game: v20 }, source);
		expect(chosen(on20, 'sa-addon')).toBe('1.0.0');
		const on10 = await resolveMods({ mods: [{ name: 'old' }], game: { version: '1.0', spaceAge: false } }, source);
		expect(chosen(on10, 'old')).toBe('0.18.3');
		const on11 = await resolveMods({ mods: [{ name: 'old' }], game: v11 }, source);
		expect(on11.mods).toEqual([]);
	});

	it('adds recommended dependencies unless recommended is off, then names them', async () => {
		const source = new MemorySource([
			mod('A', [release('A', '1.0.0', '2.1', ['+ helper >= 1.0.0', '+ gone'])]),
			mod('helper', [release('helper', '1.2.0', '2.1')]),
		]);
		const game = { version: '2.1', spaceAge: false };
		const on = await resolveMods({ mods: [{ name: 'A' }], game }, source);
		expect(names(on)).toEqual(['A', 'helper']);
		expect(on.mods.find((m) => m.name === 'helper')?.via?.kind).toBe('recommended');
		expect(on.optional).toEqual([{ name: 'gone', by: { name: 'A', version: '1.0.0' }, kind: 'recommended' }]);
		const off = await resolveMods({ mods: [{ name: 'A' }], game, recommended: false }, source);
		expect(names(off)).toEqual(['A']);
		expect(off.optional.map((o) => o.name)).toEqual(['gone', 'helper']);
	});

	it('resolves the recorded bobelectronics releases per game version, whatever order the portal lists them in', async () => {
		const bobelectronics = fixtureJson('portal/mod-full-bobelectronics-2021-trimmed.json') as Record<string, unknown>;
		const source = new MemorySource([
			bobelectronics,
			mod('boblibrary', [
				release('boblibrary', '0.18.0', '0.18'),
				release('boblibrary', '0.18.9', '0.18'),
				release('boblibrary', '1.1.5', '1.1'),
			]),
		]);
		const pick = async (version: string) =>
			chosen(
				await resolveMods({ mods: [{ name: 'bobelectronics' }], game: { version, spaceAge: false } }, source),
				'bobelectronics',
			);
		expect(await pick('1.1')).toBe('1.1.3');
		expect(await pick('1.0')).toBe('1.0.1');
		expect(await pick('0.18')).toBe('0.18.1');
		const on10 = await resolveMods(
			{ mods: [{ name: 'bobelectronics' }], game: { version: '1.0', spaceAge: false } },
			source,
		);
		expect(chosen(on10, 'boblibrary')).toBe('0.18.9');
	});

	it('takes a version constraint from the list and explains it when nothing meets it', async () => {
		const source = new MemorySource([mod('B', [release('B', '1.0.0', '2.0'), release('B', '2.0.0', '2.0')])]);
		const pinned = await resolveMods({ mods: [{ name: 'B', operator: '<', version: '2.0.0' }], game: v20 }, source);
		expect(chosen(pinned, 'B')).toBe('1.0.0');
		const impossible = await resolveMods(
			{ mods: [{ name: 'B', operator: '>=', version: '3.0.0' }], game: v20 },
			source,
		);
		expect(problems(impossible)).toEqual(["The list asks for B >= 3.0.0, but B's newest release for 2.0 is 2.0.0."]);
	});

	it('warns about deprecated mods and listed built-ins, and never fetches built-ins', async () => {
		const source = new MemorySource([
			mod('A', [release('A', '1.0.0', '2.0', ['base >= 2.0.0', 'quality', '? elevated-rails'])], { deprecated: true }),
		]);
		const resolution = await resolveMods(
			{ mods: [{ name: 'A' }, { name: 'space-age' }, { name: 'base' }], game: v20 },
			source,
		);
		expect(names(resolution)).toEqual(['A']);
		expect(resolution.warnings.map(describeProblem)).toEqual([
			'space-age comes with the game: nothing to download.',
			'base comes with the game: nothing to download.',
			'A is deprecated by its owner.',
		]);
		expect([...source.asked()]).toEqual(['A']);
	});

	it('skips a release without a usable file, sha1 or download path and takes the one before', async () => {
		const broken = release('A', '2.0.0', '2.0');
		broken.file_name = '../../etc/passwd.zip';
		const source = new MemorySource([mod('A', [release('A', '1.0.0', '2.0'), broken])]);
		const resolution = await resolveMods({ mods: [{ name: 'A' }], game: v20 }, source);
		expect(chosen(resolution, 'A')).toBe('1.0.0');
	});
});

describe('resolveMods on hostile portal data', () => {
	it('never asks for or keeps a dependency whose name a script could not carry, and keeps the rest', async () => {
		const source = new MemorySource([
			mod('A', [release('A', '1.0.0', '2.0', ['x"; rm -rf ~; echo "'])]),
			mod('B', [release('B', '1.0.0', '2.0')]),
		]);
		const resolution = await resolveMods({ mods: [{ name: 'A' }, { name: 'B' }], game: v20 }, source);
		expect(names(resolution)).toEqual(['B']);
		expect(problems(resolution)[0]).toContain('its name holds characters a kit cannot carry');
		expect([...source.asked()]).toEqual(['A', 'B']);
	});

	it('skips a release whose version is not dotted numbers', async () => {
		const odd = release('A', '2.0.0', '2.0');
		odd.version = '2.0.0;reboot';
		const source = new MemorySource([mod('A', [release('A', '1.0.0', '2.0'), odd])]);
		const resolution = await resolveMods({ mods: [{ name: 'A' }], game: v20 }, source);
		expect(chosen(resolution, 'A')).toBe('1.0.0');
	});
});
