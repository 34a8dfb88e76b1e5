import { describe, expect, it } from 'vitest';
import { ModFullSchema } from '../../../src/services/portal/schemas.js';
import {
	describeFinding,
	judgeRelease,
	releaseToJudge,
	type ModpackForVerdict,
	type ReleaseToJudge,
} from '../../../src/services/modpack/verdict.js';
import { fixtureJson } from '../../support/fixtures.js';

interface InfoJson {
	name: string;
	version: string;
	factorio_version: string;
	dependencies: string[];
}

/** A recorded info.json as the release the feed saw. */
function recorded(file: string, change: Partial<InfoJson> = {}): ReleaseToJudge {
	const info = { ...(fixtureJson(`info-json/${file}`) as InfoJson), ...change };
	return {
		mod: info.name,
		version: info.version,
		factorioVersion: info.factorio_version,
		dependencies: info.dependencies,
	};
}

/**
 * A Bob's mods server on Factorio 2.0 as `/modpack save` stores it: boblogistics and bobenemies listed, boblibrary
 * and flib pulled in, each at the release before the recorded info.json files, with those releases' dependencies.
 */
function bobSet(change: Partial<ModpackForVerdict> = {}): ModpackForVerdict {
	return {
		name: 'bob server',
		factorioVersion: '2.0',
		spaceAge: false,
		minimumGameVersion: '2.0.28',
		mods: [
			{ name: 'boblibrary', listed: false, version: '2.0.2', dependencies: ['base >= 2.0.0'] },
			{
				name: 'boblogistics',
				listed: true,
				version: '2.0.4',
				dependencies: ['base >= 2.0.28', 'boblibrary >= 2.0.0', '? bobplates >= 2.0.0', '(?) Krastorio2'],
			},
			{
				name: 'bobenemies',
				listed: true,
				version: '2.0.3',
				dependencies: ['base >= 2.0.0', 'boblibrary >= 2.0.0', '? space-age >= 2.0.0'],
			},
			{ name: 'flib', listed: false, version: '0.15.0', dependencies: ['base >= 2.0.0'] },
		],
		...change,
	};
}

