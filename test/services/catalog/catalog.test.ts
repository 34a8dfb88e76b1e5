import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import {
	Catalog,
	CatalogRefreshError,
	type CatalogListParams,
	type ModListSource,
} from '../../../src/services/catalog/catalog.js';
import type { ModList, ModSummary } from '../../../src/services/portal/schemas.js';
import { searchLine } from '../../../src/render/searchPage.js';
import { inMemoryEntry } from '../../support/catalogEntry.js';
import { CatalogStore } from '../../../src/storage/catalogStore.js';
import { openDatabase, type OpenDatabase } from '../../../src/storage/database.js';

/** A complete ModSummary as the portal schema produces it; `released` is the latest release date. */
function mod(
	name: string,
	options: {
		title?: string;
		owner?: string;
		summary?: string;
		downloads?: number;
		category?: string;
		factorio?: string;
		released?: string;
	} = {},
): ModSummary {
	return {
		name,
		title: options.title ?? name,
		owner: options.owner ?? 'someone',
		summary: options.summary ?? '',
		downloadsCount: options.downloads ?? 0,
		category: options.category,
		score: 0,
		thumbnail: undefined,
		latestRelease: {
			version: '1.0.0',
			releasedAt: options.released ?? '2024-01-01T00:00:00.000Z',
			factorioVersion: options.factorio ?? '2.0',
			dependencies: undefined,
			downloadUrl: `/download/${name}/1`,
			fileName: `${name}_1.0.0.zip`,
			sha1: undefined,
			featureFlags: [],
		},
		releases: undefined,
	};
}

const MODS: ModSummary[] = [
	mod('Squeak Through', {
		owner: 'Supercheese',
		summary: 'Walk between pipes and machines.',
		downloads: 130_000,
		category: 'tweaks',
		factorio: '2.0',
		released: '2024-10-21T10:00:00.000Z',
	}),
	mod('LogisticTrainNetwork', {
		title: 'LTN - Logistic Train Network',
		owner: 'Optera',
		summary: 'Train stops that dispatch trains by demand.',
		downloads: 77_000,
		category: 'content',
		factorio: '1.1',
		released: '2023-05-02T10:00:00.000Z',
	}),
	mod('even-distribution', {
		title: 'Even Distribution',
		owner: 'Optera',
		downloads: 30_000,
		category: 'utilities',
		factorio: '2.0.7',
		released: '2024-11-30T10:00:00.000Z',
	}),
	mod('FARL', {
		title: 'Fully Automated Rail Layer',
		owner: 'Choumiko',
		downloads: 200_000,
		category: 'content',
		factorio: '0.18',
		released: '2020-06-01T10:00:00.000Z',
	}),
	mod('old-thing', {
		title: 'Old Thing',
		owner: 'optera',
		downloads: 50,
		category: undefined,
		factorio: '0.9',
		released: '2014-01-01T10:00:00.000Z',
	}),
	mod('tiny-tweak', {
		title: 'Tiny Tweak',
		owner: 'Someone',
		downloads: 10,
		category: 'tweaks',
		factorio: '0.17',
		released: '2019-03-03T10:00:00.000Z',
	}),
];

const names = (mods: readonly ModSummary[]) => mods.map((m) => m.name);

interface FakeSourceOptions {
	mods?: ModSummary[];
	invalid?: number;
	newest?: string[];
	failList?: Error;
	failNewest?: Error;
}

/** A plain stand-in for the portal client's `listMods` (the HTTP fake portal is used by the e2e tests). */
class FakeSource implements ModListSource {
	readonly calls: (CatalogListParams | undefined)[] = [];
	constructor(public options: FakeSourceOptions = {}) {}

