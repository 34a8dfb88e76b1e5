/**
 * The upgrade from the keyv-document store of earlier versions (everything in keyv documents in `data/bot.sqlite`)
 * to the tables: run once, at start, after the store is opened and before anything reads the tables.
 *
 * The layouts read here are those written by the earlier `SubscriptionStore`, `Outbox` and `ReleaseTracker`
 * (copies of their writers are kept in `test/support/legacy/`), all in keyv's namespace `bot`:
 * - `subscriptions:index` -> `{ v: 1, guilds }`; `subscriptions:guild:{guildId}` -> `{ v: 1, subscriptions }`;
 * - `outbox:index` -> `{ v: 1, subscriptions }`; `outbox:subscription:{id}` -> `{ v: 1, entries }`;
 *   `outbox:announcement:{mod@version}` -> the release's snapshot;
 * - `releases:meta` -> `{ v: 1, seededAt, buckets }`; `releases:known:{0..buckets-1}` -> `{ v: 1, mods }`;
 * - `catalog` -> the catalog, gzipped JSON in base64 (`gzip-base64:` prefix) or plain JSON.
 *
 * Mapping: subscriptions keep their ids, with target `author` -> `owner`, the channel type unknown (-1: the poster
 * looks it up), `changelog` -> `changelog_detail`, the paused state and the last post; forum posts go to
 * `forum_threads`; known releases and the seed time to `known_releases` and `feed.seeded_at`; pending posts keep
 * their batch nonce and their snapshot (its `key` becomes `releaseKey`), with their batch counted as started long ago (see {@link batchStartedAt}), so delivery looks
 * for an earlier post before it sends again; sent posts stay `sent`, so a release detected again is not posted twice.
 *
 * The old documents are left as they were (nothing reads them after the import). The import is marked done in
 * `state` (`legacy.imported_at`) in the same transaction as the rows it writes; the catalog goes first in its own
 * transaction (it is re-fetched from the portal anyway).
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { Insertable, Kysely } from 'kysely';
import type Keyv from 'keyv';
import { z } from 'zod';
import type { Logger } from '../log.js';
import { CatalogStore, type CatalogRow } from './catalogStore.js';
import type { Database } from './schema.js';
import { readState, STATE_KEYS, writeState } from './state.js';

/** A legacy document the import cannot read: the upgrade stops (nothing is marked done) instead of losing data. */
export class LegacyImportError extends Error {
	override readonly name = 'LegacyImportError';
}

/** What {@link importLegacyStore} did. */
export interface LegacyImportResult {
	/** False when an earlier start already imported (nothing was read). */
	ran: boolean;
	subscriptions: number;
	forumThreads: number;
	knownReleases: number;
	announcements: number;
	pending: number;
	sent: number;
	catalogMods: number;
	/** Entries left out: invalid ones (as the earlier loaders left them out), and posts of missing subscriptions. */
	skipped: number;
}

const gunzipAsync = promisify(gunzip);

/** Keys per keyv read: @keyv/sqlite's `getMany` matches rows to keys in quadratic time. */
const READ_CHUNK = 500;
/** Rows per insert statement (at most 13 parameters a row). */
const WRITE_CHUNK = 200;
const HOUR_MS = 3_600_000;

const SubscriptionIndexSchema = z.object({ v: z.literal(1), guilds: z.array(z.string()) });
const GuildDocumentSchema = z.object({ v: z.literal(1), subscriptions: z.array(z.unknown()) });
const SubscriptionSchema = z.object({
	id: z.string().min(1),
	guildId: z.string().min(1),
	channelId: z.string().min(1),
	target: z.discriminatedUnion('kind', [
		z.object({ kind: z.literal('mod'), name: z.string().min(1) }),
		z.object({ kind: z.literal('author'), owner: z.string().min(1) }),
		z.object({
			kind: z.literal('all'),
			filters: z.object({
				factorioVersion: z.string().optional(),
				category: z.string().optional(),
				tag: z.string().optional(),
			}),
		}),
	]),
	roleId: z.string().optional(),
	changelog: z.enum(['full', 'summary', 'none']),
	createdBy: z.string(),
	createdAt: z.string(),
	lastPostAt: z.string().optional(),
	health: z.discriminatedUnion('state', [
		z.object({ state: z.literal('active') }),
		z.object({ state: z.literal('paused'), reason: z.string(), since: z.string() }),
	]),
	forumThreads: z.record(z.string(), z.string()).default({}),
});
type LegacySubscription = z.output<typeof SubscriptionSchema>;