describe('judgeRelease', () => {
	it('does say compatible when a release changes nothing the server depends on', () => {
		const verdict = judgeRelease(bobSet(), recorded('flib.json'));
		expect(verdict).toEqual({ status: 'compatible', previous: '0.15.0', listed: false, findings: [] });
	});

	it('does name the newer Factorio and the too-old dependency when boblogistics 2.1.1 needs base >= 2.0.49', () => {
		const verdict = judgeRelease(bobSet(), recorded('boblogistics.json'));
		expect(verdict?.status).toBe('action');
		expect(verdict?.findings.map((f) => f.kind)).toEqual(['needs_newer_factorio', 'dependency_too_old']);
		const [factorio, library] = verdict?.findings ?? [];
		expect(factorio).toMatchObject({ minimum: '2.0.49', known: '2.0.28' });
		expect(describeFinding(factorio!, '2.0.4')).toBe(
			'Needs Factorio 2.0.49 or newer (base >= 2.0.49); the set needed 2.0.28: update the server first.',
		);
		expect(describeFinding(library!, '2.0.4')).toBe(
			'Requires boblibrary >= 2.1.0; the set has boblibrary 2.0.2: update it too.',
		);
	});

	it('does not repeat the game version when the set already needs that patch', () => {
		const verdict = judgeRelease(
			bobSet({ minimumGameVersion: '2.0.55' }),
			recorded('boblogistics.json', { dependencies: ['base >= 2.0.49', 'boblibrary >= 2.0.0'] }),
		);
		expect(verdict).toMatchObject({ status: 'compatible', findings: [] });
	});

	it('does block on an exact server version below the release’s base constraint', () => {
		const verdict = judgeRelease(bobSet({ factorioVersion: '2.0.28' }), recorded('bobenemies.json'));
		// base >= 2.0.33 on a 2.0.28 server: the game would refuse to start.
		expect(verdict?.findings[0]).toMatchObject({ kind: 'needs_newer_factorio', minimum: '2.0.33', known: '2.0.28' });
		expect(verdict?.status).toBe('action');
	});

	it('does say which required dependency is added and whether the set has it', () => {
		const verdict = judgeRelease(
			bobSet(),
			recorded('boblogistics.json', {
				dependencies: ['base >= 2.0.0', 'boblibrary >= 2.0.0', 'flib >= 0.15', 'bobplates'],
			}),
		);
		expect(verdict?.status).toBe('action');
		expect(verdict?.findings).toMatchObject([
			{ kind: 'adds_dependency', inSet: false, dependency: { name: 'bobplates' } },
			{ kind: 'adds_dependency', inSet: true, setVersion: '0.15.0', dependency: { name: 'flib' } },
		]);
		expect(describeFinding(verdict!.findings[0]!, '2.0.4')).toBe(
			'Adds a required dependency: bobplates, not in the set: install it too.',
		);
		expect(describeFinding(verdict!.findings[1]!, '2.0.4')).toBe(
			'Now requires flib >= 0.15, already in the set (0.15.0).',
		);
	});

	it('does say compatible when the only new dependency is already in the set', () => {
		const verdict = judgeRelease(
			bobSet(),
			recorded('boblogistics.json', { dependencies: ['base >= 2.0.0', 'boblibrary >= 2.0.0', '~ flib'] }),
		);
		expect(verdict?.status).toBe('compatible');
		expect(verdict?.findings).toHaveLength(1);
	});

	it('does block a release made for Factorio 2.1 on a 2.0 server and say what to keep', () => {
		const verdict = judgeRelease(
			bobSet(),
			recorded('boblogistics.json', { factorio_version: '2.1', dependencies: ['base >= 2.1.0'] }),
		);
		expect(verdict?.status).toBe('blocker');
		expect(verdict?.findings).toHaveLength(1);
		expect(describeFinding(verdict!.findings[0]!, verdict!.previous)).toBe(
			'Made for Factorio 2.1, not 2.0: keep 2.0.4.',
		);
	});

	it('does block the recorded space-age 2.1.12 style dependencies without Space Age', () => {
		const spaceAge = recorded('space-age-2.1.12.json');
		const verdict = judgeRelease(bobSet(), {
			...spaceAge,
			mod: 'bobenemies',
			dependencies: ['base >= 2.1.0', 'space-age', 'recycler >= 2.1.0'],
		});
		expect(verdict?.findings.map((f) => f.kind)).toEqual(['drops_factorio_version']);
		const onTwoOne = judgeRelease(
			{ ...bobSet({ factorioVersion: '2.1', minimumGameVersion: undefined }) },
			{ ...spaceAge, mod: 'bobenemies', dependencies: ['base >= 2.1.0', 'space-age', 'recycler >= 2.1.0'] },
		);
		expect(onTwoOne?.status).toBe('blocker');
		expect(onTwoOne?.findings).toMatchObject([{ kind: 'needs_builtin', spaceAgeOff: true }]);
		expect(describeFinding(onTwoOne!.findings[0]!, '2.0.3')).toBe(
			'Needs the Space Age expansion (space-age), which is off on this server.',
		);
	});

	it('does block a release declaring another mod of the set incompatible, and one the set excludes', () => {
		const own = judgeRelease(
			bobSet(),
			recorded('flib.json', { dependencies: ['base >= 2.0.0', '! boblibrary < 3.0'] }),
		);
		expect(own?.status).toBe('blocker');
		expect(describeFinding(own!.findings[0]!, '0.15.0')).toBe(
			'Incompatible with boblibrary 2.0.2 of the set (! boblibrary < 3.0).',
		);
		const versionOutside = judgeRelease(
			bobSet(),
			recorded('flib.json', { dependencies: ['base >= 2.0.0', '! boblibrary < 2.0'] }),
		);
		expect(versionOutside?.status).toBe('compatible');

		const set = bobSet();
		set.mods[3] = { ...set.mods[3]!, dependencies: ['base >= 2.0.0', '! boblogistics >= 2.1'] };
		const other = judgeRelease(set, recorded('boblogistics.json', { dependencies: ['boblibrary >= 2.0.0'] }));
		expect(other?.findings).toMatchObject([{ kind: 'incompatible', declaredBy: 'other', other: { name: 'flib' } }]);
	});

	it('does block a release that another mod of the set caps below its version', () => {
		const set = bobSet();
		set.mods[1] = { ...set.mods[1]!, dependencies: [...set.mods[1]!.dependencies, 'flib < 0.16'] };
		const verdict = judgeRelease(set, recorded('flib.json'));
		expect(verdict?.status).toBe('blocker');
		expect(describeFinding(verdict!.findings[0]!, '0.15.0')).toBe(
			'boblogistics 2.0.4 of the set requires flib < 0.16.',
		);
	});

	it('does flag an optional dependency present at a version the release refuses', () => {
		const verdict = judgeRelease(bobSet(), recorded('bobenemies.json', { dependencies: ['? flib >= 0.16'] }));
		expect(verdict?.findings).toMatchObject([{ kind: 'dependency_too_old', setVersion: '0.15.0' }]);
	});

	it('does flag a deprecated mod and put blockers before everything else', () => {
		const verdict = judgeRelease(bobSet(), {
			...recorded('flib.json', { factorio_version: '2.1' }),
			deprecated: true,
		});
		expect(verdict?.findings.map((f) => f.kind)).toEqual(['drops_factorio_version', 'deprecated']);
	});

	it('does give no verdict for a mod outside the set', () => {
		expect(judgeRelease(bobSet(), { ...recorded('flib.json'), mod: 'Krastorio2' })).toBeUndefined();
	});

	it('does ignore unreadable dependency strings of a hostile release', () => {
		const verdict = judgeRelease(
			bobSet(),
			recorded('flib.json', { dependencies: ['', '>= 2.0', '? ', 'base >=', 'x'.repeat(500) + ' >= 1'] }),
		);
		expect(verdict?.findings.map((f) => f.kind)).toEqual(['adds_dependency']);
	});

	it('does judge a release read from a recorded /full answer as the feed holds it', () => {
		const full = ModFullSchema.parse(fixtureJson('portal/mod-full-bobelectronics-2021-trimmed.json'));
		const newest = full.releases.at(-1)!;
		const release = releaseToJudge(full, newest);
		expect(release).toEqual({
			mod: 'bobelectronics',
			version: '1.1.3',
			factorioVersion: '1.1',
			dependencies: ['base >= 1.1.0', 'boblibrary >= 1.1.0', '? bobplates >= 1.1.0'],
			deprecated: false,
		});
		const set: ModpackForVerdict = {
			name: 'old server',
			factorioVersion: '1.1.30',
			spaceAge: false,
			mods: [
				{
					name: 'bobelectronics',
					listed: true,
					version: '1.1.2',
					dependencies: ['base >= 1.1.0', 'boblibrary >= 1.1.0'],
				},
				{ name: 'boblibrary', listed: false, version: '1.1.0', dependencies: [] },
				{ name: 'bobplates', listed: true, version: '1.0.9', dependencies: [] },
			],
		};
		expect(judgeRelease(set, release)?.findings).toMatchObject([
			{ kind: 'dependency_too_old', setVersion: '1.0.9', dependency: { kind: 'optional', name: 'bobplates' } },
		]);
		expect(judgeRelease({ ...set, factorioVersion: '2.0' }, release)?.status).toBe('blocker');
	});
});
