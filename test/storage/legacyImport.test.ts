import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Keyv from 'keyv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { Catalog } from '../../src/services/catalog/catalog.js';
import type { ModSummary } from '../../src/services/portal/schemas.js';
import { CatalogStore } from '../../src/storage/catalogStore.js';
import { openDatabase, type OpenDatabase } from '../../src/storage/database.js';
import { openKeyValueStore, type KeyValueStore } from '../../src/storage/keyValue.js';
import { importLegacyStore, LegacyImportError } from '../../src/storage/legacyImport.js';
import { readState } from '../../src/storage/state.js';
import { storeLegacyCatalog } from '../support/legacy/catalog.js';
import { Outbox, type Announcement } from '../support/legacy/outbox.js';
import { ReleaseTracker } from '../support/legacy/releaseTracker.js';
import { openStore } from '../support/legacy/store.js';
import { SubscriptionStore, type Subscription } from '../support/legacy/subscriptions.js';

const GUILD = '100000000000000001';
const OTHER_GUILD = '100000000000000002';
const USER = '300000000000000003';
const HOUR = 3_600_000;
const NOW = Date.parse('2025-06-01T12:00:00.000Z');

function mod(name: string, version: string, releasedAt: string, owner = 'Someone'): ModSummary {
	return {
		name,
		title: `${name} title`,
		owner,
		summary: `About ${name} — ünïcode`,
		downloadsCount: 1_000,
		category: 'content',
		score: 0,
		thumbnail: undefined,
		latestRelease: {
			version,
			releasedAt,
			factorioVersion: '2.0',
			dependencies: undefined,
			downloadUrl: `/download/${name}/1`,
			fileName: `${name}_${version}.zip`,
			sha1: undefined,
			featureFlags: [],
		},
		releases: undefined,
	};
}

const MODS = [
	mod('flib', '0.16.0', '2025-05-01T10:00:00.000Z', 'raiguard'),
	mod('Krastorio2', '2.0.5', '2025-04-01T10:00:00.000Z', 'Krastor'),
	mod('Squeak Through', '1.8.2', '2020-01-01T10:00:00.000Z', 'Supercheese'),
];

function announcement(key: string, title: string): Announcement {
	const [name = '', version = ''] = key.split('@');
	return {
		key,
		mod: name,
		title,
		owner: 'raiguard',
		version,
		factorioVersion: '2.0',
		releasedAt: '2025-06-01T10:00:00.000Z',
		isNewMod: false,
		changelog: {
			section: {
				version,
				categories: [{ name: 'Bugfixes', entries: ['Fixed a crash — “quotes”'] }],
				text: '',
			},
		},
	};
}

/** What the earlier version wrote, with the handles the checks need. */
interface LegacyLayout {
	mod: Subscription;
	owner: Subscription;
	all: Subscription;
	forum: Subscription;
	/** Entry ids: never attempted, attempted and failed once, posted. */
	pendingFresh: string;
	pendingRetried: string;
	sent: string;
	retriedBatch: string;
}