const OutboxIndexSchema = z.object({ v: z.literal(1), subscriptions: z.array(z.string()) });
const OutboxDocumentSchema = z.object({ v: z.literal(1), entries: z.array(z.unknown()) });
const EntrySchema = z.object({
	subscriptionId: z.string().min(1),
	key: z.string().min(1),
	createdAt: z.string(),
	attempts: z.number().int().nonnegative(),
	notBefore: z.string().optional(),
	state: z.enum(['pending', 'sent']),
	messageId: z.string().optional(),
	sentAt: z.string().optional(),
	lastError: z.string().optional(),
	batch: z.string().optional(),
});
type LegacyEntry = z.output<typeof EntrySchema>;
/** The snapshot is kept as stored (the feed's renderer reads it); these fields must be there. */
const AnnouncementSchema = z.looseObject({
	key: z.string().min(1),
	mod: z.string().min(1),
	title: z.string(),
	owner: z.string(),
	version: z.string().min(1),
	isNewMod: z.boolean(),
});

const ReleaseMetaSchema = z.object({ v: z.literal(1), seededAt: z.string(), buckets: z.number().int().positive() });
const BucketSchema = z.object({
	v: z.literal(1),
	mods: z.record(z.string(), z.union([z.tuple([z.string()]), z.tuple([z.string(), z.number()])])),
});

const CatalogEnvelopeSchema = z.object({
	format: z.literal(1),
	fetchedAt: z.iso.datetime(),
	createdOrder: z.array(z.string()),
	mods: z.array(z.unknown()),
});

/** Epoch ms of an ISO 8601 time; `fallback` when it does not parse. */
function millis(iso: string | undefined, fallback: number): number {
	const ms = iso === undefined ? Number.NaN : Date.parse(iso);
	return Number.isNaN(ms) ? fallback : ms;
}

/** Reads documents by key (undefined for a missing one). @throws the store's error. */
async function readDocuments(keyv: Keyv, keys: readonly string[]): Promise<unknown[]> {
	const values: unknown[] = [];
	for (let start = 0; start < keys.length; start += READ_CHUNK) {
		values.push(...(await keyv.getMany<unknown>(keys.slice(start, start + READ_CHUNK))));
	}
	return values;
}

/** Parses one index or meta document; absent is `fallback`, another shape stops the import. */
function parseRoot<S extends z.ZodType, F>(schema: S, raw: unknown, key: string, fallback: F): z.output<S> | F {
	if (raw === undefined) return fallback;
	const parsed = schema.safeParse(raw);
	if (!parsed.success) {
		throw new LegacyImportError(
			`The stored document ${key} of an earlier version has an unexpected shape; nothing was imported. ` +
				'Keep the store file for a bug report and restore a backup, or remove the document to import without it.',
		);
	}
	return parsed.data;
}

/** The subscriptions row of a legacy subscription (see the module comment for the mapping). */
function subscriptionRow(subscription: LegacySubscription, now: number): Insertable<Database['subscriptions']> {
	const { target } = subscription;
	const row = {
		id: subscription.id,
		guild_id: subscription.guildId,
		channel_id: subscription.channelId,
		channel_type: -1,
		mod_name: null as string | null,
		owner: null as string | null,
		owner_key: null as string | null,
		factorio_version: null as string | null,
		category: null as string | null,
		tag: null as string | null,
		modpack_id: null,
		role_id: subscription.roleId ?? null,
		changelog_detail: subscription.changelog,
		created_by: subscription.createdBy,
		created_at: millis(subscription.createdAt, now),
		last_post_at: subscription.lastPostAt === undefined ? null : millis(subscription.lastPostAt, now),
		paused_reason: subscription.health.state === 'paused' ? subscription.health.reason : null,
		paused_since: subscription.health.state === 'paused' ? millis(subscription.health.since, now) : null,
	};
	switch (target.kind) {
		case 'mod':
			return { ...row, target_kind: 'mod', target_key: `mod:${target.name}`, mod_name: target.name };
		case 'author': {
			const ownerKey = target.owner.toLowerCase();
			return {
				...row,
				target_kind: 'owner',
				target_key: `owner:${ownerKey}`,
				owner: target.owner,
				owner_key: ownerKey,
			};
		}
		case 'all': {
			const version = target.filters.factorioVersion ?? '';
			const category = target.filters.category?.toLowerCase() ?? '';
			const tag = target.filters.tag?.toLowerCase() ?? '';
			return {
				...row,
				target_kind: 'all',
				target_key: `all:${version}|${category}|${tag}`,
				factorio_version: version || null,
				category: category || null,
				tag: tag || null,
			};
		}
	}
}

