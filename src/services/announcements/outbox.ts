/**
 * The outbox: announcements waiting to be posted, and a record of what was posted.
 *
 * Protocol: detected releases are written here as `pending` entries (one per subscription and release) before the
 * release tracker records them and before anything is sent; delivery posts due entries with a nonce derived from
 * the entry ids and `enforce_nonce` (Discord docs, "Create Message": a repeated nonce from the same author within a
 * few minutes returns the earlier message instead of posting again), then marks them `sent`. Sent entries are kept
 * for `keepSentMs`, so a release detected twice (a crash between enqueue and commit) is skipped. Together:
 * at-least-once detection, and each (subscription, mod, version) posted once.
 *
 * Storage layout (keyv):
 * - `outbox:index` -> `{ v: 1, subscriptions: string[] }`: subscriptions that have entries.
 * - `outbox:subscription:{subscriptionId}` -> `{ v: 1, entries: OutboxEntry[] }`: that subscription's pending and
 *   sent entries, in enqueue order.
 * - `outbox:announcement:{mod@version}` -> `Announcement`: the snapshot delivery renders, stored once per release.
 *
 * Why per subscription: delivery marks one subscription's entries per message, so a message costs one small write
 * whatever the number of subscriptions, and removing a subscription deletes one document. Announcements are written
 * before the entries that refer to them, and the index before a new subscription's document.
 */
import { createHash } from 'node:crypto';
import type Keyv from 'keyv';
import { z } from 'zod';
import { silentLogger, type Logger } from '../../log.js';
import { AnnouncementSchema, type Announcement } from './snapshot.js';
import { SerialQueue, deleteDocuments, readDocuments, writeDocuments } from '../../storage/documents.js';
import type { Subscription } from './subscriptions.js';

/** One announcement for one subscription. */
export interface OutboxEntry {
	/** `${subscriptionId}|${key}`. */
	id: string;
	subscriptionId: string;
	channelId: string;
	/** The announcement's key, `mod@version`. */
	key: string;
	/** ISO 8601. */
	createdAt: string;
	/** Failed delivery attempts. */
	attempts: number;
	/** ISO 8601: not due before this (set by {@link Outbox.markRetry}). */
	notBefore?: string;
	state: 'pending' | 'sent';
	/** The Discord message that carried it. */
	messageId?: string;
	/** ISO 8601. */
	sentAt?: string;
	/** The last delivery error, cut to 500 characters. */
	lastError?: string;
	/**
	 * The nonce of the message this entry was first sent in. Retries send the same entries together again, so the
	 * nonce repeats and Discord returns a message that already went out instead of posting it twice.
	 */
	batch?: string;
}

const ERROR_MAX = 500;
const DAY_MS = 86_400_000;
const INDEX_KEY = 'outbox:index';
const subscriptionKey = (id: string) => `outbox:subscription:${id}`;
const announcementKey = (key: string) => `outbox:announcement:${key}`;

