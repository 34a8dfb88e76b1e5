import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../../src/services/announcements/outbox.js';
import { ReleaseFeed } from '../../../src/services/announcements/releaseFeed.js';
import { ReleaseTracker } from '../../../src/services/announcements/releaseTracker.js';
import { announcementFromEvent } from '../../../src/services/announcements/snapshot.js';
import { SubscriptionRepository } from '../../../src/services/announcements/subscriptions.js';
import { PortalClient } from '../../../src/services/portal/client.js';
import type { OpenDatabase } from '../../../src/storage/database.js';
import { ENGINES, openTestDatabase } from '../../support/database.js';
import { FakePortal } from '../../support/fakePortal.js';

const DAY_MS = 86_400_000;

/** 30 mods with one release each, released a day apart in 2024. */
function catalogue(): Record<string, unknown>[] {
	return Array.from({ length: 30 }, (_, index) => ({
		name: `mod-${String(index + 1).padStart(2, '0')}`,
		title: `Mod ${index + 1}`,
		owner: 'Alice',
		category: 'tweaks',
		latest_release: {
			version: '1.0.0',
			released_at: new Date(Date.UTC(2024, 0, 1) + index * DAY_MS).toISOString(),
			info_json: { factorio_version: '2.0' },
		},
	}));
}

describe.each(ENGINES)('the release feed on %s', (engine) => {
	let portal: FakePortal;
	let database: OpenDatabase;
	let feed: ReleaseFeed;
	/** Mods whose snapshot throws, as a bug in building it would. */
	const unbuildable = new Set<string>();

	beforeEach(async () => {
		portal = await FakePortal.start({ mods: catalogue() });
		database = await openTestDatabase(engine);
		const client = new PortalClient({ baseUrl: portal.url, timeoutMs: 2_000, maxRetries: 0, fullModCacheTtlMs: 0 });
		const { db } = database;
		const tracker = new ReleaseTracker({ db, portal: client, pageSize: 10 });
		const subscriptions = new SubscriptionRepository({ db, engine, maxPerGuild: 50 });
		await subscriptions.add({
			guildId: 'guild',
			channelId: 'channel',
			target: { kind: 'all', filters: {} },
			changelogDetail: 'full',
			createdBy: 'user',
		});
		const mods = (await client.listMods({ pageSize: 'max', hideDeprecated: false })).mods;
		feed = new ReleaseFeed({
			db,
			subscriptions,
			tracker,
			outbox: new Outbox({ db, engine }),
			delivery: { deliverDue: () => Promise.reject(new Error('not used')) },
			catalog: { size: mods.length, fetchedAt: new Date(), all: () => mods },
			announceMaxAgeMs: DAY_MS,
			snapshot: (event) => {
				if (unbuildable.has(event.mod.name)) throw new TypeError('cannot read properties of undefined');
				return announcementFromEvent(event);
			},
		});
		unbuildable.clear();
		const now = new Date();
		await feed.tick({ now });
		await feed.tick({ now });
	});

	afterEach(async () => {
		await database.close();
		await portal.close();
	});

	const queued = async () =>
		(await database.db.selectFrom('outbox').select('release_key').orderBy('release_key').execute()).map(
			(row) => row.release_key,
		);

	it('does commit the other releases and leaves out a mod whose snapshot cannot be built', async () => {
		unbuildable.add('mod-05');
		portal.addRelease('mod-05', { version: '1.1.0' });
		portal.addRelease('mod-06', { version: '1.1.0' });
		const result = await feed.tick();
		expect(result.failed).toEqual([{ name: 'mod-05', reason: 'its release could not be prepared for posting' }]);
		expect(await queued()).toEqual(['mod-06@1.1.0']);
		expect(await feed.tracker.known('mod-05')).toBe('1.0.0');
		expect(await feed.tracker.known('mod-06')).toBe('1.1.0');
		const health = await feed.health();
		expect(health.failingMods.map((mod) => mod.name)).toEqual(['mod-05']);
	});

	it('does skip a failing mod during its backoff and fetch it again afterwards, even off the first page', async () => {
		portal.fault({ kind: 'garbage', path: /mod-05\/full$/ });
		portal.addRelease('mod-05', { version: '1.1.0' });
		const start = Date.now();
		expect((await feed.tick({ now: new Date(start) })).failed.map((failure) => failure.name)).toEqual(['mod-05']);
		const fullFetches = () => portal.requests.filter((r) => r.path === '/api/mods/mod-05/full').length;
		const fetched = fullFetches();
		await feed.tick({ now: new Date(start + 1_000) });
		expect(fullFetches()).toBe(fetched);
		portal.clearFaults();
		// Ten edits push mod-05 off the first page, where the poll stops.
		for (let n = 11; n <= 20; n++) portal.touch(`mod-${n}`);
		await feed.tick({ now: new Date(start + 2_000) });
		await feed.tick({ now: new Date(start + 61_000) });
		expect(await queued()).toEqual(['mod-05@1.1.0']);
		expect((await feed.health()).failingModCount).toBe(0);
	});
});