	listMods(params?: CatalogListParams): Promise<ModList> {
		this.calls.push(params);
		const { mods = MODS, invalid = 0, newest = [], failList, failNewest } = this.options;
		if (params?.sort === 'created_at') {
			if (failNewest) return Promise.reject(failNewest);
			const byName = new Map(mods.map((m) => [m.name, m]));
			return Promise.resolve({ pagination: undefined, mods: newest.flatMap((n) => byName.get(n) ?? []), invalid: 0 });
		}
		if (failList) return Promise.reject(failList);
		return Promise.resolve({ pagination: undefined, mods, invalid });
	}
}

function logCapture() {
	const lines: { level: number; msg: string }[] = [];
	const stream = new Writable({
		write(chunk: Buffer, _encoding, callback) {
			lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
			callback();
		},
	});
	return { log: createLogger('debug', stream), lines };
}

const databases: OpenDatabase[] = [];
afterEach(async () => {
	for (const database of databases.splice(0)) await database.close();
});

/** A catalog store on a new in-memory SQLite database, closed after the test. */
async function memoryStore(): Promise<CatalogStore> {
	const database = await openDatabase('sqlite://:memory:');
	databases.push(database);
	return new CatalogStore(database.db);
}

async function filledCatalog(store?: CatalogStore): Promise<Catalog> {
	const catalog = new Catalog({ store });
	await catalog.replace(MODS, {
		createdOrder: ['tiny-tweak', 'FARL'],
		fetchedAt: new Date('2025-01-02T03:04:05.000Z'),
	});
	return catalog;
}

