import { afterEach, describe, expect, it } from 'vitest';
import { readState, STATE_KEYS, writeState } from '../../src/storage/state.js';
import { createHarness, type Harness } from './helpers.js';

let h: Harness | undefined;

afterEach(async () => {
	await h?.close();
	h = undefined;
});

/** Whole-catalog fetches (`page_size=max`) the fake portal has answered so far. */
const wholeCatalogFetches = (harness: Harness) =>
	harness.portal.requests.filter((r) => r.path === '/api/mods' && r.query.get('page_size') === 'max').length;

describe('the catalog at a restart', () => {
	it('does not fetch the whole catalog again when the stored one is younger than a refresh period', async () => {
		h = await createHarness({ env: { CATALOG_CRON: '0 * * * *' } });
		const first = await h.start();
		expect(first.context.catalog.size).toBe(2538);
		const fetches = wholeCatalogFetches(h);
		expect(fetches).toBeGreaterThan(0);
		await first.stop();

		const second = await h.start();
		expect(second.context.catalog.size).toBe(2538);
		expect(wholeCatalogFetches(h)).toBe(fetches);
	});

	it('does refresh the catalog at start when the stored one is older than a refresh period', async () => {
		h = await createHarness({ env: { CATALOG_CRON: '0 * * * *' } });
		const first = await h.start();
		const db = first.database.db;
		const meta = (await readState(db, STATE_KEYS.catalogMeta)) as { fetchedAt: number };
		// Fetched 61 minutes ago: older than the hourly schedule's period.
		await writeState(db, STATE_KEYS.catalogMeta, { ...meta, fetchedAt: Date.now() - 61 * 60_000 });
		await first.stop();
		const fetches = wholeCatalogFetches(h);

		await h.start();
		expect(wholeCatalogFetches(h)).toBe(fetches + 1);
	});
});
