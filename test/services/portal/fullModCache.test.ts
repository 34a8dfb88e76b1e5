import { afterEach, describe, expect, it } from 'vitest';
import { PortalClient } from '../../../src/services/portal/client.js';
import { createFullModCache, isCachedFullMod } from '../../../src/services/portal/fullModCache.js';
import { openKeyValueStore, type KeyValueStore } from '../../../src/storage/keyValue.js';
import { ENGINES, openTestDatabase } from '../../support/database.js';
import { FakePortal } from '../../support/fakePortal.js';

const MODS = [
	{
		name: 'alpha',
		title: 'Alpha',
		owner: 'ann',
		summary: 'The first mod',
		downloads_count: 10,
		latest_release: {
			download_url: '/download/alpha/1',
			file_name: 'alpha_1.0.0.zip',
			info_json: { factorio_version: '2.0' },
			released_at: '2024-01-01T00:00:00.000000Z',
			version: '1.0.0',
			sha1: '0'.repeat(40),
		},
	},
];

describe.each(ENGINES)('the /full cache in the %s store', (engine) => {
	const cleanups: (() => Promise<void>)[] = [];
	afterEach(async () => {
		for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
	});

	async function setup(): Promise<{ portal: FakePortal; store: KeyValueStore }> {
		const portal = await FakePortal.start({ mods: MODS });
		cleanups.push(() => portal.close());
		const database = await openTestDatabase(engine);
		cleanups.push(() => database.close());
		const store = await openKeyValueStore(database);
		cleanups.push(() => store.close());
		return { portal, store };
	}

	const client = (portal: FakePortal, store: KeyValueStore) =>
		new PortalClient({ baseUrl: portal.url, retryBaseMs: 1, fullModCache: createFullModCache({ store }) });

	it('does answer from the store without asking the portal when the bot restarts within the TTL', async () => {
		const { portal, store } = await setup();
		const first = await client(portal, store).getFullMod('alpha');
		const second = await client(portal, store).getFullMod('alpha');
		expect(second).toEqual(first);
		expect(portal.requests.filter((r) => r.path.endsWith('/full'))).toHaveLength(1);
	});

	it('does remember a missing mod across a restart', async () => {
		const { portal, store } = await setup();
		await expect(client(portal, store).getFullMod('missing')).rejects.toMatchObject({ kind: 'not_found' });
		const again = await client(portal, store)
			.getFullMod('missing')
			.catch((error: unknown) => error);
		expect(again).toMatchObject({ kind: 'not_found', status: 404 });
		expect((again as Error).message).toMatch(/^Not found on the mod portal: GET .*\/api\/mods\/missing\/full$/);
		expect(portal.requests).toHaveLength(1);
	});
});

describe('isCachedFullMod', () => {
	it('does accept what the client stores and refuse other shapes', () => {
		expect(isCachedFullMod({ notFound: 'Not found' })).toBe(true);
		expect(isCachedFullMod({ mod: { name: 'a', title: 'A', releases: [] } })).toBe(true);
		for (const value of [null, 1, 'x', {}, { notFound: 1 }, { mod: null }, { mod: { name: 'a', title: 'A' } }]) {
			expect(isCachedFullMod(value)).toBe(false);
		}
	});
});
