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

describe('ModFullSchema when the portal sends fields of unexpected types', () => {
	const recorded = () => record(structuredClone(fixtureJson('portal/mod-full-bobelectronics-2021-trimmed.json')));
	const releasesOf = (raw: Record<string, unknown>) => raw.releases as Record<string, unknown>[];
	const spoilRelease = (raw: Record<string, unknown>, index: number, value: unknown) => {
		(raw.releases as unknown[])[index] = value;
	};

	it.each<[string, (raw: Record<string, unknown>) => void]>([
		['changelog is a number', (raw) => (raw.changelog = 42)],
		['tags is an object', (raw) => (raw.tags = { name: 'logistics' })],
		['tag is a number', (raw) => (raw.tag = 7)],
		['license is a string', (raw) => (raw.license = 'MIT')],
		['deprecated is "yes"', (raw) => (raw.deprecated = 'yes')],
		['images is not an array', (raw) => (raw.images = 'https://example.com/a.png')],
		['title is an array', (raw) => (raw.title = ['a', 'b'])],
		['owner is an object', (raw) => (raw.owner = { name: 'Bobingabout' })],
		['summary is a boolean', (raw) => (raw.summary = true)],
		['downloads_count is a string', (raw) => (raw.downloads_count = '1,234')],
		['score is null', (raw) => (raw.score = null)],
		['category is a number', (raw) => (raw.category = 3)],
		['thumbnail is an object', (raw) => (raw.thumbnail = { url: '/x.png' })],
		['created_at is a number', (raw) => (raw.created_at = 1_600_000_000)],
		['source_url is an array', (raw) => (raw.source_url = ['https://github.com/x'])],
		['homepage is a number', (raw) => (raw.homepage = 0)],
		['description is an object', (raw) => (raw.description = { markdown: '# hi' })],
		['latest_release is a string', (raw) => (raw.latest_release = '1.1.3')],
		['one release has no version', (raw) => delete releasesOf(raw)[0]!.version],
		['one release has a numeric version', (raw) => (releasesOf(raw)[1]!.version = 101)],
		[
			'one release is a string',
			(raw) => {
				spoilRelease(raw, 2, 'garbage');
			},
		],
		['one release has info_json as a string', (raw) => (releasesOf(raw)[3]!.info_json = 'base')],
		[
			'info_json.dependencies contains a number',
			(raw) => ((releasesOf(raw)[4]!.info_json as Record<string, unknown>).dependencies = ['base >= 1.1', 5, null]),
		],
		[
			'info_json.dependencies is a string',
			(raw) => ((releasesOf(raw)[5]!.info_json as Record<string, unknown>).dependencies = 'base'),
		],
		['feature_flags is a number', (raw) => (releasesOf(raw)[6]!.feature_flags = 1)],
		['released_at is a number', (raw) => (releasesOf(raw)[7]!.released_at = 12)],
	])('does keep the mod when %s', (_case, spoil) => {
		const raw = recorded();
		spoil(raw);
		const parsed = ModFullSchema.safeParse(raw);
		expect(parsed.success).toBe(true);
		if (!parsed.success) return;
		expect(parsed.data.name).toBe('bobelectronics');
		expect(parsed.data.releases.length).toBeGreaterThanOrEqual(21);
		expect(parsed.data.latestRelease?.version).toBe('1.1.3');
	});

	it('does fall back to absent, one field at a time, when every extra field has drifted at once', () => {
		const raw = recorded();
		Object.assign(raw, {
			changelog: 42,
			tags: { a: 1 },
			license: 'MIT',
			deprecated: 'yes',
			images: 'none',
			downloads_count: 'many',
			title: 5,
			owner: [],
		});
		const mod = ModFullSchema.parse(raw);
		expect(mod).toMatchObject({
			name: 'bobelectronics',
			title: 'bobelectronics',
			owner: '',
			downloadsCount: 0,
			changelog: undefined,
			// The 2021 body also has the older single `tag`, which stands in for the unreadable `tags`.
			tags: ['general'],
			license: undefined,
			deprecated: false,
			images: [],
		});
		expect(mod.releases).toHaveLength(24);
	});

	it('does drop only the malformed releases and their unreadable dependencies when releases drift', () => {
		const raw = recorded();
		const releases = releasesOf(raw);
		delete releases[0]!.version;
		releases[1]!.version = '   ';
		(releases[2]!.info_json as Record<string, unknown>).dependencies = ['base >= 0.18', 7, { name: 'x' }];
		const mod = ModFullSchema.parse(raw);
		expect(mod.releases).toHaveLength(22);
		expect(mod.releases[0]?.dependencies).toEqual(['base >= 0.18']);
	});

	it('does give no releases but keep the mod when releases is not an array', () => {
		const raw = recorded();
		raw.releases = { '1.1.3': {} };
		const mod = ModFullSchema.parse(raw);
		expect(mod.name).toBe('bobelectronics');
		expect(mod.releases).toEqual([]);
	});

	it.each<[string, unknown]>([
		['name is missing', { title: 'No name' }],
		['name is a number', { name: 5 }],
		['name is empty', { name: '' }],
		['the body is an array', []],
	])('does refuse the mod when %s', (_case, body) => {
		expect(ModFullSchema.safeParse(body).success).toBe(false);
	});

	it('does keep a list entry with drifted fields in the catalogue instead of counting it invalid', () => {
		const list = record(structuredClone(fixtureJson('portal/mods-page1-2022.json')));
		const results = list.results as Record<string, unknown>[];
		results[0]!.downloads_count = 'lots';
		results[1]!.latest_release = { version: 3 };
		results[2]!.summary = { text: 'x' };
		const parsed = ModListSchema.parse(list);
		expect(parsed.invalid).toBe(0);
		expect(parsed.mods).toHaveLength(25);
		expect(parsed.mods[0]?.downloadsCount).toBe(0);
		expect(parsed.mods[1]?.latestRelease).toBeUndefined();
	});
});
