/**
 * The outbox on the `outbox` and `announcements` tables: posts waiting to be sent, and a record of what was sent.
 *
 * Protocol: a poll tick stores each new release's snapshot (`announcements`) and one `pending` row per matching
 * subscription (one `INSERT ... SELECT` from `subscriptions`, conflicts ignored: a release detected twice is
 * queued once per subscription) in the same transaction that records the release as known. Delivery claims due
 * rows ({@link Outbox.claimDue}: an `UPDATE ... RETURNING` that moves `due_at` forward as a lease, so two
 * deliverers never take the same row), posts them with a nonce derived from the rows and `enforce_nonce` (Discord
 * docs, "Create Message": a repeated nonce from the same author within a few minutes returns the earlier message),
 * then marks them `sent`. Sent rows are kept for `keepSentMs`; removing a subscription drops its rows (cascade).
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely, type UpdateQueryBuilder, type UpdateResult } from 'kysely';
import type { Engine } from '../../storage/database.js';
import type { Database } from '../../storage/schema.js';
import { modpackSubscriptionsOf } from '../modpack/savedModpacks.js';
import { truncate } from '../text.js';

/** One claimed post: a release for a subscription. Times in epoch ms. */
export interface OutboxEntry {
	subscriptionId: string;
	releaseKey: string;
	attempts: number;
	/** The nonce of the message that carried it before; a retry sends the same message again. */
	batchNonce: string | null;
	/** When the first attempt with `batchNonce` started (for the exactly-once lookups past the nonce window). */
	batchStartedAt: number | null;
	createdAt: number;
}

/** Settings of an {@link Outbox}. Durations in milliseconds. */
export interface OutboxOptions {
	db: Kysely<Database>;
	engine: Engine;
	/** How long sent and failed rows are kept; default 7 days. */
	keepSentMs?: number;
	/** First retry delay, doubled per failed attempt; default 30,000. */
	retryBaseMs?: number;
	/** Longest retry delay; default 1,800,000 (30 minutes). */
	retryMaxMs?: number;
	/** How long a claim holds rows before another deliverer may take them; default 120,000. */
	leaseMs?: number;
	/**
	 * Called first inside the transactions that claim rows and record posts; throws when this process may no longer
	 * deliver (a leader that lost its leadership: `LeaderElector.assertLeader`), so a late commit fails. Default none.
	 */
	fence?: (trx: Kysely<Database>) => Promise<void>;
	/** Random source in [0, 1) for the retry jitter; default `Math.random`. */
	random?: () => number;
}

const ERROR_MAX = 500;

type UpdateRow = UpdateQueryBuilder<Database, 'outbox', 'outbox', UpdateResult>;
const DAY_MS = 86_400_000;

/** Delivery bookkeeping in the tables. Every method is one statement or one transaction. */
export class Outbox {
	readonly #db: Kysely<Database>;
	readonly #engine: Engine;
	readonly #keepSentMs: number;
	readonly #retryBaseMs: number;
	readonly #retryMaxMs: number;
	readonly #leaseMs: number;
	readonly #random: () => number;
	readonly #fence: (trx: Kysely<Database>) => Promise<void>;

	constructor(options: OutboxOptions) {
		this.#db = options.db;
		this.#engine = options.engine;
		this.#keepSentMs = options.keepSentMs ?? 7 * DAY_MS;
		this.#retryBaseMs = options.retryBaseMs ?? 30_000;
		this.#retryMaxMs = options.retryMaxMs ?? 1_800_000;
		this.#leaseMs = options.leaseMs ?? 120_000;
		this.#random = options.random ?? Math.random;
		this.#fence = options.fence ?? (() => Promise.resolve());
	}

