import { afterEach, describe, expect, it, vi } from 'vitest';
import { followCatalog } from '../../src/jobs/catalogFollow.js';
import { Catalog } from '../../src/services/catalog/catalog.js';
import type { ModSummary } from '../../src/services/portal/schemas.js';
import { notifyCatalogStored } from '../../src/storage/catalogSignal.js';
import { CatalogStore } from '../../src/storage/catalogStore.js';
import { openDatabase, type OpenDatabase } from '../../src/storage/database.js';
import { silentLogger } from '../../src/log.js';
import { createTestStoreUrl } from '../support/database.js';

function mod(name: string): ModSummary {
	return {
		name,
		title: name,
		owner: 'someone',
		summary: '',
		downloadsCount: 0,
		category: undefined,
		score: 0,
		thumbnail: undefined,
		latestRelease: {
			version: '1.0.0',
			releasedAt: '2024-01-01T00:00:00.000Z',
			factorioVersion: '2.0',
			dependencies: undefined,
			downloadUrl: `/download/${name}/1`,
			fileName: `${name}_1.0.0.zip`,
			sha1: undefined,
			featureFlags: [],
		},
		releases: undefined,
	};
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
	for (const step of cleanup.splice(0).reverse()) await step();
});

/** Two processes on one store: the leader's and a follower's connections and catalogs. */
async function twoProcesses(engine: 'sqlite' | 'postgres') {
	const store = await createTestStoreUrl(engine);
	cleanup.push(() => store.drop());
	const open = async (): Promise<OpenDatabase> => {
		// SQLite serves one process; the second "process" shares the first one's store there.
		const database = await openDatabase(store.url);
		cleanup.push(() => database.close());
		return database;
	};
	const leaderDb = await open();
	const followerDb = engine === 'postgres' ? await open() : leaderDb;
	return {
		leaderDb,
		followerDb,
		leader: new Catalog({ store: new CatalogStore(leaderDb.db) }),
		follower: new Catalog({ store: new CatalogStore(followerDb.db) }),
	};
}

describe('catalog reload on followers (PostgreSQL)', () => {
	it('does reload the catalog the leader stored when the leader notifies', async () => {
		const { leaderDb, followerDb, leader, follower } = await twoProcesses('postgres');
		const following = await followCatalog({
			database: followerDb,
			catalog: follower,
			log: silentLogger(),
			checkMs: 600_000,
		});
		cleanup.push(() => following.stop());
		await leader.replace([mod('a'), mod('b')]);
		await notifyCatalogStored(leaderDb, leader.fetchedAt!.getTime());
		await vi.waitFor(() => {
			expect(follower.size).toBe(2);
		});
		expect(follower.fetchedAt).toEqual(leader.fetchedAt);
	});

	it('does reload on the periodic version check when a notification was missed', async () => {
		const { followerDb, leader, follower } = await twoProcesses('postgres');
		const following = await followCatalog({
			database: followerDb,
			catalog: follower,
			log: silentLogger(),
			checkMs: 100,
		});
		cleanup.push(() => following.stop());
		await leader.replace([mod('a'), mod('b'), mod('c')]);
		await vi.waitFor(() => {
			expect(follower.size).toBe(3);
		});
	});

	it('does not reload when the stored version is the one it has', async () => {
		const { followerDb, leader, follower } = await twoProcesses('postgres');
		await leader.replace([mod('a')]);
		expect(await follower.load()).toBe(true);
		const load = vi.spyOn(follower, 'load');
		const following = await followCatalog({
			database: followerDb,
			catalog: follower,
			log: silentLogger(),
			checkMs: 600_000,
		});
		cleanup.push(() => following.stop());
		await following.check();
		expect(load).not.toHaveBeenCalled();
		await leader.replace([mod('a'), mod('b')]);
		await following.check();
		expect(load).toHaveBeenCalledOnce();
		expect(follower.size).toBe(2);
	});
});

describe('catalog reload on SQLite', () => {
	it('does nothing when the store serves one process', async () => {
		const { followerDb, leader, follower } = await twoProcesses('sqlite');
		await leader.replace([mod('a')]);
		const following = await followCatalog({ database: followerDb, catalog: follower, log: silentLogger(), checkMs: 1 });
		cleanup.push(() => following.stop());
		await following.check();
		expect(follower.size).toBe(0);
	});
});
