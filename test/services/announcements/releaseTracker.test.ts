import Keyv from 'keyv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PortalClient, PortalError } from '../../../src/services/portal/client.js';
import { ReleaseTracker, type ReleaseEvent } from '../../../src/services/announcements/releaseTracker.js';
import { FakePortal } from '../../support/fakePortal.js';

const DAY_MS = 86_400_000;

/** 30 synthetic mods with one release each, released a day apart in 2024 (`mod-01` oldest). */
function catalogue(): Record<string, unknown>[] {
	return Array.from({ length: 30 }, (_, index) => {
		const n = String(index + 1).padStart(2, '0');
		return {
			name: `mod-${n}`,
			title: `Mod ${n}`,
			owner: index % 2 === 0 ? 'Alice' : 'Bob',
			summary: `Synthetic mod ${n}`,
			downloads_count: 100 + index,
			category: 'tweaks',
			latest_release: {
				version: '1.0.0',
				released_at: new Date(Date.UTC(2024, 0, 1) + index * DAY_MS).toISOString(),
				info_json: { factorio_version: '2.0' },
			},
		};
	});
}

let portal: FakePortal;
let client: PortalClient;

beforeEach(async () => {
	portal = await FakePortal.start({ mods: catalogue() });
	client = new PortalClient({
		baseUrl: portal.url,
		timeoutMs: 2_000,
		maxRetries: 0,
		retryBaseMs: 1,
		fullModCacheTtlMs: 0,
	});
});

afterEach(async () => {
	await portal.close();
});

/**
 * A tracker over `store` in the poller's steady state: seeded through its own first poll (one `page_size=max`
 * request), then one poll committed, as every tick does.
 */
async function seededTracker(store = new Keyv(), options: { pageSize?: number; maxPages?: number } = {}) {
	const tracker = new ReleaseTracker({
		store,
		portal: client,
		pageSize: options.pageSize ?? 10,
		maxPages: options.maxPages,
	});
	await tracker.load();
	expect((await tracker.poll()).seeded).toBe(true);
	const first = await tracker.poll();
	expect(first).toMatchObject({ events: [], requests: 1, pages: 1 });
	await tracker.commit(first.events);
	return tracker;
}

/** Runs a poll and counts the HTTP requests the fake portal received for it. */
async function pollCounting(tracker: ReleaseTracker) {
	const before = portal.requests.length;
	const result = await tracker.poll();
	const requests = portal.requests.slice(before);
	return { ...result, http: requests.length, fullFetches: requests.filter((r) => r.path.endsWith('/full')).length };
}

const keys = (events: readonly ReleaseEvent[]) => events.map((event) => event.key);