/**
 * When a legacy batch counts as started: the earliest `createdAt` among its entries (no attempt can be older), and
 * at least an hour before the import, far past Discord's nonce window, so delivery looks in the channel for an
 * earlier post of the batch before it sends again. Either bound is a valid "since" for that search.
 */
function batchStartedAt(entries: readonly LegacyEntry[], now: number): Map<string, number> {
	const started = new Map<string, number>();
	for (const entry of entries) {
		if (entry.batch === undefined) continue;
		const created = millis(entry.createdAt, now);
		started.set(entry.batch, Math.min(started.get(entry.batch) ?? now - HOUR_MS, created));
	}
	return started;
}

/**
 * The snapshot as the feed stores it (`Announcement` of `services/announcements/snapshot.ts`): the earlier one with
 * its `key` named `releaseKey`, every other field as it was; a minimal one for a sent post whose snapshot is gone
 * (it is never rendered, it only keeps the release from being posted again).
 */
function snapshotOf(
	legacy: z.output<typeof AnnouncementSchema> | undefined,
	key: string,
	mod: string,
	version: string,
): Record<string, unknown> {
	if (!legacy) return { releaseKey: key, mod, title: mod, owner: '', version, isNewMod: false };
	const { key: releaseKey, ...rest } = legacy;
	return { releaseKey, ...rest };
}

/** The release key's mod name and version (`mod@version`; a mod name may itself hold `@`). */
function splitKey(key: string): { mod: string; version: string } {
	const at = key.lastIndexOf('@');
	return at <= 0 ? { mod: key, version: '' } : { mod: key.slice(0, at), version: key.slice(at + 1) };
}

async function insertChunks<T extends keyof Database>(
	db: Kysely<Database>,
	table: T,
	rows: readonly Insertable<Database[T]>[],
): Promise<number> {
	let inserted = 0;
	for (let start = 0; start < rows.length; start += WRITE_CHUNK) {
		const result = await db
			.insertInto(table)
			.values(rows.slice(start, start + WRITE_CHUNK))
			.onConflict((oc) => oc.doNothing())
			.executeTakeFirst();
		inserted += Number(result.numInsertedOrUpdatedRows ?? 0);
	}
	return inserted;
}

/** The stored catalog value of earlier versions, unpacked; undefined when absent or unreadable (it is re-fetched). */
async function readLegacyCatalog(keyv: Keyv, log: Logger): Promise<z.output<typeof CatalogEnvelopeSchema> | undefined> {
	const raw = await keyv.get<unknown>('catalog');
	if (raw === undefined || raw === null) return undefined;
	try {
		let value: unknown = raw;
		if (typeof raw === 'string') {
			const prefix = 'gzip-base64:';
			const json = raw.startsWith(prefix)
				? (await gunzipAsync(Buffer.from(raw.slice(prefix.length), 'base64'))).toString('latin1')
				: raw;
			value = JSON.parse(json) as unknown;
		}
		return CatalogEnvelopeSchema.parse(value);
	} catch (error) {
		log.warn({ err: error }, 'the catalog of the earlier version is unreadable; it will be fetched from the portal');
		return undefined;
	}
}

/** Imports the legacy catalog into `catalog_mods` unless a catalog is stored already. @returns the rows written. */
async function importCatalog(db: Kysely<Database>, keyv: Keyv, log: Logger): Promise<number> {
	if ((await readState(db, STATE_KEYS.catalogMeta)) !== undefined) return 0;
	const envelope = await readLegacyCatalog(keyv, log);
	if (!envelope) return 0;
	const rows: CatalogRow[] = envelope.mods.flatMap((mod) =>
		typeof mod === 'object' && mod !== null && 'name' in mod && typeof mod.name === 'string'
			? [{ name: mod.name, data: JSON.stringify(mod) }]
			: [],
	);
	const result = await new CatalogStore(db).replace(rows, {
		fetchedAt: millis(envelope.fetchedAt, 0),
		createdOrder: envelope.createdOrder,
	});
	return result.written;
}

