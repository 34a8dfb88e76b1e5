import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Keyv from 'keyv';
import { afterEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../../src/services/announcements/outbox.js';
import { announcementFromEvent, type Announcement } from '../../../src/services/announcements/snapshot.js';
import { ModFullSchema, type ModDetails } from '../../../src/services/portal/schemas.js';
import type { ReleaseEvent } from '../../../src/services/announcements/releaseTracker.js';
import type { Subscription } from '../../../src/services/announcements/subscriptions.js';
import { StoreError } from '../../../src/storage/documents.js';
import { openStore } from '../../../src/storage/store.js';
import { fixtureJson, fixtureText } from '../../support/fixtures.js';
import { FlakyMap } from '../../support/flakyMap.js';

function eventOf(mod: ModDetails, version: string, isNewMod = false): ReleaseEvent {
	const release = mod.releases.find((r) => r.version === version);
	if (!release) throw new Error(`no release ${version}`);
	return { mod, release, isNewMod, key: `${mod.name}@${version}` };
}

function syntheticMod(changelog: string | undefined, versions = ['1.0.0']): ModDetails {
	return ModFullSchema.parse({
		name: 'some-mod',
		title: 'Some Mod',
		owner: 'Alice',
		summary: 'Does things.',
		thumbnail: '/assets/abc.thumb.png',
		source_url: 'https://github.com/alice/some-mod',
		changelog,
		releases: versions.map((version, index) => ({
			version,
			released_at: `2025-01-0${index + 1}T12:00:00.000Z`,
			info_json: { factorio_version: '2.0' },
		})),
	});
}

function subscription(id: string, channelId = `chan-${id}`): Subscription {
	return {
		id,
		guildId: 'guild',
		channelId,
		target: { kind: 'all', filters: {} },
		changelog: 'full',
		createdBy: 'user',
		createdAt: '2025-01-01T00:00:00.000Z',
		health: { state: 'active' },
		forumThreads: {},
	};
}

function announcement(key: string): Announcement {
	const [mod = key, version = '1.0.0'] = key.split('@');
	return { key, mod, title: mod, owner: 'Alice', version, isNewMod: false };
}

async function loaded(store: Keyv, options: { keepSentMs?: number; random?: () => number } = {}): Promise<Outbox> {
	const outbox = new Outbox({ store, ...options });
	await outbox.load();
	return outbox;
}

const T0 = new Date('2025-06-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

describe('announcementFromEvent', () => {
	it('snapshots a recorded /full answer with the release’s changelog section', () => {
		const mod = ModFullSchema.parse(fixtureJson('portal/mod-full-1000BagSize-2021.json'));
		const latest = mod.releases.at(-1)!;
		const a = announcementFromEvent(eventOf(mod, latest.version));
		expect(a).toMatchObject({
			key: `1000BagSize@${latest.version}`,
			mod: '1000BagSize',
			title: mod.title,
			owner: mod.owner,
			version: latest.version,
			isNewMod: false,
		});
		expect(a.releasedAt).toBe(latest.releasedAt);
		expect(a.factorioVersion).toBe(latest.factorioVersion);
		expect(a.summary).toBeUndefined();
		// Its changelog is the one word "created": kept as plain text.
		expect(a.changelog).toEqual({ plain: 'created' });
	});

	it('takes the section of the announced version from a real changelog, not the newest one', () => {
		const mod = syntheticMod(fixtureText('changelogs/bobplates.txt'), ['2.0.5', '2.1.0', '2.1.1']);
		const a = announcementFromEvent(eventOf(mod, '2.1.0'));
		expect(a.changelog?.section?.version).toBe('2.1.0');
		expect(a.changelog?.section?.categories.map((c) => c.name)).toEqual(['Bugfixes', 'Changes']);
		expect(a.changelog?.cut).toBeUndefined();
		expect(a).toMatchObject({ thumbnail: '/assets/abc.thumb.png', sourceUrl: 'https://github.com/alice/some-mod' });
	});

	it('keeps the summary of a new mod and the plain text of a changelog not in the format', () => {
		const mod = syntheticMod('Fixed the thing.\nAdded another thing.');
		const a = announcementFromEvent(eventOf(mod, '1.0.0', true));
		expect(a.summary).toBe('Does things.');
		expect(a.changelog).toEqual({ plain: 'Fixed the thing.\nAdded another thing.' });
	});

	it('shortens a huge section for storage and says so', () => {
		const mod = syntheticMod(fixtureText('changelogs/base-game-2.1.12.txt'), ['2.0.7']);
		const a = announcementFromEvent(eventOf(mod, '2.0.7'));
		expect(a.changelog?.cut).toBe(true);
		expect(JSON.stringify(a.changelog).length).toBeLessThan(12_000);
		expect(a.changelog?.section?.categories.length).toBeGreaterThan(0);
	});

	it('has no changelog when the changelog lacks the version', () => {
		const mod = syntheticMod(fixtureText('changelogs/flib.txt'), ['99.0.0']);
		expect(announcementFromEvent(eventOf(mod, '99.0.0')).changelog).toBeUndefined();
	});
});

describe('Outbox.enqueue', () => {
	it('stores pending entries and the announcement before anything is sent', async () => {
		const store = new Keyv();
		const outbox = await loaded(store);
		const a = announcement('mod-a@1.0.0');
		const created = await outbox.enqueue([{ subscription: subscription('s1'), announcement: a }], T0);
		expect(created).toEqual([
			{
				id: 's1|mod-a@1.0.0',
				subscriptionId: 's1',
				channelId: 'chan-s1',
				key: 'mod-a@1.0.0',
				createdAt: T0.toISOString(),
				attempts: 0,
				state: 'pending',
			},
		]);
		expect(outbox.announcement('mod-a@1.0.0')).toEqual(a);
		expect(await store.get('outbox:index')).toEqual({ v: 1, subscriptions: ['s1'] });
		expect(await store.get('outbox:subscription:s1')).toEqual({ v: 1, entries: created });
		expect(await store.get('outbox:announcement:mod-a@1.0.0')).toEqual(a);
	});

	it('skips an entry already pending or sent, so a release detected twice is posted once', async () => {
		const outbox = await loaded(new Keyv());
		const item = { subscription: subscription('s1'), announcement: announcement('mod-a@1.0.0') };
		expect(await outbox.enqueue([item, item], T0)).toHaveLength(1);
		expect(await outbox.enqueue([item], at(1))).toEqual([]);
		await outbox.markSent(['s1|mod-a@1.0.0'], 'm1', at(2));
		expect(await outbox.enqueue([item], at(3))).toEqual([]);
		expect(outbox.stats()).toEqual({ pending: 0, sent: 1 });
		// Another subscription still gets it.
		expect(await outbox.enqueue([{ ...item, subscription: subscription('s2') }], at(4))).toHaveLength(1);
	});

	it('rejects with a StoreError and adds nothing when the store cannot write', async () => {
		const map = new FlakyMap();
		const outbox = await loaded(new Keyv({ store: map }));
		map.failWrites = true;
		const item = { subscription: subscription('s1'), announcement: announcement('mod-a@1.0.0') };
		await expect(outbox.enqueue([item], T0)).rejects.toThrow(StoreError);
		expect(outbox.due(at(1))).toEqual([]);
		map.failWrites = false;
		expect(await outbox.enqueue([item], T0)).toHaveLength(1);
	});
});

describe('Outbox delivery bookkeeping', () => {
	it('lists due entries oldest first, keeping enqueue order within a batch', async () => {
		const outbox = await loaded(new Keyv());
		await outbox.enqueue([{ subscription: subscription('s2'), announcement: announcement('late@1.0.0') }], at(10));
		await outbox.enqueue(
			[
				{ subscription: subscription('s1'), announcement: announcement('b@1.0.0') },
				{ subscription: subscription('s1'), announcement: announcement('a@1.0.0') },
			],
			at(5),
		);
		expect(outbox.due(at(20)).map((e) => e.id)).toEqual(['s1|b@1.0.0', 's1|a@1.0.0', 's2|late@1.0.0']);
	});

	it('holds a failed entry back with bounded exponential backoff', async () => {
		const low = await loaded(new Keyv(), { random: () => 0 });
		await low.enqueue([{ subscription: subscription('s1'), announcement: announcement('a@1.0.0') }], T0);
		await low.markRetry(['s1|a@1.0.0'], 'HTTP 500', T0);
		const [first] = low.due(at(30_000));
		expect(first).toMatchObject({ attempts: 1, notBefore: at(30_000).toISOString(), lastError: 'HTTP 500' });
		expect(low.due(at(29_999))).toEqual([]);
		await low.markRetry(['s1|a@1.0.0'], 'HTTP 500', T0);
		expect(low.due(at(60_000))[0]?.notBefore).toBe(at(60_000).toISOString());
		for (let n = 0; n < 20; n++) await low.markRetry(['s1|a@1.0.0'], 'HTTP 500', T0);
		expect(low.due(at(1_800_000))[0]).toMatchObject({ attempts: 22, notBefore: at(1_800_000).toISOString() });

		const high = await loaded(new Keyv(), { random: () => 0.999 });
		await high.enqueue([{ subscription: subscription('s1'), announcement: announcement('a@1.0.0') }], T0);
		await high.markRetry(['s1|a@1.0.0'], 'x'.repeat(2_000), T0);
		const [entry] = high.due(at(45_000));
		expect(Date.parse(entry!.notBefore!) - T0.getTime()).toBeGreaterThan(44_000);
		expect(entry!.lastError).toHaveLength(500);
	});

	it('gives the same nonce of at most 25 characters for the same entries in any order', async () => {
		const outbox = await loaded(new Keyv());
		const a = { id: 's1|a@1.0.0' };
		const b = { id: 's1|b@1.0.0' };
		const nonce = outbox.nonce([a, b]);
		expect(nonce.length).toBeLessThanOrEqual(25);
		expect(outbox.nonce([b, a])).toBe(nonce);
		expect(outbox.nonce([a])).not.toBe(nonce);
		expect(outbox.nonce([{ id: 's2|a@1.0.0' }, b])).not.toBe(nonce);
	});

	it('marks entries sent with their message and leaves other ids alone', async () => {
		const store = new Keyv();
		const outbox = await loaded(store);
		await outbox.enqueue(
			[
				{ subscription: subscription('s1'), announcement: announcement('a@1.0.0') },
				{ subscription: subscription('s1'), announcement: announcement('b@1.0.0') },
			],
			T0,
		);
		await outbox.markRetry(['s1|a@1.0.0'], 'timeout', T0);
		await outbox.markSent(['s1|a@1.0.0', 'nosuch'], 'message-1', at(1));
		expect(outbox.due(at(1)).map((e) => e.id)).toEqual(['s1|b@1.0.0']);
		expect(outbox.stats()).toEqual({ pending: 1, sent: 1 });
		// A sent entry is neither retried nor sent again.
		await outbox.markRetry(['s1|a@1.0.0'], 'late failure', at(2));
		await outbox.markSent(['s1|a@1.0.0'], 'message-2', at(3));
		const stored = (await store.get<{ entries: unknown[] }>('outbox:subscription:s1'))?.entries;
		expect(stored?.[0]).toEqual({
			id: 's1|a@1.0.0',
			subscriptionId: 's1',
			channelId: 'chan-s1',
			key: 'a@1.0.0',
			createdAt: T0.toISOString(),
			attempts: 1,
			lastError: 'timeout',
			state: 'sent',
			messageId: 'message-1',
			sentAt: at(1).toISOString(),
		});
	});

	it('drops a removed subscription’s entries and the announcements nobody else needs', async () => {
		const store = new Keyv();
		const outbox = await loaded(store);
		const shared = announcement('shared@1.0.0');
		await outbox.enqueue(
			[
				{ subscription: subscription('s1'), announcement: shared },
				{ subscription: subscription('s1'), announcement: announcement('own@1.0.0') },
				{ subscription: subscription('s2'), announcement: shared },
			],
			T0,
		);
		await outbox.dropSubscription('s1');
		expect(outbox.due(at(1)).map((e) => e.id)).toEqual(['s2|shared@1.0.0']);
		expect(outbox.announcement('own@1.0.0')).toBeUndefined();
		expect(outbox.announcement('shared@1.0.0')).toEqual(shared);
		expect(await store.get('outbox:subscription:s1')).toBeUndefined();
		expect(await store.get('outbox:announcement:own@1.0.0')).toBeUndefined();
		expect(await store.get('outbox:index')).toEqual({ v: 1, subscriptions: ['s2'] });
	});

	it('prunes sent entries older than keepSentMs and keeps pending ones however old', async () => {
		const store = new Keyv();
		const outbox = await loaded(store, { keepSentMs: 1_000 });
		await outbox.enqueue(
			[
				{ subscription: subscription('s1'), announcement: announcement('old@1.0.0') },
				{ subscription: subscription('s1'), announcement: announcement('recent@1.0.0') },
				{ subscription: subscription('s2'), announcement: announcement('waiting@1.0.0') },
			],
			T0,
		);
		await outbox.markSent(['s1|old@1.0.0'], 'm1', at(0));
		await outbox.markSent(['s1|recent@1.0.0'], 'm2', at(5_000));
		await outbox.prune(at(5_500));
		expect(outbox.stats()).toEqual({ pending: 1, sent: 1 });
		expect(outbox.announcement('old@1.0.0')).toBeUndefined();
		expect(outbox.announcement('recent@1.0.0')).toBeDefined();
		expect(await store.get('outbox:announcement:old@1.0.0')).toBeUndefined();
		// The pruned entry no longer blocks a new post for the same release.
		expect(
			await outbox.enqueue([{ subscription: subscription('s1'), announcement: announcement('old@1.0.0') }], at(6_000)),
		).toHaveLength(1);
		await outbox.prune(at(1_000_000_000));
		expect(outbox.stats()).toEqual({ pending: 2, sent: 0 });
	});
});

describe('Outbox persistence', () => {
	const dirs: string[] = [];
	afterEach(() => {
		for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
	});

	it('loads pending and sent entries and announcements written by another instance', async () => {
		const store = new Keyv();
		const writer = await loaded(store);
		await writer.enqueue(
			[
				{ subscription: subscription('s1'), announcement: announcement('a@1.0.0') },
				{ subscription: subscription('s1'), announcement: announcement('b@1.0.0') },
			],
			T0,
		);
		await writer.markSent(['s1|a@1.0.0'], 'message-1', at(1));
		await writer.markRetry(['s1|b@1.0.0'], 'HTTP 503', at(2));

		const reader = await loaded(store);
		expect(reader.stats()).toEqual({ pending: 1, sent: 1 });
		expect(reader.due(at(10_000_000))).toEqual(writer.due(at(10_000_000)));
		expect(reader.announcement('b@1.0.0')).toEqual(announcement('b@1.0.0'));
		expect(await reader.enqueue([{ subscription: subscription('s1'), announcement: announcement('a@1.0.0') }])).toEqual(
			[],
		);
	});

	it('leaves out pending entries whose announcement is missing', async () => {
		const store = new Keyv();
		const writer = await loaded(store);
		await writer.enqueue([{ subscription: subscription('s1'), announcement: announcement('a@1.0.0') }], T0);
		await store.delete('outbox:announcement:a@1.0.0');
		const reader = await loaded(store);
		expect(reader.due(at(1))).toEqual([]);
	});

	it('round-trips through SQLite with a real changelog section', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'fmb-outbox-'));
		dirs.push(dir);
		const url = `sqlite://${join(dir, 'bot.sqlite')}`;
		const mod = syntheticMod(fixtureText('changelogs/bobplates.txt'), ['2.1.0']);
		const a = announcementFromEvent(eventOf(mod, '2.1.0'));

		const first = await openStore(url);
		const writer = await loaded(first);
		await writer.enqueue([{ subscription: subscription('s1'), announcement: a }], T0);
		await first.disconnect();

		const second = await openStore(url);
		const reader = await loaded(second);
		expect(reader.due(at(1)).map((e) => e.id)).toEqual(['s1|some-mod@2.1.0']);
		expect(reader.announcement('some-mod@2.1.0')).toEqual(a);
		await second.disconnect();
	});
});