describe('ReleaseTracker.poll', () => {
	it('seeds from one page_size=max request and announces nothing when unseeded', async () => {
		const tracker = new ReleaseTracker({ store: new Keyv(), portal: client });
		await tracker.load();
		expect(tracker.seeded).toBe(false);
		const result = await pollCounting(tracker);
		expect(result).toMatchObject({ events: [], seeded: true, requests: 1, http: 1, pages: 1 });
		const query = portal.requests.at(-1)!.query;
		expect(query.get('page_size')).toBe('max');
		expect(query.get('hide_deprecated')).toBe('false');
		expect(tracker.seeded).toBe(true);
		expect(tracker.known('mod-07')).toBe('1.0.0');
	});

	it('makes one request when nothing changed', async () => {
		const tracker = await seededTracker();
		const result = await pollCounting(tracker);
		expect(result).toMatchObject({ events: [], requests: 1, http: 1, pages: 1 });
		const query = portal.requests.at(-1)!.query;
		expect(Object.fromEntries(query)).toMatchObject({
			sort: 'updated_at',
			sort_order: 'desc',
			hide_deprecated: 'false',
			page: '1',
			page_size: '10',
		});
	});

	it('reads one more page after a change when no poll was committed since the seed', async () => {
		const tracker = new ReleaseTracker({ store: new Keyv(), portal: client, pageSize: 10 });
		await tracker.poll();
		portal.addRelease('mod-03', { version: '1.1.0' });
		const result = await pollCounting(tracker);
		expect(keys(result.events)).toEqual(['mod-03@1.1.0']);
		expect(result).toMatchObject({ pages: 2, http: 3, requests: 3 });
	});

	it('finds one release with two requests and records it on commit', async () => {
		const tracker = await seededTracker();
		portal.addRelease('mod-03', { version: '1.1.0' }, { changelog: '  Features:\n    - Added trains.' });
		const result = await pollCounting(tracker);
		expect(result).toMatchObject({ requests: 2, http: 2, fullFetches: 1 });
		expect(keys(result.events)).toEqual(['mod-03@1.1.0']);
		const [event] = result.events;
		expect(event?.isNewMod).toBe(false);
		expect(event?.mod.changelog).toContain('Added trains.');
		expect(event?.release.factorioVersion).toBe('2.0');
		// Detection alone records nothing.
		expect(tracker.known('mod-03')).toBe('1.0.0');
		await tracker.commit(result.events);
		expect(tracker.known('mod-03')).toBe('1.1.0');
		expect(await pollCounting(tracker)).toMatchObject({ events: [], http: 1 });
	});

	it('gives two events oldest first from one full fetch when a mod released twice between ticks', async () => {
		const tracker = await seededTracker();
		portal.addRelease('mod-05', { version: '1.0.1' });
		portal.addRelease('mod-05', { version: '1.0.2' });
		const result = await pollCounting(tracker);
		expect(keys(result.events)).toEqual(['mod-05@1.0.1', 'mod-05@1.0.2']);
		expect(result).toMatchObject({ http: 2, fullFetches: 1 });
		await tracker.commit(result.events);
		expect(tracker.known('mod-05')).toBe('1.0.2');
	});

	it('orders events of several mods by release time', async () => {
		const tracker = await seededTracker();
		const now = Date.now();
		portal.addRelease('mod-09', { version: '1.1.0', released_at: new Date(now - 2_000).toISOString() });
		portal.addRelease('mod-02', { version: '1.1.0', released_at: new Date(now - 1_000).toISOString() });
		const result = await pollCounting(tracker);
		expect(keys(result.events)).toEqual(['mod-09@1.1.0', 'mod-02@1.1.0']);
	});

	it('marks the first release of a mod created after the seed as a new mod', async () => {
		const tracker = await seededTracker();
		portal.addMod({
			name: 'brand-new',
			title: 'Brand new',
			owner: 'Carol',
			latest_release: {
				version: '0.1.0',
				released_at: new Date().toISOString(),
				info_json: { factorio_version: '2.0' },
			},
		});
		const result = await pollCounting(tracker);
		expect(keys(result.events)).toEqual(['brand-new@0.1.0']);
		expect(result.events[0]?.isNewMod).toBe(true);
		expect(result.fullFetches).toBe(1);
	});

	it('announces nothing for a page-only edit', async () => {
		const tracker = await seededTracker();
		portal.touch('mod-02');
		const result = await pollCounting(tracker);
		expect(result).toMatchObject({ events: [], http: 1, fullFetches: 0 });
	});

	it('announces a release for another Factorio version, leaving filtering to subscriptions', async () => {
		const tracker = await seededTracker();
		portal.addRelease('mod-10', { version: '1.0.1', factorio_version: '1.1' });
		const result = await pollCounting(tracker);
		expect(keys(result.events)).toEqual(['mod-10@1.0.1']);
		expect(result.events[0]?.release.factorioVersion).toBe('1.1');
	});

	it('records a lower version (a deleted release) on commit without a request or an event', async () => {
		const tracker = await seededTracker();
		portal.addRelease('mod-04', { version: '1.1.0' });
		await tracker.commit((await tracker.poll()).events);
		expect(tracker.known('mod-04')).toBe('1.1.0');
		const entry = portal.mods.find((m) => m.name === 'mod-04')!;
		entry.latest_release = {
			version: '1.0.0',
			released_at: '2024-01-04T00:00:00Z',
			info_json: { factorio_version: '2.0' },
		};
		portal.touch('mod-04');
		const result = await pollCounting(tracker);
		expect(result).toMatchObject({ events: [], fullFetches: 0 });
		await tracker.commit(result.events);
		expect(tracker.known('mod-04')).toBe('1.0.0');
	});

	it('announces a release on an older branch that has a lower version but came later', async () => {
		const tracker = await seededTracker();
		portal.addRelease('mod-15', { version: '2.0.0', released_at: new Date(Date.now() - 60_000).toISOString() });
		await tracker.commit((await tracker.poll()).events);
		portal.addRelease('mod-15', { version: '1.0.1', factorio_version: '1.1' });
		const result = await pollCounting(tracker);
		expect(keys(result.events)).toEqual(['mod-15@1.0.1']);
		await tracker.commit(result.events);
		expect(tracker.known('mod-15')).toBe('1.0.1');
		expect(await pollCounting(tracker)).toMatchObject({ events: [], http: 1 });
	});

	it('throws a PortalError and keeps the state when the portal is down, and finds everything on the next tick', async () => {
		const tracker = await seededTracker();
		portal.addRelease('mod-06', { version: '2.0.0' });
		portal.fault({ kind: '5xx' });
		await expect(tracker.poll()).rejects.toThrow(PortalError);
		expect(tracker.known('mod-06')).toBe('1.0.0');
		portal.clearFaults();
		portal.addRelease('mod-06', { version: '2.0.1' });
		const result = await pollCounting(tracker);
		expect(keys(result.events)).toEqual(['mod-06@2.0.0', 'mod-06@2.0.1']);
	});

	it('throws when the full fetch fails and reports the same releases again on the next poll', async () => {
		const tracker = await seededTracker();
		portal.addRelease('mod-06', { version: '2.0.0' });
		portal.fault({ kind: 'garbage', path: /\/full$/, times: 1 });
		await expect(tracker.poll()).rejects.toMatchObject({ name: 'PortalError', kind: 'invalid_response' });
		expect(keys((await tracker.poll()).events)).toEqual(['mod-06@2.0.0']);
	});

	it('reports uncommitted releases again, so a crash before the outbox write loses nothing', async () => {
		const tracker = await seededTracker();
		portal.addRelease('mod-08', { version: '1.2.0' });
		expect(keys((await tracker.poll()).events)).toEqual(['mod-08@1.2.0']);
		expect(keys((await tracker.poll()).events)).toEqual(['mod-08@1.2.0']);
	});

	it('reads past a page of page-only edits to a release behind it', async () => {
		const tracker = await seededTracker();
		portal.addRelease('mod-05', { version: '1.1.0', released_at: new Date(Date.now() - 60_000).toISOString() });
		// Twelve edits after the release fill the first page (10 a page) with unchanged mods.
		for (let n = 1; n <= 12; n++) portal.touch(`mod-${String(n < 5 ? n : n + 1).padStart(2, '0')}`);
		const result = await pollCounting(tracker);
		expect(keys(result.events)).toEqual(['mod-05@1.1.0']);
		expect(result).toMatchObject({ pages: 2, fullFetches: 1 });
	});

	it('reads on when a single mod of the last first page was edited again above a page of edits', async () => {
		const tracker = await seededTracker();
		portal.addRelease('mod-05', { version: '1.0.1' });
		for (let n = 11; n <= 20; n++) portal.touch(`mod-${n}`);
		// mod-21 was on the last poll's first page; edited last, it now leads a page without any new version.
		portal.touch('mod-21');
		const result = await pollCounting(tracker);
		expect(keys(result.events)).toEqual(['mod-05@1.0.1']);
		expect(result.pages).toBe(2);
	});

	it('records an unknown mod whose releases are older than the seed without announcing it', async () => {
		const tracker = new ReleaseTracker({ store: new Keyv(), portal: client, pageSize: 10 });
		const all = (await client.listMods({ pageSize: 'max', hideDeprecated: false })).mods;
		// Seeded from a catalogue that lacked mod-01 (as a deprecated mod may be missing from one).
		await tracker.seed(all.filter((mod) => mod.name !== 'mod-01'));
		portal.touch('mod-01');
		const result = await pollCounting(tracker);
		expect(result).toMatchObject({ events: [], fullFetches: 0 });
		await tracker.commit(result.events);
		expect(tracker.known('mod-01')).toBe('1.0.0');
	});

	it('counts a mod released shortly before the seed but missing from it as new', async () => {
		const tracker = new ReleaseTracker({ store: new Keyv(), portal: client, pageSize: 10 });
		const all = (await client.listMods({ pageSize: 'max', hideDeprecated: false })).mods;
		portal.addMod({
			name: 'just-missed',
			latest_release: {
				version: '0.1.0',
				released_at: new Date(Date.now() - 600_000).toISOString(),
				info_json: { factorio_version: '2.0' },
			},
		});
		await tracker.seed(all);
		const result = await pollCounting(tracker);
		expect(keys(result.events)).toEqual(['just-missed@0.1.0']);
		expect(result.events[0]?.isNewMod).toBe(true);
	});

	it('stops after maxPages and returns what it found', async () => {
		const tracker = await seededTracker(new Keyv(), { pageSize: 5, maxPages: 2 });
		for (let n = 11; n <= 25; n++) portal.addRelease(`mod-${n}`, { version: '1.0.1' });
		const result = await pollCounting(tracker);
		expect(result.pages).toBe(2);
		expect(result.events).toHaveLength(10);
		expect(result.http).toBe(12);
	});
});