describe('Catalog persistence', () => {
	it('does report nothing loaded when the store is empty', async () => {
		const catalog = new Catalog({ store: await memoryStore() });
		expect(await catalog.load()).toBe(false);
		expect(catalog.size).toBe(0);
		expect(catalog.fetchedAt).toBeUndefined();
		expect(catalog.search({ query: 'squeak' })).toEqual({ total: 0, mods: [] });
		expect(catalog.autocomplete('')).toEqual([]);
	});

	it('does report nothing loaded when there is no store', async () => {
		const catalog = await filledCatalog();
		expect(await catalog.load()).toBe(false);
		expect(catalog.size).toBe(MODS.length);
	});

	it('does search the same after a restart when a new catalog loads the same store', async () => {
		const store = await memoryStore();
		const first = await filledCatalog(store);
		const second = new Catalog({ store });
		expect(await second.load()).toBe(true);
		expect(second.size).toBe(MODS.length);
		expect(second.all()).toEqual(first.all());
		expect(second.fetchedAt?.toISOString()).toBe('2025-01-02T03:04:05.000Z');
		for (const query of ['squeak', 'logistic train', 'ltn', 'optera', 'farl']) {
			expect(names(second.search({ query }).mods)).toEqual(names(first.search({ query }).mods));
		}
		expect(names(second.search({ sort: 'created', limit: 3 }).mods)).toEqual([
			'tiny-tweak',
			'FARL',
			'even-distribution',
		]);
		expect(second.get('FARL')).toEqual(inMemoryEntry(MODS[3] ?? mod('missing')));
	});

	it('does keep non-ASCII text intact when the catalog is stored and loaded', async () => {
		const store = await memoryStore();
		const odd = mod('Zügé-中文', {
			title: 'Émile’s 中文 mod 🚂',
			owner: 'Ünïcode',
			summary: 'Tschüß — ¡olé! 𝔉𝔞𝔠𝔱𝔬𝔯𝔦𝔬',
		});
		await new Catalog({ store }).replace([odd, ...MODS]);
		const reloaded = new Catalog({ store });
		expect(await reloaded.load()).toBe(true);
		expect(reloaded.get('Zügé-中文')).toEqual(inMemoryEntry(odd));
		expect(reloaded.resolve('émile’s 中文 mod 🚂')?.name).toBe('Zügé-中文');
	});

	it('does store list entries whole and render its lighter in-memory entries the same', async () => {
		const store = await memoryStore();
		const full: ModSummary = {
			...mod('Kit-Mod', { owner: 'Supercheese', category: 'tweaks', factorio: '2.0', downloads: 12_345 }),
			thumbnail: '/assets/0123456789abcdef.thumb.png',
			score: 4.5,
		};
		const withFiles: ModSummary = {
			...full,
			latestRelease: full.latestRelease && {
				...full.latestRelease,
				sha1: '0123456789abcdef0123456789abcdef01234567',
				dependencies: ['base >= 2.0'],
				featureFlags: ['space-travel'],
			},
		};
		const catalog = new Catalog({ store });
		await catalog.replace([withFiles, ...MODS]);
		const stored: unknown[] = [];
		for await (const chunk of store.rows()) for (const row of chunk) stored.push(JSON.parse(row.data));
		expect(stored[0]).toEqual(JSON.parse(JSON.stringify(withFiles)));

		const entry = catalog.get('Kit-Mod');
		expect(entry).toEqual(inMemoryEntry(withFiles));
		expect(entry?.latestRelease?.sha1).toBeUndefined();
		const links = { portalUrl: 'https://mods.factorio.com', assetsUrl: 'https://assets-mod.factorio.com' };
		expect(entry && searchLine(links, entry)).toBe(searchLine(links, withFiles));
		for (const original of MODS) {
			const kept = catalog.get(original.name);
			expect(kept && searchLine(links, kept)).toBe(searchLine(links, original));
		}
		// A restart from that store gives the same in-memory entry.
		const reloaded = new Catalog({ store });
		expect(await reloaded.load()).toBe(true);
		expect(reloaded.get('Kit-Mod')).toEqual(entry);
	});

	it('does not store anything when replace is told not to persist', async () => {
		const store = await memoryStore();
		await new Catalog({ store }).replace(MODS, { persist: false });
		expect(await new Catalog({ store }).load()).toBe(false);
	});

	it('does return false and log a warning when the stored meta is not a catalog’s', async () => {
		for (const junk of ['not json {', JSON.stringify({ fetchedAt: 'yesterday' }), '[1,2,3]', '42']) {
			const database = await openDatabase('sqlite://:memory:');
			databases.push(database);
			await database.db.insertInto('state').values({ key: 'catalog.meta', value: junk }).execute();
			const { log, lines } = logCapture();
			const catalog = new Catalog({ store: new CatalogStore(database.db), log });
			expect(await catalog.load()).toBe(false);
			expect(catalog.size).toBe(0);
			expect(lines.some((line) => line.level === 40)).toBe(true);
		}
	});

	it('does leave out stored rows that fail validation and keeps the rest', async () => {
		const database = await openDatabase('sqlite://:memory:');
		databases.push(database);
		const store = new CatalogStore(database.db);
		await store.replace(
			[
				{ name: 'Squeak Through', data: JSON.stringify(MODS[0]) },
				{ name: 'broken', data: JSON.stringify({ name: 'broken', downloadsCount: 'many' }) },
				{ name: 'not-json', data: '{' },
				{ name: 'impostor', data: JSON.stringify(MODS[2]) },
				{ name: 'LogisticTrainNetwork', data: JSON.stringify(MODS[1]) },
			],
			{ fetchedAt: Date.parse('2025-01-01T00:00:00.000Z'), createdOrder: [] },
		);
		const { log, lines } = logCapture();
		const catalog = new Catalog({ store, log });
		expect(await catalog.load()).toBe(true);
		expect(names(catalog.all())).toEqual(['Squeak Through', 'LogisticTrainNetwork']);
		expect(lines.find((line) => line.level === 40)?.msg).toMatch(/failed validation/);
	});

	it('does log an error and keep the catalog in memory when the store cannot be written', async () => {
		const database = await openDatabase('sqlite://:memory:');
		const store = new CatalogStore(database.db);
		await database.close();
		const { log, lines } = logCapture();
		const catalog = new Catalog({ store, log });
		await catalog.replace(MODS);
		expect(catalog.size).toBe(MODS.length);
		expect(lines.find((line) => line.level === 50)?.msg).toMatch(/could not store the catalog/);
	});

	it('does keep the newest data when replaces overlap', async () => {
		const store = await memoryStore();
		const catalog = new Catalog({ store });
		// The first list is big enough to be indexed in several event-loop turns, so it would finish last if unqueued.
		const big = Array.from({ length: 5_000 }, (_, i) => mod(`bulk-${i}`, { title: `Bulk mod number ${i}` }));
		const first = catalog.replace(big);
		const second = catalog.replace(MODS.slice(0, 2));
		await Promise.all([first, second]);
		expect(catalog.size).toBe(2);
		const reloaded = new Catalog({ store });
		expect(await reloaded.load()).toBe(true);
		expect(reloaded.size).toBe(2);
	});

	it('does keep the first entry when the list repeats a name', async () => {
		const catalog = new Catalog();
		await catalog.replace([MODS[0]!, { ...MODS[0]!, title: 'Impostor' }, MODS[1]!]);
		expect(catalog.size).toBe(2);
		expect(catalog.get('Squeak Through')?.title).toBe('Squeak Through');
	});

	it('does search the same after a restart when the store is an SQLite file', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'catalog-test-'));
		try {
			const url = `sqlite://${join(dir, 'bot.sqlite')}`;
			const firstDatabase = await openDatabase(url);
			const first = await filledCatalog(new CatalogStore(firstDatabase.db));
			await firstDatabase.close();

			const secondDatabase = await openDatabase(url);
			const second = new Catalog({ store: new CatalogStore(secondDatabase.db) });
			expect(await second.load()).toBe(true);
			expect(second.all()).toEqual(first.all());
			expect(second.fetchedAt).toEqual(first.fetchedAt);
			expect(names(second.search({ query: 'logistic train' }).mods)).toEqual(['LogisticTrainNetwork']);
			expect(names(second.search({ sort: 'created', limit: 2 }).mods)).toEqual(['tiny-tweak', 'FARL']);
			await secondDatabase.close();
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});

