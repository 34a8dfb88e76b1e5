import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PortalClient, PortalError } from '../../../src/services/portal/client.js';
import {
	ReleaseTracker,
	eventsOf,
	type Detection,
	type ReleaseEvent,
} from '../../../src/services/announcements/releaseTracker.js';
import type { ModSummary } from '../../../src/services/portal/schemas.js';
import type { OpenDatabase } from '../../../src/storage/database.js';
import { readState, STATE_KEYS } from '../../../src/storage/state.js';
import { ENGINES, openTestDatabase } from '../../support/database.js';
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

let database: OpenDatabase;

/**
 * The tracker as the feed drives it, with the calls of a tick: `poll` and `reconcile` return the detection with its
 * events in order; `commit(detection)` stores it in a transaction; `commit(events)` stores the last pass's findings
 * whose events are all among `events` (what a feed does when it leaves a mod out).
 */
class Tracked {
	readonly real: ReleaseTracker;
	#last: Detection | undefined;

	constructor(options: { portal: PortalClient; pageSize?: number; maxPages?: number }) {
		this.real = new ReleaseTracker({ db: database.db, ...options });
	}

	async seeded(): Promise<boolean> {
		return (await this.real.seededAt()) !== undefined;
	}

	known(name: string): Promise<string | undefined> {
		return this.real.known(name);
	}

	seed(mods: readonly ModSummary[]): Promise<void> {
		return this.real.seed(mods);
	}