const EntrySchema = z.object({
	id: z.string().min(1),
	subscriptionId: z.string().min(1),
	channelId: z.string(),
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
const IndexSchema = z.object({ v: z.literal(1), subscriptions: z.array(z.string()) });
const DocumentSchema = z.object({ v: z.literal(1), entries: z.array(z.unknown()) });

/** Settings of an {@link Outbox}. Durations in milliseconds. */
export interface OutboxOptions {
	store: Keyv;
	/** How long sent entries are kept to skip a release detected again; default 7 days. */
	keepSentMs?: number;
	/** First retry delay, doubled per failed attempt; default 30,000. */
	retryBaseMs?: number;
	/** Longest retry delay; default 1,800,000 (30 minutes). */
	retryMaxMs?: number;
	/** Random source in [0, 1) for the retry jitter; default `Math.random`. */
	random?: () => number;
	log?: Logger;
}

/**
 * Delivery bookkeeping, held in memory and persisted in keyv (layout in the module comment). Changes run one at a
 * time and become visible only after the store confirmed them; entry objects are replaced, never changed.
 */
export class Outbox {
	readonly #store: Keyv;
	readonly #keepSentMs: number;
	readonly #retryBaseMs: number;
	readonly #retryMaxMs: number;
	readonly #random: () => number;
	readonly #log: Logger;
	readonly #queue = new SerialQueue();
	#bySubscription = new Map<string, readonly OutboxEntry[]>();
	#byId = new Map<string, OutboxEntry>();
	#announcements = new Map<string, Announcement>();
	#index = new Set<string>();

	constructor(options: OutboxOptions) {
		this.#store = options.store;
		this.#keepSentMs = options.keepSentMs ?? 7 * DAY_MS;
		this.#retryBaseMs = options.retryBaseMs ?? 30_000;
		this.#retryMaxMs = options.retryMaxMs ?? 1_800_000;
		this.#random = options.random ?? Math.random;
		this.#log = options.log ?? silentLogger();
	}

	/**
	 * Loads the stored outbox, replacing what is in memory. Invalid entries, and pending entries whose announcement
	 * is missing (they could never be rendered), are left out and logged.
	 *
	 * @throws the store's error, or a ZodError for an index of an unknown shape.
	 */
	async load(): Promise<void> {
		await this.#queue.run(async () => {
			const [rawIndex] = await readDocuments(this.#store, [INDEX_KEY]);
			const index = rawIndex === undefined ? { v: 1 as const, subscriptions: [] } : IndexSchema.parse(rawIndex);
			const documents = await readDocuments(this.#store, index.subscriptions.map(subscriptionKey));
			const lists = new Map<string, OutboxEntry[]>();
			let invalid = 0;
			for (const [position, subscriptionId] of index.subscriptions.entries()) {
				const document = DocumentSchema.safeParse(documents[position]);
				if (!document.success) continue;
				const list: OutboxEntry[] = [];
				for (const raw of document.data.entries) {
					const parsed = EntrySchema.safeParse(raw);
					if (parsed.success && parsed.data.subscriptionId === subscriptionId) list.push(parsed.data);
					else invalid++;
				}
				lists.set(subscriptionId, list);
			}
			const keys = [...new Set([...lists.values()].flat().map((entry) => entry.key))];
			const rawAnnouncements = await readDocuments(this.#store, keys.map(announcementKey));
			const announcements = new Map<string, Announcement>();
			for (const [position, key] of keys.entries()) {
				const parsed = AnnouncementSchema.safeParse(rawAnnouncements[position]);
				if (parsed.success) announcements.set(key, parsed.data);
			}
			const bySubscription = new Map<string, readonly OutboxEntry[]>();
			for (const [subscriptionId, list] of lists) {
				const kept = list.filter((entry) => entry.state === 'sent' || announcements.has(entry.key));
				invalid += list.length - kept.length;
				if (kept.length > 0) bySubscription.set(subscriptionId, kept);
			}
			if (invalid > 0) this.#log.warn({ invalid }, 'stored outbox entries were invalid or lacked their announcement');
			this.#index = new Set(index.subscriptions);
			this.#bySubscription = bySubscription;
			this.#byId = new Map([...bySubscription.values()].flat().map((entry) => [entry.id, entry]));
			this.#announcements = announcements;
		});
	}

	/**
	 * Stores a pending entry per item, and each new release's announcement, before anything is sent. An item whose id
	 * (`${subscription.id}|${announcement.key}`) is present, pending or sent, is skipped: the same release detected
	 * twice is never posted twice to one subscription.
	 *
	 * @param now - `createdAt` of the new entries; default now.
	 * @returns the new entries.
	 * @throws {StoreError} or the store's error; nothing was added then (and the caller must not commit the events).
	 */
	enqueue(
		items: readonly { subscription: Subscription; announcement: Announcement }[],
		now: Date = new Date(),
	): Promise<OutboxEntry[]> {
		return this.#queue.run(async () => {
			const created: OutboxEntry[] = [];
			const changes = new Map<string, OutboxEntry[]>();
			const announcements = new Map<string, Announcement>();
			const ids = new Set<string>();
			for (const { subscription, announcement } of items) {
				const id = `${subscription.id}|${announcement.key}`;
				if (this.#byId.has(id) || ids.has(id)) continue;
				ids.add(id);
				const entry: OutboxEntry = {
					id,
					subscriptionId: subscription.id,
					channelId: subscription.channelId,
					key: announcement.key,
					createdAt: now.toISOString(),
					attempts: 0,
					state: 'pending',
				};
				created.push(entry);
				const list = changes.get(subscription.id) ?? [...(this.#bySubscription.get(subscription.id) ?? [])];
				list.push(entry);
				changes.set(subscription.id, list);
				if (!this.#announcements.has(announcement.key)) announcements.set(announcement.key, announcement);
			}
			if (created.length === 0) return [];
			await writeDocuments(
				this.#store,
				[...announcements.values()].map((announcement) => ({
					key: announcementKey(announcement.key),
					value: announcement,
				})),
			);
			await this.#commit(changes);
			for (const [key, announcement] of announcements) this.#announcements.set(key, announcement);
			return created;
		});
	}

	/** The stored snapshot of a release (`mod@version`), while any entry refers to it. */
	announcement(key: string): Announcement | undefined {
		return this.#announcements.get(key);
	}

	/**
	 * Pending entries due at `now` (no `notBefore`, or passed), oldest first; entries of one subscription keep their
	 * enqueue order. Entries of paused or removed subscriptions are included: delivery decides.
	 */
	due(now: Date = new Date()): OutboxEntry[] {
		const at = now.getTime();
		const due: OutboxEntry[] = [];
		for (const list of this.#bySubscription.values()) {
			for (const entry of list) {
				if (entry.state === 'pending' && (entry.notBefore === undefined || Date.parse(entry.notBefore) <= at))
					due.push(entry);
			}
		}
		// Array.prototype.sort is stable: equal times keep the enqueue order.
		return due.sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
	}

	/**
	 * The message nonce for a message carrying `entries`: 25 characters of base64url SHA-256 over the sorted entry
	 * ids. The same entries give the same nonce on every attempt, so with `enforce_nonce` a retry after an unknown
	 * outcome (a timeout) returns the message already posted (Discord docs, "Create Message": nonce is at most 25
	 * characters; enforce_nonce checks it against the author's messages of the past few minutes).
	 */
	nonce(entries: readonly Pick<OutboxEntry, 'id'>[]): string {
		const ids = entries.map((entry) => entry.id).sort();
		return createHash('sha256').update(ids.join('\n')).digest('base64url').slice(0, 25);
	}

	/**
	 * Marks pending entries sent by `messageId`. Unknown or already sent ids are ignored.
	 *
	 * @param at - default now.
	 * @throws {StoreError} or the store's error; the entries stay pending in memory then.
	 */
	markSent(ids: readonly string[], messageId: string, at: Date = new Date()): Promise<void> {
		return this.#change(ids, (entry) => {
			const sent: OutboxEntry = { ...entry, state: 'sent', messageId, sentAt: at.toISOString() };
			delete sent.notBefore;
			return sent;
		});
	}

	/**
	 * Records, before the first attempt, which message (by its nonce) carries these entries. Entries that already
	 * have a batch keep it.
	 *
	 * @throws {StoreError} or the store's error; the message must not be sent then.
	 */
	assignBatch(ids: readonly string[], batch: string): Promise<void> {
		return this.#change(ids, (entry) => (entry.batch === undefined ? { ...entry, batch } : entry));
	}

	/**
	 * Records a failed attempt: `attempts` + 1, and `notBefore` = now + `retryBaseMs` × 2^(attempts − 1) × a random
	 * factor in [1, 1.5), at most `retryMaxMs` (defaults: 30 s, 1 min, 2 min, ... 30 min).
	 *
	 * @param error - kept (cut to 500 characters) as `lastError`.
	 * @throws {StoreError} or the store's error.
	 */
	markRetry(ids: readonly string[], error: string, now: Date = new Date()): Promise<void> {
		return this.#change(ids, (entry) => {
			const attempts = entry.attempts + 1;
			const base = this.#retryBaseMs * 2 ** Math.min(attempts - 1, 30);
			const delay = Math.min(this.#retryMaxMs, base * (1 + 0.5 * this.#random()));
			return {
				...entry,
				attempts,
				notBefore: new Date(now.getTime() + delay).toISOString(),
				lastError: error.slice(0, ERROR_MAX),
			};
		});
	}

	/**
	 * Forgets a removed subscription: its pending entries will not be posted (its sent ones go too; they only served
	 * to skip repeats for it).
	 *
	 * @throws {StoreError} or the store's error.
	 */
	dropSubscription(subscriptionId: string): Promise<void> {
		return this.#queue.run(async () => {
			if (!this.#bySubscription.has(subscriptionId)) return;
			await this.#commit(new Map([[subscriptionId, []]]));
			await this.#dropUnreferencedAnnouncements();
		});
	}

	/**
	 * Deletes sent entries older than `keepSentMs`, then the announcements no entry refers to.
	 *
	 * @param now - default now.
	 * @throws {StoreError} or the store's error.
	 */
	prune(now: Date = new Date()): Promise<void> {
		return this.#queue.run(async () => {
			const oldest = now.getTime() - this.#keepSentMs;
			const changes = new Map<string, OutboxEntry[]>();
			for (const [subscriptionId, list] of this.#bySubscription) {
				const kept = list.filter((entry) => entry.state === 'pending' || Date.parse(entry.sentAt ?? '') >= oldest);
				if (kept.length !== list.length) changes.set(subscriptionId, kept);
			}
			if (changes.size > 0) await this.#commit(changes);
			await this.#dropUnreferencedAnnouncements();
		});
	}

	/** Entry counts by state. */
	stats(): { pending: number; sent: number } {
		let pending = 0;
		let sent = 0;
		for (const entry of this.#byId.values()) {
			if (entry.state === 'pending') pending++;
			else sent++;
		}
		return { pending, sent };
	}

	/** Replaces the pending entries among `ids` with `change(entry)`. */
	#change(ids: readonly string[], change: (entry: OutboxEntry) => OutboxEntry): Promise<void> {
		return this.#queue.run(async () => {
			const changes = new Map<string, OutboxEntry[]>();
			for (const id of new Set(ids)) {
				const entry = this.#byId.get(id);
				if (entry?.state !== 'pending') continue;
				const list = changes.get(entry.subscriptionId) ?? [...(this.#bySubscription.get(entry.subscriptionId) ?? [])];
				const position = list.findIndex((candidate) => candidate.id === id);
				if (position >= 0) list[position] = change(entry);
				changes.set(entry.subscriptionId, list);
			}
			if (changes.size > 0) await this.#commit(changes);
		});
	}

	async #dropUnreferencedAnnouncements(): Promise<void> {
		const referenced = new Set([...this.#byId.values()].map((entry) => entry.key));
		const unreferenced = [...this.#announcements.keys()].filter((key) => !referenced.has(key));
		for (const key of unreferenced) this.#announcements.delete(key);
		await deleteDocuments(this.#store, unreferenced.map(announcementKey));
	}

	/**
	 * Writes the new entry lists of the changed subscriptions (an empty list removes the subscription's document),
	 * then makes them visible. The index is written first when it changes.
	 */
	async #commit(changes: ReadonlyMap<string, readonly OutboxEntry[]>): Promise<void> {
		const index = new Set(this.#index);
		for (const [subscriptionId, list] of changes) {
			if (list.length > 0) index.add(subscriptionId);
			else index.delete(subscriptionId);
		}
		if (index.size !== this.#index.size || [...index].some((id) => !this.#index.has(id))) {
			await writeDocuments(this.#store, [{ key: INDEX_KEY, value: { v: 1, subscriptions: [...index] } }]);
			this.#index = index;
		}
		await writeDocuments(
			this.#store,
			[...changes]
				.filter(([, list]) => list.length > 0)
				.map(([subscriptionId, entries]) => ({ key: subscriptionKey(subscriptionId), value: { v: 1, entries } })),
		);
		await deleteDocuments(
			this.#store,
			[...changes].filter(([, list]) => list.length === 0).map(([subscriptionId]) => subscriptionKey(subscriptionId)),
		);
		for (const [subscriptionId, list] of changes) {
			for (const old of this.#bySubscription.get(subscriptionId) ?? []) this.#byId.delete(old.id);
			for (const entry of list) this.#byId.set(entry.id, entry);
			if (list.length > 0) this.#bySubscription.set(subscriptionId, list);
			else this.#bySubscription.delete(subscriptionId);
		}
	}
}