describe('Catalog.refresh', () => {
	it('does fetch the whole list and the newest page with the agreed parameters', async () => {
		const source = new FakeSource({ invalid: 2, newest: ['tiny-tweak', 'Squeak Through'] });
		const catalog = new Catalog();
		const result = await catalog.refresh(source);
		expect(source.calls).toEqual([
			{ pageSize: 'max', hideDeprecated: false },
			{ sort: 'created_at', sortOrder: 'desc', pageSize: 500, hideDeprecated: false },
		]);
		expect(result.count).toBe(MODS.length);
		expect(result.added).toEqual(names(MODS));
		expect(result.removed).toEqual([]);
		expect(result.invalid).toBe(2);
		expect(result.durationMs).toBeGreaterThanOrEqual(0);
		expect(catalog.fetchedAt).toBeInstanceOf(Date);
		expect(names(catalog.search({ sort: 'created', limit: 3 }).mods)).toEqual([
			'tiny-tweak',
			'Squeak Through',
			'even-distribution',
		]);
	});

	it('does report added and removed names and persist the new list when the portal changes', async () => {
		const store = await memoryStore();
		const catalog = new Catalog({ store });
		await catalog.refresh(new FakeSource());
		const next = [...MODS.filter((m) => m.name !== 'old-thing'), mod('brand-new', { downloads: 1 })];
		const result = await catalog.refresh(new FakeSource({ mods: next }));
		expect(result).toMatchObject({ count: MODS.length, added: ['brand-new'], removed: ['old-thing'], invalid: 0 });
		const reloaded = new Catalog({ store });
		expect(await reloaded.load()).toBe(true);
		expect(reloaded.get('brand-new')).toBeDefined();
		expect(reloaded.get('old-thing')).toBeUndefined();
	});

	it('does throw the portal error and keep the old catalog when the list request fails', async () => {
		const catalog = await filledCatalog();
		const failure = new Error('portal unavailable');
		await expect(catalog.refresh(new FakeSource({ failList: failure, mods: [] }))).rejects.toBe(failure);
		expect(catalog.size).toBe(MODS.length);
		expect(catalog.fetchedAt?.toISOString()).toBe('2025-01-02T03:04:05.000Z');
		expect(names(catalog.search({ query: 'squeak' }).mods)).toEqual(['Squeak Through']);
	});

	it('does keep the previous creation order and log a warning when the newest page fails', async () => {
		const { log, lines } = logCapture();
		const catalog = new Catalog({ log });
		await catalog.refresh(new FakeSource({ newest: ['old-thing', 'FARL'] }));
		const result = await catalog.refresh(new FakeSource({ failNewest: new Error('boom') }));
		expect(result.count).toBe(MODS.length);
		expect(names(catalog.search({ sort: 'created', limit: 2 }).mods)).toEqual(['old-thing', 'FARL']);
		expect(lines.some((line) => line.level === 40 && /newest/.test(line.msg))).toBe(true);
	});

	it('does refuse an answer without valid entries and keep the old catalog', async () => {
		const catalog = await filledCatalog();
		await expect(catalog.refresh(new FakeSource({ mods: [], invalid: 0 }))).rejects.toBeInstanceOf(CatalogRefreshError);
		await expect(catalog.refresh(new FakeSource({ mods: MODS.slice(0, 1), invalid: 5 }))).rejects.toThrow(
			/1 valid and 5 invalid/,
		);
		expect(catalog.size).toBe(MODS.length);
	});

	it('does accept an empty portal list when the catalog is empty too', async () => {
		const catalog = new Catalog();
		const result = await catalog.refresh(new FakeSource({ mods: [] }));
		expect(result.count).toBe(0);
		expect(catalog.fetchedAt).toBeInstanceOf(Date);
	});
});