	async poll(): Promise<Detection & { events: ReleaseEvent[] }> {
		this.#last = await this.real.poll();
		return { ...this.#last, events: eventsOf(this.#last) };
	}

	async reconcile(mods: readonly ModSummary[], options: { maxAgeMs: number }) {
		this.#last = await this.real.reconcile(mods, options);
		return { ...this.#last, events: eventsOf(this.#last) };
	}

	async commit(what: Detection | readonly ReleaseEvent[]): Promise<void> {
		let detection: Pick<Detection, 'found' | 'anchors'>;
		if (Array.isArray(what)) {
			const included = new Set((what as readonly ReleaseEvent[]).map((event) => event.releaseKey));
			const last = this.#last ?? { found: [] };
			detection = {
				...last,
				found: last.found.filter((finding) => finding.events.every((event) => included.has(event.releaseKey))),
			};
		} else detection = what as Detection;
		await database.db.transaction().execute((trx) => this.real.commit(trx, detection));
	}
}

/**
 * A tracker over `store` in the poller's steady state: seeded through its own first poll (one `page_size=max`
 * request), then one poll committed, as every tick does.
 */
async function seededTracker(options: { pageSize?: number; maxPages?: number } = {}) {
	const tracker = new Tracked({
		portal: client,
		pageSize: options.pageSize ?? 10,
		maxPages: options.maxPages,
	});
	expect((await tracker.poll()).seeded).toBe(true);
	const first = await tracker.poll();
	expect(first).toMatchObject({ events: [], requests: 1, pages: 1 });
	await tracker.commit(first.events);
	return tracker;
}

/** Runs a poll and counts the HTTP requests the fake portal received for it. */
async function pollCounting(tracker: Tracked) {
	const before = portal.requests.length;
	const result = await tracker.poll();
	const requests = portal.requests.slice(before);
	return { ...result, http: requests.length, fullFetches: requests.filter((r) => r.path.endsWith('/full')).length };
}

const keys = (events: readonly ReleaseEvent[] | { events: readonly ReleaseEvent[] }) =>
	('events' in events ? events.events : events).map((event) => event.releaseKey);

describe.each(ENGINES)('on %s', (engine) => {
	beforeEach(async () => {
		database = await openTestDatabase(engine);
	});

	afterEach(async () => {
		await database.close();
	});

	describe('ReleaseTracker.poll', () => {
		it('seeds from one page_size=max request and announces nothing when unseeded', async () => {
			const tracker = new Tracked({ portal: client });
			expect(await tracker.seeded()).toBe(false);
			const result = await pollCounting(tracker);
			expect(result).toMatchObject({ events: [], seeded: true, requests: 1, http: 1, pages: 1 });
			const query = portal.requests.at(-1)!.query;
			expect(query.get('page_size')).toBe('max');
			expect(query.get('hide_deprecated')).toBe('false');
			expect(await tracker.seeded()).toBe(true);
			expect(await tracker.known('mod-07')).toBe('1.0.0');
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
			const tracker = new Tracked({ portal: client, pageSize: 10 });
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
			expect(await tracker.known('mod-03')).toBe('1.0.0');
			await tracker.commit(result.events);
			expect(await tracker.known('mod-03')).toBe('1.1.0');
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
			expect(await tracker.known('mod-05')).toBe('1.0.2');
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
			expect(await tracker.known('mod-04')).toBe('1.1.0');
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
			expect(await tracker.known('mod-04')).toBe('1.0.0');
		});

		it('announces a release on an older branch that has a lower version but came later', async () => {
			const tracker = await seededTracker();
			portal.addRelease('mod-15', { version: '2.0.0', released_at: new Date(Date.now() - 60_000).toISOString() });
			await tracker.commit((await tracker.poll()).events);
			portal.addRelease('mod-15', { version: '1.0.1', factorio_version: '1.1' });
			const result = await pollCounting(tracker);
			expect(keys(result.events)).toEqual(['mod-15@1.0.1']);
			await tracker.commit(result.events);
			expect(await tracker.known('mod-15')).toBe('1.0.1');
			expect(await pollCounting(tracker)).toMatchObject({ events: [], http: 1 });
		});

		it('throws a PortalError and keeps the state when the portal is down, and finds everything on the next tick', async () => {
			const tracker = await seededTracker();
			portal.addRelease('mod-06', { version: '2.0.0' });
			portal.fault({ kind: '5xx' });
			await expect(tracker.poll()).rejects.toThrow(PortalError);
			expect(await tracker.known('mod-06')).toBe('1.0.0');
			portal.clearFaults();
			portal.addRelease('mod-06', { version: '2.0.1' });
			const result = await pollCounting(tracker);
			expect(keys(result.events)).toEqual(['mod-06@2.0.0', 'mod-06@2.0.1']);
		});

		it('reports a mod whose full answer fails the schema as failed, goes on with the others, and finds it again', async () => {
			const tracker = await seededTracker();
			portal.addRelease('mod-06', { version: '2.0.0' });
			portal.addRelease('mod-07', { version: '2.0.0' });
			portal.fault({ kind: 'garbage', path: /mod-06\/full$/, times: 1 });
			const result = await tracker.poll();
			expect(result.failed).toEqual([{ name: 'mod-06', reason: 'the mod portal: invalid response' }]);
			expect(keys(result)).toEqual(['mod-07@2.0.0']);
			await tracker.commit(result);
			expect(await tracker.known('mod-06')).toBe('1.0.0');
			expect(keys(await tracker.poll())).toEqual(['mod-06@2.0.0']);
		});

		it('does not stop after page 1 when two mods of the last first page were released again in their old order', async () => {
			const tracker = await seededTracker();
			const anchors = (await readState(database.db, STATE_KEYS.feedAnchors)) as string[];
			const [first = '', second = ''] = anchors;
			// A release further down: nine page edits after it, then the two anchors released again, second one first,
			// so they lead page 1 in their old order and the release sits on page 2.
			portal.addRelease('mod-01', { version: '1.0.1', released_at: new Date(Date.now() - 60_000).toISOString() });
			for (let n = 2; n <= 10; n++) {
				const name = `mod-${String(n).padStart(2, '0')}`;
				if (!anchors.includes(name)) portal.touch(name);
			}
			portal.addRelease(second, { version: '1.0.1' });
			portal.addRelease(first, { version: '1.0.1' });
			const result = await pollCounting(tracker);
			expect(keys(result)).toContain('mod-01@1.0.1');
			expect(result.pages).toBeGreaterThan(1);
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
			const tracker = new Tracked({ portal: client, pageSize: 10 });
			const all = (await client.listMods({ pageSize: 'max', hideDeprecated: false })).mods;
			// Seeded from a catalogue that lacked mod-01 (as a deprecated mod may be missing from one).
			await tracker.seed(all.filter((mod) => mod.name !== 'mod-01'));
			portal.touch('mod-01');
			const result = await pollCounting(tracker);
			expect(result).toMatchObject({ events: [], fullFetches: 0 });
			await tracker.commit(result.events);
			expect(await tracker.known('mod-01')).toBe('1.0.0');
		});

		it('counts a mod released shortly before the seed but missing from it as new', async () => {
			const tracker = new Tracked({ portal: client, pageSize: 10 });
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
			const tracker = await seededTracker({ pageSize: 5, maxPages: 2 });
			for (let n = 11; n <= 25; n++) portal.addRelease(`mod-${n}`, { version: '1.0.1' });
			const result = await pollCounting(tracker);
			expect(result.pages).toBe(2);
			expect(result.events).toHaveLength(10);
			expect(result.http).toBe(12);
		});
	});

	describe('ReleaseTracker.commit', () => {
		it('persists the known state for a new tracker over the same store', async () => {
			const tracker = await seededTracker();
			portal.addRelease('mod-12', { version: '3.0.0' });
			await tracker.commit((await tracker.poll()).events);

			const next = new Tracked({ portal: client, pageSize: 10 });
			expect(await next.seeded()).toBe(true);
			expect(await next.known('mod-12')).toBe('3.0.0');
			expect(await next.known('mod-13')).toBe('1.0.0');
			expect(await pollCounting(next)).toMatchObject({ events: [], seeded: false, http: 1 });
			expect(await readState(database.db, STATE_KEYS.feedSeededAt)).toBeTypeOf('number');
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
			expect(await tracker.known('mod-20')).toBe('1.1.0');
			expect(await tracker.known('mod-21')).toBe('1.1.0');
		});

		it('announces only the recent releases of a mod and records its latest one', async () => {
			const tracker = await seededTracker();
			portal.addRelease('mod-22', { version: '1.1.0', released_at: '2024-06-01T00:00:00Z' });
			portal.addRelease('mod-22', { version: '1.2.0' });
			const catalog = (await client.listMods({ pageSize: 'max', hideDeprecated: false })).mods;
			const events = await tracker.reconcile(catalog, { maxAgeMs: DAY_MS });
			expect(keys(events)).toEqual(['mod-22@1.2.0']);
			await tracker.commit(events);
			expect(await tracker.known('mod-22')).toBe('1.2.0');
		});

		it('does not move past an unannounced release when committing without the pass’s events', async () => {
			const tracker = await seededTracker();
			// A new mod whose first releases predate the seed, and a recent one: only the recent one is announced.
			portal.addMod({
				name: 'late-listed',
				latest_release: {
					version: '0.1.0',
					released_at: '2023-01-01T00:00:00Z',
					info_json: { factorio_version: '1.1' },
				},
			});
			portal.addRelease('late-listed', { version: '0.2.0' });
			const events = (await tracker.poll()).events;
			expect(keys(events)).toEqual(['late-listed@0.2.0']);
			expect(events[0]?.isNewMod).toBe(false);
			await tracker.commit([]);
			expect(await tracker.known('late-listed')).toBeUndefined();
			await tracker.commit(events);
			expect(await tracker.known('late-listed')).toBe('0.2.0');
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
});
