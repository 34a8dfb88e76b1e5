import { describe, expect, it } from 'vitest';
import {
	ModFullSchema,
	ModListEntrySchema,
	ModListSchema,
	NotFoundBodySchema,
	ReleaseSchema,
} from '../../../src/services/portal/schemas.js';
import { fixtureJson } from '../../support/fixtures.js';

function record(value: unknown): Record<string, unknown> {
	expect(value).toBeTypeOf('object');
	return value as Record<string, unknown>;
}

describe('ModListSchema', () => {
	it('does parse the whole 2018 catalogue when page_size was huge', () => {
		const list = ModListSchema.parse(fixtureJson('portal/mods-max-2018-02-18.json'));
		expect(list.invalid).toBe(0);
		expect(list.mods).toHaveLength(2538);
		expect(list.pagination).toEqual({ count: 2538, page: 1, pageCount: 1, pageSize: 1_000_000 });
		const radar = list.mods[0]!;
		expect(radar).toMatchObject({ name: '015AdvancedRadar', owner: 'ChurchOrganist', downloadsCount: 3127, score: 0 });
		expect(radar.category).toBeUndefined();
		expect(radar.latestRelease).toMatchObject({ version: '0.15.1', factorioVersion: '0.15' });
	});

	it.each(['portal/mods-page1-2022.json', 'portal/mods-page2-2022.json'])('does parse the 2022 page %s', (path) => {
		const list = ModListSchema.parse(fixtureJson(path));
		expect(list.invalid).toBe(0);
		expect(list.mods).toHaveLength(25);
		expect(list.pagination?.count).toBe(9579);
		expect(list.pagination?.pageCount).toBe(384);
		expect(list.mods.every((mod) => mod.latestRelease !== undefined)).toBe(true);
		// Some 2022 entries have no category at all.
		if (path.includes('page1')) expect(list.mods.filter((mod) => mod.category === undefined)).toHaveLength(4);
	});
});

describe('ModListEntrySchema', () => {
	it('does parse the short Krastorio2 answer with all its releases', () => {
		const mod = ModListEntrySchema.parse(fixtureJson('portal/mod-short-Krastorio2-2022.json'));
		expect(mod).toMatchObject({ name: 'Krastorio2', title: 'Krastorio 2', category: 'big-mods' });
		expect(mod.releases).toHaveLength(33);
		expect(mod.latestRelease?.version).toBe('1.2.25');
		expect(mod.thumbnail).toBe('/assets/0bbd7809fe9151ac3f7cd1c3c604e13d4c8598d9.thumb.png');
	});
});

describe('ModFullSchema', () => {
	it('does parse 1000BagSize with its changelog, license and placeholder thumbnail', () => {
		const mod = ModFullSchema.parse(fixtureJson('portal/mod-full-1000BagSize-2021.json'));
		expect(mod).toMatchObject({
			name: '1000BagSize',
			changelog: 'created',
			createdAt: '2019-05-31T20:06:53.963000Z',
			license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
			deprecated: false,
		});
		expect(mod.thumbnail).toBeUndefined();
		expect(mod.homepage).toBeUndefined();
		expect(mod.releases.map((release) => release.version)).toEqual(['0.0.1', '0.1.0']);
		expect(mod.latestRelease).toMatchObject({
			version: '0.1.0',
			factorioVersion: '0.17.45',
			dependencies: ['base >= 0.17.0'],
		});
	});

	it('does pick the newest release by date when bobelectronics lists them out of order', () => {
		const mod = ModFullSchema.parse(fixtureJson('portal/mod-full-bobelectronics-2021-trimmed.json'));
		expect(mod.releases).toHaveLength(24);
		expect(mod.releases.at(-2)?.version).toBe('1.0.1');
		expect(mod.latestRelease?.version).toBe('1.1.3');
		expect(mod.releases.every((release) => (release.dependencies?.length ?? 0) === 3)).toBe(true);
		expect(mod.tags).toEqual(['general']);
	});

	it('does parse the anonymised 2022 shape with github_path and source_url', () => {
		const mod = ModFullSchema.parse(fixtureJson('portal/mod-full-anonymized-2022.json'));
		expect(mod).toMatchObject({
			name: 'mymod',
			sourceUrl: 'https://github.com/not/existing',
			homepage: 'https://example.com/',
			downloadsCount: 42,
			images: [],
		});
		expect(mod.latestRelease?.version).toBe('0.0.2');
	});

	it('does accept the short shape with empty extras', () => {
		const mod = ModFullSchema.parse(fixtureJson('portal/mod-short-Krastorio2-2022.json'));
		expect(mod.releases).toHaveLength(33);
		expect(mod.changelog).toBeUndefined();
		expect(mod.tags).toEqual([]);
	});
});

