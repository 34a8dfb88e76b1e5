import { afterEach, describe, expect, it } from 'vitest';
import { syntheticCatalogue } from '../../bench/synthetic.js';
import { Catalog } from '../../src/services/catalog/catalog.js';
import type { ModSummary } from '../../src/services/portal/schemas.js';
import { CatalogStore, type CatalogRow } from '../../src/storage/catalogStore.js';
import type { OpenDatabase } from '../../src/storage/database.js';
import { readState } from '../../src/storage/state.js';
import { inMemoryEntry } from '../support/catalogEntry.js';
import { ENGINES, openTestDatabase } from '../support/database.js';

const rows = (mods: readonly ModSummary[]): CatalogRow[] =>
	mods.map((mod) => ({ name: mod.name, data: JSON.stringify(mod) }));

describe.each(ENGINES)('the catalog in the %s store', (engine) => {
	let database: OpenDatabase | undefined;
	afterEach(async () => {
		await database?.close();
		database = undefined;
	});

	it('does load 20,000 mods back unchanged and in the portal’s order when a new catalog reads the store', async () => {
		database = await openTestDatabase(engine);
		const mods = syntheticCatalogue(20_000);
		const store = new CatalogStore(database.db);
		const fetchedAt = Date.parse('2025-06-01T12:00:00.000Z');
		const written = await store.replace(rows(mods), { fetchedAt, createdOrder: [mods[7]!.name, mods[3]!.name] });
		expect(written).toEqual({ written: 20_000, deleted: 0 });

		const catalog = new Catalog({ store: new CatalogStore(database.db) });
		expect(await catalog.load()).toBe(true);
		// In memory without the latest release's download fields (see catalogEntry); the store keeps them.
		expect(catalog.all()).toEqual(mods.map(inMemoryEntry));
		expect(catalog.fetchedAt?.getTime()).toBe(fetchedAt);
		expect(catalog.search({ sort: 'created', limit: 2 }).mods.map((mod) => mod.name)).toEqual([
			mods[7]!.name,
			mods[3]!.name,
		]);
	});

	it('does write only the changed, new and removed mods when the list is stored again', async () => {
		database = await openTestDatabase(engine);
		const mods = syntheticCatalogue(3_000);
		const store = new CatalogStore(database.db);
		await store.replace(rows(mods), { fetchedAt: 1, createdOrder: [] });
		const next = [...mods.slice(0, -1), { ...mods.at(-1)!, name: 'brand-new' }];
		next[5] = { ...next[5]!, downloadsCount: next[5]!.downloadsCount + 1 };
		expect(await store.replace(rows(next), { fetchedAt: 2, createdOrder: ['brand-new'] })).toEqual({
			written: 2,
			deleted: 1,
		});
		expect(await store.replace(rows(next), { fetchedAt: 3, createdOrder: [] })).toEqual({ written: 0, deleted: 0 });
		const names: string[] = [];
		for await (const chunk of store.rows()) names.push(...chunk.map((row) => row.name));
		expect(names).toEqual(next.map((mod) => mod.name));
		expect(await store.readMeta()).toEqual({ fetchedAt: 3, createdOrder: [] });
	});

	it('does keep the previous catalog whole when a write fails halfway', async () => {
		database = await openTestDatabase(engine);
		const mods = syntheticCatalogue(1_500);
		const store = new CatalogStore(database.db);
		await store.replace(rows(mods), { fetchedAt: 1, createdOrder: [] });
		function* failing(): Generator<CatalogRow> {
			for (const [index, mod] of mods.entries()) {
				if (index === 1_200) throw new Error('the list broke off');
				yield { name: `other-${mod.name}`, data: JSON.stringify(mod) };
			}
		}
		await expect(store.replace(failing(), { fetchedAt: 2, createdOrder: [] })).rejects.toThrow('the list broke off');
		const names: string[] = [];
		for await (const chunk of store.rows()) names.push(...chunk.map((row) => row.name));
		expect(names).toEqual(mods.map((mod) => mod.name));
		expect(await readState(database.db, 'catalog.meta')).toEqual({ fetchedAt: 1, createdOrder: [] });
	});
});