describe('Catalog.resolve', () => {
	it.each([
		['Squeak Through', 'exact name with a space'],
		['  Squeak Through  ', 'untrimmed input'],
		['squeak through', 'name ignoring case'],
		['https://mods.factorio.com/mod/Squeak%20Through?from=search', 'portal link with an escape and a query'],
		['https://mods.factorio.com/mod/Squeak%20Through/changelog', 'changelog tab link'],
		['https://mods.factorio.com/mod/Squeak%20Through/', 'link with a trailing slash'],
		['mods.factorio.com/mod/Squeak%20Through', 'link without a scheme'],
		['/mod/Squeak Through', 'path only'],
		['/mod/Squeak%20Through/', 'path with a trailing slash'],
		['<https://mods.factorio.com/mod/Squeak%20Through>', 'link in angle brackets'],
	])('does find Squeak Through when given %j (%s)', async (input) => {
		const catalog = await filledCatalog();
		expect(catalog.resolve(input)?.name).toBe('Squeak Through');
	});

	it('does resolve titles and camelCase names ignoring case', async () => {
		const catalog = await filledCatalog();
		expect(catalog.resolve('ltn - logistic train network')?.name).toBe('LogisticTrainNetwork');
		expect(catalog.resolve('logistictrainnetwork')?.name).toBe('LogisticTrainNetwork');
		expect(catalog.resolve('Fully Automated Rail Layer')?.name).toBe('FARL');
		expect(catalog.resolve('https://mods.factorio.com/mod/even-distribution')?.name).toBe('even-distribution');
	});

	it('does prefer the more downloaded mod when two names differ only in case', async () => {
		const catalog = new Catalog();
		await catalog.replace([
			mod('farl', { downloads: 5 }),
			mod('FARL', { downloads: 500 }),
			mod('Farl', { downloads: 50 }),
		]);
		expect(catalog.resolve('Farl')?.downloadsCount).toBe(50);
		expect(catalog.resolve('fArL')?.downloadsCount).toBe(500);
	});

	it('does return undefined when nothing matches exactly', async () => {
		const catalog = await filledCatalog();
		for (const input of ['', '   ', 'squeak', 'Squeak Throug', 'https://mods.factorio.com/mod/Nope', '/mod/']) {
			expect(catalog.resolve(input)).toBeUndefined();
		}
	});

	it('does match get() only on the exact case-sensitive name', async () => {
		const catalog = await filledCatalog();
		expect(catalog.get('FARL')?.name).toBe('FARL');
		expect(catalog.get('farl')).toBeUndefined();
	});
});

