import { describe, expect, it } from 'vitest';
import {
	OFFICIAL_MODS,
	parseDependencies,
	parseDependency,
	type Dependency,
	type DependencyKind,
} from '../../../src/services/factorio/dependencies.js';
import { fixtureJson } from '../../support/fixtures.js';

function dependenciesOf(path: string): string[] {
	const json = fixtureJson(path) as { dependencies?: unknown };
	expect(Array.isArray(json.dependencies)).toBe(true);
	return json.dependencies as string[];
}

const INFO_JSON_FILES = [
	'info-json/bobenemies.json',
	'info-json/boblogistics.json',
	'info-json/flib.json',
	'info-json/quality-2.1.12.json',
	'info-json/space-age-2.1.12.json',
	'info-json/dependency-strings-real-world.json',
];

function bobelectronicsStrings(): string[] {
	const full = fixtureJson('portal/mod-full-bobelectronics-2021-trimmed.json') as {
		releases: { info_json: { dependencies: string[] } }[];
	};
	return full.releases.flatMap((release) => release.info_json.dependencies);
}

const recorded = [...INFO_JSON_FILES.flatMap(dependenciesOf), ...bobelectronicsStrings()];

describe('parseDependency on recorded strings', () => {
	it('does read every recorded string when given the fixtures', () => {
		// 4 + 8 + 1 + 2 + 4 + 73 info.json strings and 24 releases x 3 from bobelectronics.
		expect(recorded).toHaveLength(92 + 72);
		const unreadable = recorded.filter((text) => parseDependency(text) === undefined);
		expect(unreadable).toEqual([]);
	});

	it('does keep names clean when prefixes have no space after them', () => {
		for (const text of recorded) {
			const dependency = parseDependency(text)!;
			expect(dependency.name, text).toMatch(/^[A-Za-z0-9][\w -]*[\w-]$|^[A-Za-z0-9]$/);
			expect(dependency.raw).toBe(text);
			expect(dependency.operator === undefined, text).toBe(dependency.version === undefined);
		}
	});

	const table: [string, DependencyKind, string, Dependency['operator'], string | undefined][] = [
		['! MoreScience', 'incompatible', 'MoreScience', undefined, undefined],
		['?ModuleInserter', 'optional', 'ModuleInserter', undefined, undefined],
		['! Annotorio >= 0.3.0', 'incompatible', 'Annotorio', '>=', '0.3.0'],
		['base >= 0.17.0', 'required', 'base', '>=', '0.17.0'],
		['(?) electricboiler', 'hidden_optional', 'electricboiler', undefined, undefined],
		['(?)MomoTweak', 'hidden_optional', 'MomoTweak', undefined, undefined],
		['(?) bobrevamp >= 1.1.5', 'hidden_optional', 'bobrevamp', '>=', '1.1.5'],
		['~IndustrialRevolution3 >= 3.0.8', 'load_neutral', 'IndustrialRevolution3', '>=', '3.0.8'],
		['~ space-exploration-postprocess >= 0.6.22', 'load_neutral', 'space-exploration-postprocess', '>=', '0.6.22'],
		['~ minime', 'load_neutral', 'minime', undefined, undefined],
		['!deadlock-beltboxes-loaders', 'incompatible', 'deadlock-beltboxes-loaders', undefined, undefined],
		['base >= 0.18', 'required', 'base', '>=', '0.18'],
		['flib', 'required', 'flib', undefined, undefined],
		['robot_attrition >= 0.5.9', 'required', 'robot_attrition', '>=', '0.5.9'],
		['+ quality >= 2.1.0', 'recommended', 'quality', '>=', '2.1.0'],
		['elevated-rails >= 2.1.0', 'required', 'elevated-rails', '>=', '2.1.0'],
		['? space-age >= 2.0.0', 'optional', 'space-age', '>=', '2.0.0'],
		['(?) combat-mechanics-overhaul >= 0.7.1', 'hidden_optional', 'combat-mechanics-overhaul', '>=', '0.7.1'],
		['(?) Krastorio2', 'hidden_optional', 'Krastorio2', undefined, undefined],
		['? bobplates >= 0.13.0', 'optional', 'bobplates', '>=', '0.13.0'],
	];

	it.each(table)('does read %j as %s %s', (text, kind, name, operator, version) => {
		expect(recorded).toContain(text);
		expect(parseDependency(text)).toEqual({
			kind,
			name,
			raw: text,
			...(operator ? { operator, version } : {}),
		});
	});
});

describe('parseDependency on written forms', () => {
	it.each([
		['base>=1.1.0', { kind: 'required', name: 'base', operator: '>=', version: '1.1.0' }],
		[
			'  ? some mod with spaces < 2.0  ',
			{ kind: 'optional', name: 'some mod with spaces', operator: '<', version: '2.0' },
		],
		['!foo=1.0.0', { kind: 'incompatible', name: 'foo', operator: '=', version: '1.0.0' }],
		['foo <= 1', { kind: 'required', name: 'foo', operator: '<=', version: '1' }],
		['(?)cargo-ships > 0.1', { kind: 'hidden_optional', name: 'cargo-ships', operator: '>', version: '0.1' }],
		['+quality', { kind: 'recommended', name: 'quality' }],
	])('does read %j when written that way', (text, expected) => {
		expect(parseDependency(text)).toMatchObject(expected);
	});

	it.each(['', '   ', '?', '(?)', '! ', 'base >=', '>= 1.0', 'base >= abc', 'base >= 1.0 extra', 'base >> 1.0'])(
		'does answer undefined when the string is %j',
		(text) => {
			expect(parseDependency(text)).toBeUndefined();
		},
	);

	it('does not throw when handed something that is not a string', () => {
		expect(parseDependency(42 as unknown as string)).toBeUndefined();
		expect(parseDependency(null as unknown as string)).toBeUndefined();
	});
});

describe('parseDependencies', () => {
	it('does keep order and drop unreadable strings when given a mixed list', () => {
		const parsed = parseDependencies(['base >= 2.0', '', '? flib', '>= 1']);
		expect(parsed.map((dependency) => dependency.name)).toEqual(['base', 'flib']);
	});

	it('does answer an empty list when the release has no dependencies', () => {
		expect(parseDependencies(undefined)).toEqual([]);
	});

	it('does read the space-age expansion as the game writes it', () => {
		const parsed = parseDependencies(dependenciesOf('info-json/space-age-2.1.12.json'));
		expect(parsed.map((dependency) => [dependency.kind, dependency.name])).toEqual([
			['required', 'base'],
			['required', 'elevated-rails'],
			['recommended', 'quality'],
			['required', 'recycler'],
		]);
	});
});

describe('OFFICIAL_MODS', () => {
	it('does list the game and its official expansion mods', () => {
		expect([...OFFICIAL_MODS].sort()).toEqual(['base', 'elevated-rails', 'quality', 'space-age']);
	});
});