describe('modern-shapes-secondary.json', () => {
	const doc = record(fixtureJson('portal/modern-shapes-secondary.json'));
	const parsers: Record<string, (value: unknown) => unknown> = {
		'GET /api/mods?page_size=2&sort=updated_at': (value) => {
			const list = ModListSchema.parse(value);
			expect(list.invalid).toBe(0);
			expect(list.mods[0]).toMatchObject({ name: 'FastRunning', category: 'tweaks' });
			expect(list.pagination?.pageSize).toBe(2);
			return list;
		},
		'GET /api/mods?namelist=flib': (value) => {
			const list = ModListSchema.parse(value);
			expect(list.pagination).toBeUndefined();
			expect(list.mods[0]?.releases).toHaveLength(1);
			expect(list.mods[0]?.latestRelease?.version).toBe('0.1.0');
			return list;
		},
		'GET /api/mods/flib (short)': (value) => {
			const mod = ModListEntrySchema.parse(value);
			expect(mod).toMatchObject({ name: 'flib', score: -141.9, category: 'internal' });
			return mod;
		},
		'GET /api/mods/flib/full (truncated by doc author)': (value) => {
			const mod = ModFullSchema.parse(value);
			expect(mod).toMatchObject({ name: 'flib', sourceUrl: 'https://codeberg.org/raiguard/flib', tags: [] });
			expect(mod.latestRelease?.dependencies).toEqual(['base >= 0.18.19']);
			return mod;
		},
		'Release with feature_flags (from full endpoint; placeholders by doc author)': (value) => {
			const release = ReleaseSchema.parse(value);
			expect(release).toMatchObject({ version: '0.0.1', factorioVersion: '2.0', featureFlags: ['space-travel'] });
			expect(release.dependencies).toEqual(['base', 'space-age', '? quality']);
			return release;
		},
		// The image schema is not exported on its own: parse it where the portal puts it.
		'Image object (from full endpoint)': (value) => {
			const mod = ModFullSchema.parse({ name: 'holder', images: [value] });
			expect(mod.images).toHaveLength(1);
			expect(mod.images[0]?.url).toMatch(/^https:\/\/assets-mod\.factorio\.com\/assets\/.+\.png$/);
			return mod;
		},
		'404 error (GET /api/mods/{unknown}[/full])': (value) => {
			const body = NotFoundBodySchema.parse(value);
			expect(body.message).toBe('Mod not found');
			return body;
		},
		'Out-of-range page (HTTP 200)': (value) => {
			const list = ModListSchema.parse(value);
			expect(list.mods).toEqual([]);
			expect(list.pagination?.page).toBe(99999);
			return list;
		},
	};

	it('does have a parser for every example key when the file is read', () => {
		expect(
			Object.keys(doc)
				.filter((key) => key !== '_provenance')
				.sort(),
		).toEqual(Object.keys(parsers).sort());
	});

	it.each(Object.keys(parsers))('does parse the example "%s"', (key) => {
		expect(doc[key]).toBeDefined();
		expect(parsers[key]!(doc[key])).toBeDefined();
	});
});