describe('ReleaseTracker.commit', () => {
	it('persists the known state for a new tracker over the same store', async () => {
		const store = new Keyv();
		const tracker = await seededTracker(store);
		portal.addRelease('mod-12', { version: '3.0.0' });
		await tracker.commit((await tracker.poll()).events);

		const next = new ReleaseTracker({ store, portal: client, pageSize: 10 });
		await next.load();
		expect(next.seeded).toBe(true);
		expect(next.known('mod-12')).toBe('3.0.0');
		expect(next.known('mod-13')).toBe('1.0.0');
		expect(await pollCounting(next)).toMatchObject({ events: [], seeded: false, http: 1 });
		expect(await store.get('releases:meta')).toMatchObject({ v: 1, buckets: 16 });
	});

	it('never lowers a known version for an older event and records extra versions as given', async () => {
		const tracker = await seededTracker();
		portal.addRelease('mod-14', { version: '1.5.0' });
		const [event] = (await tracker.poll()).events;
		await tracker.commit([event!]);
		await tracker.commit([{ ...event!, release: { ...event!.release, version: '1.2.0' }, key: 'mod-14@1.2.0' }]);
		expect(tracker.known('mod-14')).toBe('1.5.0');
		await tracker.commit([], { 'mod-14': '1.4.0', unseen: '0.0.1' });
		expect(tracker.known('mod-14')).toBe('1.4.0');
		expect(tracker.known('unseen')).toBe('0.0.1');
	});
});