describe('Catalog.search', () => {
	it('does filter by Factorio version, category and owner', async () => {
		const catalog = await filledCatalog();
		expect(names(catalog.search({ filters: { factorioVersion: '2.0' } }).mods)).toEqual([
			'Squeak Through',
			'even-distribution',
		]);
		expect(names(catalog.search({ filters: { factorioVersion: '2.0.28' } }).mods)).toEqual([
			'Squeak Through',
			'even-distribution',
		]);
		expect(names(catalog.search({ filters: { category: 'Tweaks' } }).mods)).toEqual(['Squeak Through', 'tiny-tweak']);
		expect(names(catalog.search({ filters: { category: 'no-category' } }).mods)).toEqual(['old-thing']);
		expect(names(catalog.search({ filters: { owner: 'OPTERA' } }).mods)).toEqual([
			'LogisticTrainNetwork',
			'even-distribution',
			'old-thing',
		]);
		expect(names(catalog.search({ filters: { owner: 'optera', factorioVersion: '2.0' } }).mods)).toEqual([
			'even-distribution',
		]);
		expect(names(catalog.search({ query: 'train', filters: { category: 'tweaks' } }).mods)).toEqual([]);
		expect(names(catalog.search({ query: 'train', filters: { category: 'content' } }).mods)).toContain(
			'LogisticTrainNetwork',
		);
		expect(catalog.search({ filters: { owner: '  ', category: '', factorioVersion: '' } }).total).toBe(MODS.length);
	});

	it('does sort by downloads, latest release and creation when asked', async () => {
		const catalog = await filledCatalog();
		expect(names(catalog.search({ sort: 'downloads' }).mods)).toEqual([
			'FARL',
			'Squeak Through',
			'LogisticTrainNetwork',
			'even-distribution',
			'old-thing',
			'tiny-tweak',
		]);
		expect(names(catalog.search({}).mods)).toEqual(names(catalog.search({ sort: 'downloads' }).mods));
		expect(names(catalog.search({ sort: 'updated' }).mods)).toEqual([
			'even-distribution',
			'Squeak Through',
			'LogisticTrainNetwork',
			'FARL',
			'tiny-tweak',
			'old-thing',
		]);
		// The newest page first (tiny-tweak, FARL), then the rest by latest release.
		expect(names(catalog.search({ sort: 'created' }).mods)).toEqual([
			'tiny-tweak',
			'FARL',
			'even-distribution',
			'Squeak Through',
			'LogisticTrainNetwork',
			'old-thing',
		]);
		expect(names(catalog.search({ query: 'optera', sort: 'updated' }).mods)).toEqual([
			'even-distribution',
			'LogisticTrainNetwork',
			'old-thing',
		]);
	});

	it('does ignore unknown names in the creation order and sorts undated mods last', async () => {
		const catalog = new Catalog();
		const undated = { ...mod('undated'), latestRelease: undefined };
		await catalog.replace(
			[mod('a', { released: '2020-01-01T00:00:00Z' }), undated, mod('b', { released: '2021-01-01T00:00:00Z' })],
			{
				createdOrder: ['gone', 'a', 'a'],
			},
		);
		expect(names(catalog.search({ sort: 'created' }).mods)).toEqual(['a', 'b', 'undated']);
		expect(names(catalog.search({ sort: 'updated' }).mods)).toEqual(['b', 'a', 'undated']);
		expect(catalog.factorioVersions()).toEqual(['2.0']);
	});

	it('does page through results with offset and limit and report the total', async () => {
		const catalog = await filledCatalog();
		const all = names(catalog.search({ limit: 100 }).mods);
		expect(all).toHaveLength(MODS.length);
		expect(catalog.search({}).mods).toHaveLength(MODS.length); // default limit 10 > 6
		const page2 = catalog.search({ offset: 2, limit: 2 });
		expect(page2.total).toBe(MODS.length);
		expect(names(page2.mods)).toEqual(all.slice(2, 4));
		expect(catalog.search({ offset: 50, limit: 5 })).toEqual({ total: MODS.length, mods: [] });
		expect(catalog.search({ limit: 0 }).mods).toEqual([]);
		expect(catalog.search({ offset: -3, limit: 1 }).mods).toHaveLength(1);

		const many = new Catalog();
		await many.replace(Array.from({ length: 25 }, (_, i) => mod(`mod-${i}`, { downloads: i })));
		const first = many.search({});
		expect(first.total).toBe(25);
		expect(first.mods).toHaveLength(10);
	});

	it('does find mods by camelCase parts, initialisms, owner and summary words', async () => {
		const catalog = await filledCatalog();
		expect(names(catalog.search({ query: 'logistic train' }).mods)[0]).toBe('LogisticTrainNetwork');
		expect(names(catalog.search({ query: 'ltn' }).mods)[0]).toBe('LogisticTrainNetwork');
		expect(names(catalog.search({ query: 'farl' }).mods)[0]).toBe('FARL');
		expect(names(catalog.search({ query: 'supercheese' }).mods)).toEqual(['Squeak Through']);
		expect(names(catalog.search({ query: 'pipes machines' }).mods)).toEqual(['Squeak Through']);
		expect(catalog.search({ query: 'zzzzqqq' })).toEqual({ total: 0, mods: [] });
	});
});

