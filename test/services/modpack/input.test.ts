import { beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/services/catalog/catalog.js';
import { UserError } from '../../../src/services/errors.js';
import { parseModFile, parseModText, MAX_LISTED_MODS } from '../../../src/services/modpack/input.js';
import { ModListSchema } from '../../../src/services/portal/schemas.js';
import { fixtureJson } from '../../support/fixtures.js';

let catalog2018: Catalog;
let catalog2024: Catalog;

async function catalogOf(path: string): Promise<Catalog> {
	const catalog = new Catalog();
	await catalog.replace(ModListSchema.parse(fixtureJson(path)).mods, { persist: false });
	return catalog;
}

beforeAll(async () => {
	catalog2018 = await catalogOf('portal/mods-max-2018-02-18.json');
	catalog2024 = await catalogOf('portal/mods-deps-2024-08-26.json');
});

function names(text: string, catalog = catalog2018): string[] {
	return parseModText(text, catalog).mods.map((m) => m.name);
}

describe('parseModText', () => {
	it('reads names, titles and portal links separated by commas or new lines', () => {
		const text = [
			'Squeak Through, FARL',
			"Bob's Functions Library mod",
			'https://mods.factorio.com/mod/Flare%20Stack?from=search',
			'<https://mods.factorio.com/mod/miniloader/changelog>',
		].join('\n');
		expect(names(text)).toEqual(['Squeak Through', 'FARL', 'boblibrary', 'Flare Stack', 'miniloader']);
	});

	it('splits a pasted list whose line breaks became spaces, keeping names with spaces whole', () => {
		expect(names('Squeak Through FARL Flare Stack Bottleneck 0.9.1 boblibrary')).toEqual([
			'Squeak Through',
			'FARL',
			'Flare Stack',
			'Bottleneck',
			'boblibrary',
		]);
		const parsed = parseModText('FARL Squeek Thru Bottleneck', catalog2018);
		expect(parsed.mods.map((m) => m.name)).toEqual(['FARL', 'Bottleneck']);
		expect(parsed.unknown.map((u) => u.name)).toEqual(['Squeek Thru']);
	});

	it('keeps a title that holds a comma whole when the line matches it', () => {
		expect(names('Better Light, No Flashlight\nFARL')).toEqual(['BetterLightNoFlashlight', 'FARL']);
	});

	it('reads bullets, zip file names, names with versions and constraints', () => {
		const parsed = parseModText(
			'- Squeak Through_1.2.1.zip\n* Bottleneck 0.9.1\n1. boblibrary >= 0.16.0\n# a comment\n\n`FARL`',
			catalog2018,
		);
		expect(parsed.mods).toEqual([
			{ name: 'Squeak Through', version: '1.2.1', input: 'Squeak Through_1.2.1.zip' },
			{ name: 'Bottleneck', version: '0.9.1', input: 'Bottleneck 0.9.1' },
			{
				name: 'boblibrary',
				operator: '>=',
				constraint: '>= 0.16.0',
				version: undefined,
				input: 'boblibrary >= 0.16.0',
			},
			{ name: 'FARL', input: 'FARL' },
		]);
	});

	it('lists unknown names with the closest catalog names, duplicates once, built-ins aside', () => {
		const parsed = parseModText('Squeek Through, FARL, farl, Fully Automated Rail Layer, base, space-age', catalog2018);
		expect(parsed.mods.map((m) => m.name)).toEqual(['FARL']);
		expect(parsed.duplicates).toEqual(['FARL']);
		expect(parsed.unknown).toEqual([
			{
				input: 'Squeek Through',
				name: 'Squeek Through',
				suggestions: expect.arrayContaining(['Squeak Through']) as unknown,
			},
		]);
		expect(parsed.builtins.map((b) => b.name)).toEqual(['base', 'space-age']);
	});

	it('refuses a list of more than the limit with a clear message', () => {
		const many = Array.from({ length: 500 }, (_, i) => `mod-${i}`).join(', ');
		expect(() => parseModText(many, catalog2018)).toThrow(
			new UserError(
				`That is more than ${MAX_LISTED_MODS} mods. A kit takes at most ${MAX_LISTED_MODS} listed mods (their dependencies come on top): split the list.`,
			),
		);
	});

	it('refuses an empty list, one name twice with different constraints, and a pasted token', () => {
		expect(() => parseModText(' ,\n# nothing', catalog2018)).toThrow(/No mod names found/);
		expect(() => parseModText('FARL >= 1.0.0, FARL < 1.0.0', catalog2018)).toThrow(
			/FARL is listed twice with different versions/,
		);
		expect(() =>
			parseModText('https://mods.factorio.com/download/FARL/5a5f?username=me&token=0123456789abcdef0123', catalog2018),
		).toThrow(/never takes portal credentials/);
	});
});

describe('parseModFile', () => {
	it('reads a mod-list.json: enabled mods, disabled ones named, Space Age from the built-ins', () => {
		const json = JSON.stringify({
			mods: [
				{ name: 'base', enabled: true },
				{ name: 'elevated-rails', enabled: true },
				{ name: 'quality', enabled: true },
				{ name: 'space-age', enabled: false },
				{ name: 'flib', enabled: true },
				{ name: 'Flare Stack', enabled: true },
				{ name: 'YARM', enabled: false },
				{ name: 'no-such-mod-anywhere', enabled: true },
			],
		});
		const parsed = parseModFile('mod-list.json', json, catalog2024);
		expect(parsed.format).toBe('mod-list.json');
		expect(parsed.mods.map((m) => m.name)).toEqual(['flib', 'Flare Stack']);
		expect(parsed.disabled).toEqual(['YARM']);
		expect(parsed.spaceAge).toBe(false);
		expect(parsed.unknown.map((u) => u.name)).toEqual(['no-such-mod-anywhere']);
	});

	it('reads the mods and versions a factorio-current.log shows loading, and the game version', () => {
		// Lines as real logs attached to public bug reports have them (factorio-server-manager #419, helmod #63).
		const log = [
			'   0.000 2025-07-01 10:00:00; Factorio 2.0.60 (build 83512, linux64, headless)',
			'   0.012 Loading mod settings BottleneckLite 1.3.4 (settings.lua)',
			'   0.013 Loading mod settings Evolution Reduction 2.0.0 (settings.lua)',
			'   0.389 Loading mod core 0.0.0 (data.lua)',
			'   0.422 Loading mod base 2.0.60 (data.lua)',
			'   0.771 Loading mod base 2.0.60 (data-updates.lua)',
			'   0.866 Loading mod quality 2.0.60 (data-updates.lua)',
			'   0.911 Loading mod space-age 2.0.60 (data-updates.lua)',
			'   0.926 Loading mod FactorySearch 1.14.0 (data-updates.lua)',
			'   0.959 Loading mod YARM 1.0.5 (data-final-fixes.lua)',
			'   4.949 Loading mod Flare Stack 2.1.0 (data-final-fixes.lua)',
			'   1.006 Loading mod BottleneckLite 1.3.4 (data-final-fixes.lua)',
			'   5.805 Checksum for core: 909938796',
			'   5.805 Checksum of base: 4015846642',
			'   5.805 Checksum of RailSignalPlanner: 89355623',
		].join('\r\n');
		const parsed = parseModFile('factorio-current.log', log, catalog2024);
		expect(parsed.format).toBe('log');
		expect(parsed.gameVersion).toBe('2.0.60');
		expect(parsed.spaceAge).toBe(true);
		expect(parsed.mods).toEqual([
			{ name: 'BottleneckLite', input: 'BottleneckLite', version: '1.3.4' },
			{ name: 'Evolution Reduction', input: 'Evolution Reduction', version: '2.0.0' },
			{ name: 'FactorySearch', input: 'FactorySearch', version: '1.14.0' },
			{ name: 'YARM', input: 'YARM', version: '1.0.5' },
			{ name: 'Flare Stack', input: 'Flare Stack', version: '2.1.0' },
			{ name: 'RailSignalPlanner', input: 'RailSignalPlanner' },
		]);
		expect(parsed.builtins.map((b) => b.name)).toEqual(['core', 'base', 'quality', 'space-age']);
	});

	it('reads log lines pasted through Markdown, with escaped underscores', () => {
		// As in a Warp-Drive-Machine discussion on the portal.
		const log =
			'1.376 Loading mod settings Cold\\_biters 2.0.7 (settings.lua)\n1.422 Loading mod base 2.0.21 (data.lua)\n';
		const parsed = parseModFile('log.txt', log, catalog2024);
		expect(parsed.mods.map((m) => [m.name, m.version])).toEqual([['Cold_biters', '2.0.7']]);
		expect(parsed.spaceAge).toBe(false);
	});

	it('refuses a log without mod lines, a broken JSON file, credentials files and binary files', () => {
		const log =
			'   0.000 2025-07-01 10:00:00; Factorio 2.0.60 (build 83512, linux64, headless)\n   0.007 Running in headless mode\n';
		expect(() => parseModFile('factorio-current.log', log, catalog2024)).toThrow(/no lines naming the mods/);
		expect(() => parseModFile('mod-list.json', '{"mods": [', catalog2024)).toThrow(/mod-list.json is not valid JSON/);
		expect(() => parseModFile('x.json', '{"name": "x"}', catalog2024)).toThrow(/not a mod-list.json/);
		expect(() =>
			parseModFile(
				'player-data.json',
				JSON.stringify({ 'service-username': 'me', 'service-token': 'abc' }),
				catalog2024,
			),
		).toThrow(/never takes portal credentials/);
		expect(() =>
			parseModFile('server-settings.json', JSON.stringify({ name: 'x', username: 'me', token: 'abc' }), catalog2024),
		).toThrow(/never takes portal credentials/);
		expect(() => parseModFile('mods.zip', 'PK\u0003\u0004\u0000\u0000', catalog2024)).toThrow(/not text/);
	});

	it('reads a plain list of names when the file is neither JSON nor a log', () => {
		const parsed = parseModFile('mods.txt', 'flib\nFlare Stack\r\nYARM_1.0.5.zip\n', catalog2024);
		expect(parsed.format).toBe('list');
		expect(parsed.mods.map((m) => m.name)).toEqual(['flib', 'Flare Stack', 'YARM']);
	});
});