describe('ReleaseTracker.reconcile', () => {
	it('announces recent missed releases, records old ones silently, and fetches only the recent ones', async () => {
		const tracker = await seededTracker();
		portal.addRelease('mod-20', { version: '1.1.0' });
		portal.addRelease('mod-21', { version: '1.1.0', released_at: '2024-06-01T00:00:00Z' });
		const catalog = (await client.listMods({ pageSize: 'max', hideDeprecated: false })).mods;
		const before = portal.requests.length;
		const events = await tracker.reconcile(catalog, { maxAgeMs: DAY_MS });
		expect(keys(events)).toEqual(['mod-20@1.1.0']);
		expect(portal.requests.slice(before).map((r) => r.path)).toEqual(['/api/mods/mod-20/full']);
		await tracker.commit(events);
		expect(tracker.known('mod-20')).toBe('1.1.0');
		expect(tracker.known('mod-21')).toBe('1.1.0');
	});

	it('announces only the recent releases of a mod and records its latest one', async () => {
		const tracker = await seededTracker();
		portal.addRelease('mod-22', { version: '1.1.0', released_at: '2024-06-01T00:00:00Z' });
		portal.addRelease('mod-22', { version: '1.2.0' });
		const catalog = (await client.listMods({ pageSize: 'max', hideDeprecated: false })).mods;
		const events = await tracker.reconcile(catalog, { maxAgeMs: DAY_MS });
		expect(keys(events)).toEqual(['mod-22@1.2.0']);
		await tracker.commit(events);
		expect(tracker.known('mod-22')).toBe('1.2.0');
	});

	it('does not move past an unannounced release when committing without the pass’s events', async () => {
		const tracker = await seededTracker();
		// A new mod whose first releases predate the seed, and a recent one: only the recent one is announced.
		portal.addMod({
			name: 'late-listed',
			latest_release: { version: '0.1.0', released_at: '2023-01-01T00:00:00Z', info_json: { factorio_version: '1.1' } },
		});
		portal.addRelease('late-listed', { version: '0.2.0' });
		const events = (await tracker.poll()).events;
		expect(keys(events)).toEqual(['late-listed@0.2.0']);
		expect(events[0]?.isNewMod).toBe(false);
		await tracker.commit([]);
		expect(tracker.known('late-listed')).toBeUndefined();
		await tracker.commit(events);
		expect(tracker.known('late-listed')).toBe('0.2.0');
	});

	it('returns the events found so far when the portal fails part way', async () => {
		const tracker = await seededTracker();
		portal.addRelease('mod-23', { version: '1.1.0' });
		portal.addRelease('mod-24', { version: '1.1.0' });
		const catalog = (await client.listMods({ pageSize: 'max', hideDeprecated: false })).mods;
		portal.fault({ kind: '5xx', path: /mod-24/ });
		const events = await tracker.reconcile(catalog, { maxAgeMs: DAY_MS });
		expect(keys(events)).toEqual(['mod-23@1.1.0']);
	});
});