/** Builds today's keyv-document layout in `url` through today's writers (test/support/legacy). */
async function writeLegacyStore(url: string): Promise<LegacyLayout> {
	const store = await openStore(url);
	const subscriptions = new SubscriptionStore({ store, maxPerGuild: 50 });
	const outbox = new Outbox({ store, random: () => 0 });
	const tracker = new ReleaseTracker({ store });
	await Promise.all([subscriptions.load(), outbox.load(), tracker.load()]);

	const add = async (input: Parameters<SubscriptionStore['add']>[0]) => (await subscriptions.add(input)).subscription;
	const modSubscription = await add({
		guildId: GUILD,
		channelId: '200000000000000001',
		target: { kind: 'mod', name: 'flib' },
		changelog: 'full',
		createdBy: USER,
	});
	const ownerSubscription = await add({
		guildId: GUILD,
		channelId: '200000000000000002',
		target: { kind: 'author', owner: 'Raiguard' },
		roleId: '400000000000000004',
		changelog: 'summary',
		createdBy: USER,
	});
	const allSubscription = await add({
		guildId: OTHER_GUILD,
		channelId: '200000000000000003',
		target: { kind: 'all', filters: { factorioVersion: '2.0', tag: 'Trains' } },
		changelog: 'none',
		createdBy: USER,
	});
	const forumSubscription = await add({
		guildId: OTHER_GUILD,
		channelId: '200000000000000004',
		target: { kind: 'mod', name: 'Krastorio2' },
		changelog: 'full',
		createdBy: USER,
	});
	const removed = await add({
		guildId: OTHER_GUILD,
		channelId: '200000000000000005',
		target: { kind: 'mod', name: 'flib' },
		changelog: 'full',
		createdBy: USER,
	});
	await subscriptions.pause(allSubscription.id, 'Missing Permissions: the bot cannot post there', new Date(NOW - HOUR));
	await subscriptions.recordPost(modSubscription.id, new Date(NOW - 2 * HOUR));
	await subscriptions.setForumThread(forumSubscription.id, 'Krastorio2', '500000000000000005');

	await tracker.seed(MODS, { at: new Date(NOW - 48 * HOUR) });
	await tracker.commit([], { flib: '0.16.1' });

	const flib = announcement('flib@0.16.1', 'Factorio Library');
	const kr = announcement('Krastorio2@2.0.6', 'Krastorio 2');
	const created = new Date(NOW - 30 * 60_000);
	await outbox.enqueue(
		[
			{ subscription: modSubscription, announcement: flib },
			{ subscription: ownerSubscription, announcement: flib },
			{ subscription: forumSubscription, announcement: kr },
			{ subscription: allSubscription, announcement: kr },
			{ subscription: removed, announcement: flib },
		],
		created,
	);
	// Posted: flib to the mod subscription. Tried once and failed: flib to the owner subscription.
	const sent = `${modSubscription.id}|flib@0.16.1`;
	const retried = `${ownerSubscription.id}|flib@0.16.1`;
	await outbox.assignBatch([sent], outbox.nonce([{ id: sent }]));
	await outbox.markSent([sent], '600000000000000006', new Date(NOW - 20 * 60_000));
	const retriedBatch = outbox.nonce([{ id: retried }]);
	await outbox.assignBatch([retried], retriedBatch);
	await outbox.markRetry([retried], 'HTTP 500 Internal Server Error', new Date(NOW - 10 * 60_000));
	// A subscription removed without its outbox entries (an earlier bug could leave them): they must not come along.
	await subscriptions.remove(OTHER_GUILD, removed.id);

	await storeLegacyCatalog(store, MODS, { fetchedAt: new Date(NOW - HOUR), createdOrder: ['flib'] });
	await store.set(`commands:700000000000000007:global`, 'abc123');
	await store.disconnect();
	return {
		mod: modSubscription,
		owner: ownerSubscription,
		all: allSubscription,
		forum: forumSubscription,
		pendingFresh: `${forumSubscription.id}|Krastorio2@2.0.6`,
		pendingRetried: retried,
		sent,
		retriedBatch,
	};
}