	/**
	 * Queues `releaseKey` (its snapshot already in `announcements`) for every subscription that wants it, paused ones
	 * included, in ONE statement: `INSERT INTO outbox ... SELECT` the `mod`, `owner` and `all` subscriptions whose
	 * `target_key` is among `match.targetKeys` `UNION ALL` the `modpack` ones whose set's closure holds
	 * `match.modName` ({@link modpackSubscriptionsOf}: a join on `modpack_mods`), `ON CONFLICT DO NOTHING` (a release
	 * detected twice is queued once per subscription). The two parts are disjoint (by `target_kind`); each gives a
	 * subscription at most once.
	 *
	 * @param db the tick's transaction.
	 * @param match.targetKeys the release's keys ({@link matchKeys}); match.modName the mod's internal name.
	 * @param createdAt - epoch ms; rows are delivered in this order (the feed gives each release of a tick its own).
	 * @returns the rows added. @throws the driver's error.
	 */
	static async enqueue(
		db: Kysely<Database>,
		releaseKey: string,
		match: { targetKeys: readonly string[]; modName: string },
		createdAt: number,
	): Promise<number> {
		// PostgreSQL infers no type for a bound parameter in a SELECT list: each is cast.
		const columns = [
			'subscriptions.id',
			sql<string>`cast(${releaseKey} as text)`.as('release_key'),
			sql<string>`'pending'`.as('state'),
			sql<number>`cast(${createdAt} as bigint)`.as('due_at'),
			sql<number>`0`.as('attempts'),
			sql<number>`cast(${createdAt} as bigint)`.as('created_at'),
		] as const;
		const bySet = modpackSubscriptionsOf(db, match.modName).clearSelect().select(columns);
		const wanted =
			match.targetKeys.length === 0
				? bySet
				: db
						.selectFrom('subscriptions')
						.select(columns)
						.where('target_key', 'in', match.targetKeys)
						.where('target_kind', 'in', ['mod', 'owner', 'all'])
						.unionAll(bySet);
		const result = await db
			.insertInto('outbox')
			.columns(['subscription_id', 'release_key', 'state', 'due_at', 'attempts', 'created_at'])
			.expression(wanted)
			.onConflict((oc) => oc.doNothing())
			.executeTakeFirst();
		return Number(result.numInsertedOrUpdatedRows ?? 0);
	}