/**
 * Imports the keyv documents of earlier versions into the tables, once: a no-op when `legacy.imported_at` is set,
 * and for a store without such documents (a new install, PostgreSQL) it only sets it. Call it at start, after
 * `openDatabase` and before the feed or catalog read the tables.
 *
 * @param db the migrated database.
 * @param keyv the key-value store of the same database (`openKeyValueStore(...).keyv`, namespace `bot`).
 * @param options.now the import time (epoch ms), default now.
 * @returns counts of what was imported (also logged at info level).
 * @throws {LegacyImportError} when an index or meta document has an unexpected shape (nothing is marked done, the
 *   documents stay); the store's error when it cannot be read or written (the next start tries again).
 */
export async function importLegacyStore(
	db: Kysely<Database>,
	keyv: Keyv,
	log: Logger,
	options: { now?: number } = {},
): Promise<LegacyImportResult> {
	const result: LegacyImportResult = {
		ran: false,
		subscriptions: 0,
		forumThreads: 0,
		knownReleases: 0,
		announcements: 0,
		pending: 0,
		sent: 0,
		catalogMods: 0,
		skipped: 0,
	};
	if ((await readState(db, STATE_KEYS.legacyImportedAt)) !== undefined) return result;
	const now = options.now ?? Date.now();
	result.ran = true;
	result.catalogMods = await importCatalog(db, keyv, log);

	// Subscriptions.
	const [rawSubscriptionIndex, rawOutboxIndex, rawReleaseMeta] = await readDocuments(keyv, [
		'subscriptions:index',
		'outbox:index',
		'releases:meta',
	]);
	const subscriptionIndex = parseRoot(SubscriptionIndexSchema, rawSubscriptionIndex, 'subscriptions:index', {
		v: 1,
		guilds: [],
	});
	const guildDocuments = await readDocuments(
		keyv,
		subscriptionIndex.guilds.map((guildId) => `subscriptions:guild:${guildId}`),
	);
	const subscriptions: LegacySubscription[] = [];
	for (const [position, guildId] of subscriptionIndex.guilds.entries()) {
		const document = GuildDocumentSchema.safeParse(guildDocuments[position]);
		if (!document.success) {
			if (guildDocuments[position] !== undefined) result.skipped++;
			continue;
		}
		for (const raw of document.data.subscriptions) {
			const parsed = SubscriptionSchema.safeParse(raw);
			if (parsed.success && parsed.data.guildId === guildId) subscriptions.push(parsed.data);
			else result.skipped++;
		}
	}
	const subscriptionIds = new Set(subscriptions.map((subscription) => subscription.id));

	// Outbox: entries of subscriptions that still exist, and the snapshots they refer to.
	const outboxIndex = parseRoot(OutboxIndexSchema, rawOutboxIndex, 'outbox:index', { v: 1, subscriptions: [] });
	const outboxDocuments = await readDocuments(
		keyv,
		outboxIndex.subscriptions.map((id) => `outbox:subscription:${id}`),
	);
	const entries: LegacyEntry[] = [];
	for (const [position, subscriptionId] of outboxIndex.subscriptions.entries()) {
		const document = OutboxDocumentSchema.safeParse(outboxDocuments[position]);
		if (!document.success) continue;
		for (const raw of document.data.entries) {
			const parsed = EntrySchema.safeParse(raw);
			if (parsed.success && parsed.data.subscriptionId === subscriptionId && subscriptionIds.has(subscriptionId)) {
				entries.push(parsed.data);
			} else result.skipped++;
		}
	}
	const keys = [...new Set(entries.map((entry) => entry.key))];
	const rawAnnouncements = await readDocuments(
		keyv,
		keys.map((key) => `outbox:announcement:${key}`),
	);
	const snapshots = new Map<string, z.output<typeof AnnouncementSchema>>();
	for (const [position, key] of keys.entries()) {
		const parsed = AnnouncementSchema.safeParse(rawAnnouncements[position]);
		if (parsed.success && parsed.data.key === key) snapshots.set(key, parsed.data);
	}
	// A pending post without its snapshot can never be rendered (the earlier version dropped it too); a sent one
	// only serves to skip repeats and gets a minimal snapshot.
	const kept = entries.filter((entry) => entry.state === 'sent' || snapshots.has(entry.key));
	result.skipped += entries.length - kept.length;

	// Known releases.
	const releaseMeta = parseRoot(ReleaseMetaSchema, rawReleaseMeta, 'releases:meta', undefined);
	const known: Insertable<Database['known_releases']>[] = [];
	if (releaseMeta) {
		const buckets = await readDocuments(
			keyv,
			Array.from({ length: releaseMeta.buckets }, (_, bucket) => `releases:known:${bucket}`),
		);
		for (const [bucket, raw] of buckets.entries()) {
			if (raw === undefined) continue;
			const mods = parseRoot(BucketSchema, raw, `releases:known:${bucket}`, { v: 1, mods: {} }).mods;
			for (const [name, [version, releasedAt]] of Object.entries(mods)) {
				known.push({ mod_name: name, version, released_at: releasedAt ?? null });
			}
		}
	}

	const startedAt = batchStartedAt(kept, now);
	const createdAt = new Map<string, number>();
	for (const entry of kept) {
		const at = millis(entry.createdAt, now);
		createdAt.set(entry.key, Math.min(createdAt.get(entry.key) ?? at, at));
	}
	const announcementRows: Insertable<Database['announcements']>[] = [...createdAt].map(([key, detectedAt]) => {
		const snapshot = snapshots.get(key);
		const { mod, version } = snapshot ? { mod: snapshot.mod, version: snapshot.version } : splitKey(key);
		return {
			release_key: key,
			mod_name: mod,
			version,
			snapshot: JSON.stringify(snapshotOf(snapshot, key, mod, version)),
			detected_at: detectedAt,
		};
	});
	const outboxRows: Insertable<Database['outbox']>[] = kept.map((entry) => {
		const created = millis(entry.createdAt, now);
		return {
			subscription_id: entry.subscriptionId,
			release_key: entry.key,
			state: entry.state,
			due_at: entry.notBefore === undefined ? created : millis(entry.notBefore, created),
			attempts: entry.attempts,
			batch_nonce: entry.batch ?? null,
			batch_started_at: entry.batch === undefined ? null : (startedAt.get(entry.batch) ?? null),
			message_id: entry.messageId ?? null,
			sent_at: entry.sentAt === undefined ? null : millis(entry.sentAt, now),
			last_error: entry.lastError ?? null,
			created_at: created,
		};
	});
	const forumRows: Insertable<Database['forum_threads']>[] = subscriptions.flatMap((subscription) =>
		Object.entries(subscription.forumThreads).map(([mod, thread]) => ({
			subscription_id: subscription.id,
			mod_name: mod,
			thread_id: thread,
		})),
	);

	await db.transaction().execute(async (trx) => {
		result.subscriptions = await insertChunks(
			trx,
			'subscriptions',
			subscriptions.map((subscription) => subscriptionRow(subscription, now)),
		);
		result.skipped += subscriptions.length - result.subscriptions;
		// Rows of subscriptions that an existing row kept out (same id, or same channel and target) are not theirs.
		const inserted = new Set((await trx.selectFrom('subscriptions').select('id').execute()).map((row) => row.id));
		result.forumThreads = await insertChunks(
			trx,
			'forum_threads',
			forumRows.filter((row) => inserted.has(row.subscription_id)),
		);
		result.knownReleases = await insertChunks(trx, 'known_releases', known);
		if (releaseMeta && (await readState(trx, STATE_KEYS.feedSeededAt)) === undefined) {
			await writeState(trx, STATE_KEYS.feedSeededAt, millis(releaseMeta.seededAt, now));
		}
		result.announcements = await insertChunks(trx, 'announcements', announcementRows);
		const outbox = outboxRows.filter((row) => inserted.has(row.subscription_id));
		await insertChunks(trx, 'outbox', outbox);
		result.pending = outbox.filter((row) => row.state === 'pending').length;
		result.sent = outbox.length - result.pending;
		result.skipped += outboxRows.length - outbox.length;
		await writeState(trx, STATE_KEYS.legacyImportedAt, now);
	});
	if (
		result.subscriptions + result.knownReleases + result.pending + result.sent + result.catalogMods + result.skipped >
		0
	) {
		log.info({ ...result }, 'imported the store of the earlier version into the tables');
	}
	if (result.skipped > 0) log.warn({ skipped: result.skipped }, 'some entries of the earlier store were left out');
	return result;
}