describe('importLegacyStore', () => {
	let dir: string;
	let url: string;
	let database: OpenDatabase | undefined;
	let keyValues: KeyValueStore | undefined;

	beforeEach(() => {
		dir = mkdtempSync(join(tmpdir(), 'fmb-legacy-'));
		url = `sqlite://${join(dir, 'bot.sqlite')}`;
	});
	afterEach(async () => {
		await keyValues?.close();
		await database?.close();
		keyValues = undefined;
		database = undefined;
		rmSync(dir, { recursive: true, force: true });
	});

	async function open(): Promise<{ database: OpenDatabase; keyv: Keyv }> {
		database = await openDatabase(url);
		keyValues = await openKeyValueStore(database);
		return { database, keyv: keyValues.keyv };
	}

	it('does carry every subscription, pause, last post and forum post over when today’s store is upgraded', async () => {
		const legacy = await writeLegacyStore(url);
		const { database, keyv } = await open();
		const result = await importLegacyStore(database.db, keyv, silentLogger(), { now: NOW });
		expect(result).toMatchObject({ ran: true, subscriptions: 4, forumThreads: 1 });

		const rows = await database.db.selectFrom('subscriptions').selectAll().orderBy('channel_id').execute();
		const base = { channel_type: -1, created_by: USER, modpack_id: null };
		expect(rows).toEqual([
			{
				...base,
				id: legacy.mod.id,
				guild_id: GUILD,
				channel_id: '200000000000000001',
				target_kind: 'mod',
				target_key: 'mod:flib',
				mod_name: 'flib',
				owner: null,
				owner_key: null,
				factorio_version: null,
				category: null,
				tag: null,
				role_id: null,
				changelog_detail: 'full',
				created_at: Date.parse(legacy.mod.createdAt),
				last_post_at: NOW - 2 * HOUR,
				paused_reason: null,
				paused_since: null,
			},
			{
				...base,
				id: legacy.owner.id,
				guild_id: GUILD,
				channel_id: '200000000000000002',
				target_kind: 'owner',
				target_key: 'owner:raiguard',
				mod_name: null,
				owner: 'Raiguard',
				owner_key: 'raiguard',
				factorio_version: null,
				category: null,
				tag: null,
				role_id: '400000000000000004',
				changelog_detail: 'summary',
				created_at: Date.parse(legacy.owner.createdAt),
				last_post_at: null,
				paused_reason: null,
				paused_since: null,
			},
			{
				...base,
				id: legacy.all.id,
				guild_id: OTHER_GUILD,
				channel_id: '200000000000000003',
				target_kind: 'all',
				target_key: 'all:2.0||trains',
				mod_name: null,
				owner: null,
				owner_key: null,
				factorio_version: '2.0',
				category: null,
				tag: 'trains',
				role_id: null,
				changelog_detail: 'none',
				created_at: Date.parse(legacy.all.createdAt),
				last_post_at: null,
				paused_reason: 'Missing Permissions: the bot cannot post there',
				paused_since: NOW - HOUR,
			},
			expect.objectContaining({ id: legacy.forum.id, target_key: 'mod:Krastorio2', channel_type: -1 }),
		]);
		expect(await database.db.selectFrom('forum_threads').selectAll().execute()).toEqual([
			{ subscription_id: legacy.forum.id, mod_name: 'Krastorio2', thread_id: '500000000000000005' },
		]);
	});

	it('does carry known releases, the seed time, pending and sent posts over when today’s store is upgraded', async () => {
		const legacy = await writeLegacyStore(url);
		const { database, keyv } = await open();
		const result = await importLegacyStore(database.db, keyv, silentLogger(), { now: NOW });
		expect(result).toMatchObject({ knownReleases: 3, announcements: 2, pending: 3, sent: 1, skipped: 1 });

		const known = await database.db.selectFrom('known_releases').selectAll().orderBy('mod_name').execute();
		expect(known).toEqual([
			{ mod_name: 'Krastorio2', version: '2.0.5', released_at: Date.parse('2025-04-01T10:00:00.000Z') },
			{ mod_name: 'Squeak Through', version: '1.8.2', released_at: Date.parse('2020-01-01T10:00:00.000Z') },
			{ mod_name: 'flib', version: '0.16.1', released_at: null },
		]);
		expect(await readState(database.db, 'feed.seeded_at')).toBe(NOW - 48 * HOUR);

		const outbox = await database.db.selectFrom('outbox').selectAll().execute();
		const byId = new Map(outbox.map((row) => [`${row.subscription_id}|${row.release_key}`, row]));
		expect(outbox).toHaveLength(4);
		const created = NOW - 30 * 60_000;
		expect(byId.get(legacy.sent)).toMatchObject({
			state: 'sent',
			message_id: '600000000000000006',
			sent_at: NOW - 20 * 60_000,
			created_at: created,
		});
		expect(byId.get(legacy.pendingFresh)).toMatchObject({
			state: 'pending',
			due_at: created,
			attempts: 0,
			batch_nonce: null,
			batch_started_at: null,
		});
		const retried = byId.get(legacy.pendingRetried);
		expect(retried).toMatchObject({
			state: 'pending',
			attempts: 1,
			batch_nonce: legacy.retriedBatch,
			due_at: NOW - 10 * 60_000 + 30_000,
			last_error: 'HTTP 500 Internal Server Error',
		});
		// Counted as started long ago, and never later than the post was queued: delivery looks before resending.
		expect(retried?.batch_started_at).toBeLessThanOrEqual(Math.min(created, NOW - HOUR));

		const announcements = await database.db.selectFrom('announcements').selectAll().orderBy('release_key').execute();
		expect(announcements.map((row) => [row.release_key, row.mod_name, row.version, row.detected_at])).toEqual([
			['Krastorio2@2.0.6', 'Krastorio2', '2.0.6', created],
			['flib@0.16.1', 'flib', '0.16.1', created],
		]);
		// The feed's snapshot shape: the earlier `key` is its `releaseKey`, everything else as it was.
		const { key, ...rest } = announcement('flib@0.16.1', 'Factorio Library');
		expect(JSON.parse(announcements[1]!.snapshot)).toEqual({ releaseKey: key, ...rest });
		expect(await readState(database.db, 'legacy.imported_at')).toBe(NOW);
	});

	it('does not post a sent release again when the same release is queued after the upgrade', async () => {
		const legacy = await writeLegacyStore(url);
		const { database, keyv } = await open();
		await importLegacyStore(database.db, keyv, silentLogger(), { now: NOW });
		const [subscriptionId = '', releaseKey = ''] = legacy.sent.split('|');
		// What enqueueing does (one row per subscription and release, conflicts ignored).
		const again = await database.db
			.insertInto('outbox')
			.values({
				subscription_id: subscriptionId,
				release_key: releaseKey,
				state: 'pending',
				due_at: NOW,
				created_at: NOW,
				batch_nonce: null,
				batch_started_at: null,
				message_id: null,
				sent_at: null,
				last_error: null,
			})
			.onConflict((oc) => oc.doNothing())
			.executeTakeFirst();
		expect(Number(again.numInsertedOrUpdatedRows)).toBe(0);
		const row = await database.db
			.selectFrom('outbox')
			.select('state')
			.where('subscription_id', '=', subscriptionId)
			.where('release_key', '=', releaseKey)
			.executeTakeFirstOrThrow();
		expect(row.state).toBe('sent');
	});

	it('does bring the catalog and the commands hash along so search and registration need no portal call', async () => {
		await writeLegacyStore(url);
		const { database, keyv } = await open();
		const result = await importLegacyStore(database.db, keyv, silentLogger(), { now: NOW });
		expect(result.catalogMods).toBe(MODS.length);
		const catalog = new Catalog({ store: new CatalogStore(database.db) });
		expect(await catalog.load()).toBe(true);
		// The store has the entries whole; the catalog keeps them without the release's download fields in memory.
		const stored: unknown[] = [];
		for await (const chunk of new CatalogStore(database.db).rows()) {
			for (const row of chunk) stored.push(JSON.parse(row.data));
		}
		expect(stored).toEqual(JSON.parse(JSON.stringify(MODS)));
		expect(catalog.all().map((m) => [m.name, m.title, m.owner, m.latestRelease?.version])).toEqual(
			MODS.map((m) => [m.name, m.title, m.owner, m.latestRelease?.version]),
		);
		expect(catalog.fetchedAt?.getTime()).toBe(NOW - HOUR);
		expect(catalog.search({ sort: 'created', limit: 1 }).mods.map((m) => m.name)).toEqual(['flib']);
		expect(await keyv.get('commands:700000000000000007:global')).toBe('abc123');
	});

	it('does import only once when the bot starts again', async () => {
		await writeLegacyStore(url);
		const first = await open();
		await importLegacyStore(first.database.db, first.keyv, silentLogger(), { now: NOW });
		await keyValues?.close();
		await first.database.close();
		const second = await open();
		const result = await importLegacyStore(second.database.db, second.keyv, silentLogger(), { now: NOW + HOUR });
		expect(result.ran).toBe(false);
		expect(await second.database.db.selectFrom('outbox').selectAll().execute()).toHaveLength(4);
		expect(await readState(second.database.db, 'legacy.imported_at')).toBe(NOW);
	});

	it('does only mark the import done when there is nothing to import', async () => {
		const { database, keyv } = await open();
		const result = await importLegacyStore(database.db, keyv, silentLogger(), { now: NOW });
		expect(result).toMatchObject({ ran: true, subscriptions: 0, knownReleases: 0, pending: 0, catalogMods: 0 });
		expect(await readState(database.db, 'legacy.imported_at')).toBe(NOW);
		expect(await readState(database.db, 'feed.seeded_at')).toBeUndefined();
	});

	it('does stop without marking anything when an index document has an unexpected shape', async () => {
		await writeLegacyStore(url);
		const { database, keyv } = await open();
		await keyv.set('outbox:index', { v: 2, whatever: true });
		await expect(importLegacyStore(database.db, keyv, silentLogger(), { now: NOW })).rejects.toThrow(LegacyImportError);
		expect(await readState(database.db, 'legacy.imported_at')).toBeUndefined();
		expect(await database.db.selectFrom('subscriptions').selectAll().execute()).toEqual([]);
		expect(await keyv.get('subscriptions:index')).toBeDefined();
	});
});