	/**
	 * Takes up to `limit` due pending rows of active (not paused) subscriptions, oldest first, and moves their
	 * `due_at` a lease ahead so no other deliverer takes them meanwhile (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so
	 * concurrent claims never wait for or double each other). A crash leaves them due again after the lease.
	 *
	 * @throws the driver's error.
	 */
	async claimDue(now: number, limit: number): Promise<OutboxEntry[]> {
		const lock = this.#engine === 'postgres' ? sql`for update of o skip locked` : sql``;
		const { rows } = await this.#db.transaction().execute(async (trx) => {
			await this.#fence(trx);
			return sql<{
				subscription_id: string;
				release_key: string;
				attempts: number;
				batch_nonce: string | null;
				batch_started_at: number | null;
				created_at: number;
			}>`update outbox set due_at = ${now + this.#leaseMs}
			where (subscription_id, release_key) in (
				select o.subscription_id, o.release_key from outbox o
				join subscriptions s on s.id = o.subscription_id
				where o.state = 'pending' and o.due_at <= ${now} and s.paused_reason is null
				order by o.created_at, o.release_key
				limit ${limit} ${lock}
			)
			returning subscription_id, release_key, attempts, batch_nonce, batch_started_at, created_at`.execute(trx);
		});
		return rows
			.map((row) => ({
				subscriptionId: row.subscription_id,
				releaseKey: row.release_key,
				attempts: row.attempts,
				batchNonce: row.batch_nonce,
				batchStartedAt: row.batch_started_at,
				createdAt: row.created_at,
			}))
			.sort((a, b) => a.createdAt - b.createdAt || (a.releaseKey < b.releaseKey ? -1 : 1));
	}

	/**
	 * Makes claimed rows due again at `now` (their subscription was paused; they wait for it to resume). Fenced like
	 * every write about claimed rows, and only rows still `pending` change: a deliverer that lost its claim (a leader
	 * frozen past its lease) cannot undo what the next one did.
	 */
	async unclaim(entries: readonly OutboxEntry[], now: number): Promise<void> {
		await this.#eachPending(entries, (row) => row.set({ due_at: now }));
	}

	/**
	 * The message nonce for a message carrying `entries`: 25 characters of base64url SHA-256 over the sorted
	 * `{subscription}|{release key}` ids. The same entries give the same nonce on every attempt, so with
	 * `enforce_nonce` a retry after an unknown outcome returns the message already posted (Discord docs, "Create
	 * Message": nonce is at most 25 characters).
	 */
	static nonce(entries: readonly Pick<OutboxEntry, 'subscriptionId' | 'releaseKey'>[]): string {
		const ids = entries.map((entry) => `${entry.subscriptionId}|${entry.releaseKey}`).sort();
		return createHash('sha256').update(ids.join('\n')).digest('base64url').slice(0, 25);
	}

	/**
	 * Records, before the first attempt, which message (nonce) carries these entries; entries with one keep it. Fenced;
	 * pending rows only.
	 */
	async assignBatch(entries: readonly OutboxEntry[], nonce: string, now: number): Promise<void> {
		const fresh = entries.filter((entry) => entry.batchNonce === null);
		await this.#eachPending(fresh, (row) =>
			row.set({ batch_nonce: nonce, batch_started_at: now }).where('batch_nonce', 'is', null),
		);
		for (const entry of fresh) {
			entry.batchNonce = nonce;
			entry.batchStartedAt = now;
		}
	}

	/** Marks entries sent by `messageId` and records the subscription's last post, in one transaction. */
	async markSent(entries: readonly OutboxEntry[], messageId: string, now: number): Promise<void> {
		if (entries.length === 0) return;
		await this.#db.transaction().execute(async (trx) => {
			await this.#fence(trx);
			for (const entry of entries) {
				await trx
					.updateTable('outbox')
					.set({ state: 'sent', message_id: messageId, sent_at: now, last_error: null })
					.where('subscription_id', '=', entry.subscriptionId)
					.where('release_key', '=', entry.releaseKey)
					.execute();
			}
			await trx
				.updateTable('subscriptions')
				.set({ last_post_at: now })
				.where('id', 'in', [...new Set(entries.map((entry) => entry.subscriptionId))])
				.where((eb) => eb.or([eb('last_post_at', 'is', null), eb('last_post_at', '<', now)]))
				.execute();
		});
	}

	/**
	 * Records a failed attempt: `attempts` + 1, and `due_at` = now + `retryBaseMs` × 2^(attempts − 1) × a random
	 * factor in [1, 1.5), at most `retryMaxMs` (defaults: 30 s, 1 min, 2 min, ... 30 min). Fenced; pending rows only.
	 *
	 * @param error - kept, cut to 500 characters, as `last_error`.
	 */
	async markRetry(entries: readonly OutboxEntry[], error: string, now: number): Promise<void> {
		const dueAt = new Map(
			entries.map((entry) => {
				const base = this.#retryBaseMs * 2 ** Math.min(entry.attempts, 30);
				const delay = Math.min(this.#retryMaxMs, base * (1 + 0.5 * this.#random()));
				return [entry, Math.round(now + delay)] as const;
			}),
		);
		await this.#eachPending(entries, (row, entry) =>
			row.set({
				attempts: entry.attempts + 1,
				due_at: dueAt.get(entry) ?? now,
				last_error: truncate(error, ERROR_MAX),
			}),
		);
	}

	/**
	 * Gives up on entries (refused for good, or too many attempts): `failed` with the reason shown to admins. Fenced;
	 * pending rows only (a row another deliverer sent meanwhile stays sent).
	 */
	async markFailed(entries: readonly OutboxEntry[], reason: string, now: number): Promise<void> {
		await this.#eachPending(entries, (row) =>
			row.set({ state: 'failed', due_at: now, last_error: truncate(reason, ERROR_MAX) }),
		);
	}

	/**
	 * Runs `update` (its `set`, maybe more conditions) on each entry's row while it is still `pending`, in one
	 * transaction behind the fence.
	 */
	async #eachPending(
		entries: readonly OutboxEntry[],
		update: (row: UpdateRow, entry: OutboxEntry) => UpdateRow,
	): Promise<void> {
		if (entries.length === 0) return;
		await this.#db.transaction().execute(async (trx) => {
			await this.#fence(trx);
			for (const entry of entries) {
				await update(trx.updateTable('outbox'), entry)
					.where('subscription_id', '=', entry.subscriptionId)
					.where('release_key', '=', entry.releaseKey)
					.where('state', '=', 'pending')
					.execute();
			}
		});
	}

	/** Deletes sent and failed rows older than `keepSentMs`, then the snapshots no row refers to. */
	async prune(now: number): Promise<void> {
		await this.#db.transaction().execute(async (trx) => {
			await trx
				.deleteFrom('outbox')
				.where((eb) =>
					eb.or([
						eb.and([eb('state', '=', 'sent'), eb('sent_at', '<', now - this.#keepSentMs)]),
						eb.and([eb('state', '=', 'failed'), eb('due_at', '<', now - this.#keepSentMs)]),
					]),
				)
				.execute();
			await trx
				.deleteFrom('announcements')
				.where((eb) =>
					eb.not(
						eb.exists(
							eb
								.selectFrom('outbox')
								.select('outbox.release_key')
								.whereRef('outbox.release_key', '=', 'announcements.release_key'),
						),
					),
				)
				.execute();
		});
	}

	/** Row counts by state. */
	async stats(): Promise<{ pending: number; sent: number; failed: number }> {
		const rows = await this.#db
			.selectFrom('outbox')
			.select((eb) => ['state', eb.fn.countAll().as('count')])
			.groupBy('state')
			.execute();
		const count = (state: string) => Number(rows.find((row) => row.state === state)?.count ?? 0);
		return { pending: count('pending'), sent: count('sent'), failed: count('failed') };
	}
}