describe('Catalog lookups for commands', () => {
	it('does list the most downloaded mods when autocomplete gets an empty query', async () => {
		const catalog = await filledCatalog();
		expect(names(catalog.autocomplete('', 3))).toEqual(['FARL', 'Squeak Through', 'LogisticTrainNetwork']);
		expect(catalog.autocomplete('  ')).toHaveLength(MODS.length);
		expect(names(catalog.autocomplete('squeak thr'))).toEqual(['Squeak Through']);
		// One letter: mods with a word starting with it, most downloaded first (FARL has no such word).
		expect(names(catalog.autocomplete('t', 2))).toEqual(['Squeak Through', 'LogisticTrainNetwork']);
	});

	it('does suggest close names when a name was not found', async () => {
		const catalog = await filledCatalog();
		expect(names(catalog.suggest('squeakthrogh'))[0]).toBe('Squeak Through');
		expect(names(catalog.suggest('even-distributon'))[0]).toBe('even-distribution');
		expect(names(catalog.suggest('https://mods.factorio.com/mod/LogisticTrainNetwrk'))[0]).toBe('LogisticTrainNetwork');
		expect(catalog.suggest('qqqqqqqqqqqqqq')).toEqual([]);
		expect(catalog.suggest('squeak', 1)).toHaveLength(1);
	});

	it('does complete owners by prefix, word and typo ordered by total downloads', async () => {
		const catalog = await filledCatalog();
		expect(catalog.owners('')).toEqual(['Choumiko', 'Supercheese', 'Optera', 'optera', 'Someone']);
		expect(catalog.owners('', 3)).toEqual(['Choumiko', 'Supercheese', 'Optera']);
		expect(catalog.owners('opt')).toEqual(['Optera', 'optera']);
		expect(catalog.owners('OPTERA')).toEqual(['Optera', 'optera']);
		expect(catalog.owners('cheese')).toEqual(['Supercheese']);
		expect(catalog.owners('chomiko')).toEqual(['Choumiko']);
		expect(catalog.owners('zzz')).toEqual([]);
	});

	it('does list categories and Factorio versions present, versions newest first', async () => {
		const catalog = await filledCatalog();
		expect(catalog.categories()).toEqual(['content', 'tweaks', 'utilities']);
		expect(catalog.factorioVersions()).toEqual(['2.0', '1.1', '0.18', '0.17', '0.9']);
		expect(names(catalog.all())).toEqual(names(MODS));
	});
});
