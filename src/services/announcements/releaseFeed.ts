/**
 * The release feed: the whole way from the mod portal to a post, as one service. A tick detects
 * ({@link ReleaseTracker}), snapshots each release ({@link announcementFromEvent}), and commits in ONE transaction
 * the known releases, the snapshots (`announcements`, conflicts ignored) and the outbox rows (one `INSERT ... SELECT`
 * per release from the matching subscriptions: by {@link matchKeys}, and `/subscribe modpack` ones by their set's
 * closure); then {@link Delivery} posts what is due. A crash
 * before the commit re-detects the releases; after it nothing is lost.
 *
 * Per-mod isolation (issue 6): a mod whose `/full` cannot be read, or whose snapshot cannot be built, is logged with
 * its name, left out of the commit (so it is detected again), retried with a per-mod backoff (`feed_mod_failures`)
 * and shown in the feed's health; every other mod goes on.
 */
import type { Kysely } from 'kysely';
import { silentLogger, type Logger } from '../../log.js';
import type { Database } from '../../storage/schema.js';
import type { ModSummary } from '../portal/schemas.js';
import type { Delivery, DeliveryResult } from './delivery.js';
import { FeedStatus } from './feedStatus.js';
import { Outbox } from './outbox.js';
import { failedPostsBySubscription } from './refusals.js';
import { eventsOf, type Detection, type ModFailure, type ReleaseTracker } from './releaseTracker.js';
import { announcementFromEvent, type Announcement } from './snapshot.js';
import { matchKeys, type SubscriptionRepository } from './subscriptions.js';

/** What one {@link ReleaseFeed.tick} did. */
export interface TickResult {
	/** True when the tick only seeded the known releases (or waited for the catalog to seed from). */
	seeded: boolean;
	waitingForCatalog: boolean;
	releases: number;
	queued: number;
	/** Mods left out of this tick because they could not be read or snapshotted. */
	failed: ModFailure[];
	requests: number;
	pages: number;
}

/** A mod the feed currently skips, for the feed's health. */
export interface FailingMod {
	name: string;
	reason: string;
	/** Epoch ms of the first failure in a row, and of the next try. */
	since: number;
	retryAt: number;
}

/** The feed's health: the in-memory poll status and the mods it skips. */
export interface FeedHealth {
	status: FeedStatus;
	failingMods: FailingMod[];
	/** How many mods are skipped in all (`failingMods` holds at most 5). */
	failingModCount: number;
}

/** The catalog as the feed reads it: the seed and the reconciliation source. */
export interface FeedCatalog {
	readonly size: number;
	readonly fetchedAt: Date | undefined;
	all(): readonly ModSummary[];
}

/** Per-mod backoff after a failure: 1 min, 2, 4, ... at most an hour. */
const MOD_RETRY_BASE_MS = 60_000;
const MOD_RETRY_MAX_MS = 3_600_000;

/** The release feed service. See the module comment. */
export class ReleaseFeed {
	readonly status = new FeedStatus();
	readonly subscriptions: SubscriptionRepository;
	readonly tracker: ReleaseTracker;
	readonly outbox: Outbox;
	readonly #db: Kysely<Database>;
	readonly #delivery: Pick<Delivery<unknown>, 'deliverDue'>;
	readonly #fence: (trx: Kysely<Database>) => Promise<void>;
	readonly #catalog: FeedCatalog;
	readonly #log: Logger;
	readonly #announceMaxAgeMs: number;
	readonly #snapshot: (event: Parameters<typeof announcementFromEvent>[0]) => Announcement;

	/**
	 * @param options.announceMaxAgeMs releases older than this found by reconciliation are recorded without a post.
	 * @param options.snapshot default {@link announcementFromEvent} (replaceable in tests).
	 */
	constructor(options: {
		db: Kysely<Database>;
		subscriptions: SubscriptionRepository;
		tracker: ReleaseTracker;
		outbox: Outbox;
		delivery: Pick<Delivery<unknown>, 'deliverDue'>;
		catalog: FeedCatalog;
		announceMaxAgeMs: number;
		log?: Logger;
		snapshot?: (event: Parameters<typeof announcementFromEvent>[0]) => Announcement;
		/**
		 * Called first inside each tick's commit transaction; throws when this process may no longer move the feed on
		 * (a leader that lost its leadership: `LeaderElector.assertLeader`), so a frozen leader's late commit fails.
		 */
		fence?: (trx: Kysely<Database>) => Promise<void>;
	}) {
		this.#db = options.db;
		this.subscriptions = options.subscriptions;
		this.tracker = options.tracker;
		this.outbox = options.outbox;
		this.#delivery = options.delivery;
		this.#catalog = options.catalog;
		this.#announceMaxAgeMs = options.announceMaxAgeMs;
		this.#log = options.log ?? silentLogger();
		this.#snapshot = options.snapshot ?? announcementFromEvent;
		this.#fence = options.fence ?? (() => Promise.resolve());
	}

	/**
	 * One tick: seeds from the catalog when unseeded (the first catalog refresh is the seed: one whole-portal
	 * request, not two; nothing is announced for it), reconciles with the catalog when asked (and prunes old sent
	 * posts), polls, and commits each pass. Does not deliver (see {@link deliverDue}).
	 *
	 * @throws {PortalError} when the portal's list fails or rate limits (nothing of that pass is stored); the
	 *   driver's error when the store fails.
	 */
	async tick(options: { reconcile?: boolean; now?: Date } = {}): Promise<TickResult> {
		const now = options.now ?? new Date();
		const result: TickResult = {
			seeded: false,
			waitingForCatalog: false,
			releases: 0,
			queued: 0,
			failed: [],
			requests: 0,
			pages: 0,
		};
		if ((await this.tracker.seededAt()) === undefined) {
			if (this.#catalog.size === 0) {
				this.status.waitingForCatalog = true;
				this.#log.info('waiting for the first catalog before polling for releases');
				return { ...result, seeded: true, waitingForCatalog: true };
			}
			await this.tracker.seed(this.#catalog.all(), { at: this.#catalog.fetchedAt });
			this.#log.info(
				{ mods: this.#catalog.size },
				'release state seeded from the catalog; nothing is announced for it',
			);
		}
		const failures = await this.#failures();
		const skip = (name: string) => (failures.get(name) ?? 0) > now.getTime();
		if (options.reconcile === true) {
			const detection = await this.tracker.reconcile(this.#catalog.all(), {
				maxAgeMs: this.#announceMaxAgeMs,
				now,
				skip,
			});
			const committed = await this.commit(detection, now);
			if (committed.releases > 0) this.#log.info(committed, 'reconciliation found missed releases');
			// Sent posts are kept a while only for the record; drop the old ones with the hourly reconciliation.
			await this.outbox.prune(now.getTime());
		}
		const retry = [...failures].filter(([, retryAt]) => retryAt <= now.getTime()).map(([name]) => name);
		const detection = await this.tracker.poll({ skip, retry });
		const committed = await this.commit(detection, now);
		return { ...committed, seeded: detection.seeded, requests: detection.requests, pages: detection.pages };
	}

	/**
	 * Stores a detection in one transaction: snapshots, outbox rows for every matching subscription (paused ones
	 * included) and the known releases; records the mods that failed (per-mod backoff) and clears those that worked.
	 * A mod whose snapshot cannot be built is left out, so it is detected again.
	 *
	 * @returns what was stored. @throws the driver's error; nothing is stored then.
	 */
	async commit(detection: Detection, now = new Date()): Promise<TickResult> {
		const failed: ModFailure[] = [...detection.failed];
		const snapshots = new Map<string, Announcement>();
		const found = detection.found.filter((finding) => {
			try {
				for (const event of finding.events) snapshots.set(event.releaseKey, this.#snapshot(event));
				return true;
			} catch (error) {
				this.#log.warn(
					{ err: error, mod: finding.name },
					'a release could not be snapshotted; skipped and retried later',
				);
				failed.push({ name: finding.name, reason: 'its release could not be prepared for posting' });
				return false;
			}
		});
		const events = eventsOf({ found });
		const at = now.getTime();
		let queued = 0;
		await this.#db.transaction().execute(async (trx) => {
			await this.#fence(trx);
			for (const [index, event] of events.entries()) {
				const announcement = snapshots.get(event.releaseKey);
				if (!announcement) continue;
				await trx
					.insertInto('announcements')
					.values({
						release_key: event.releaseKey,
						mod_name: event.mod.name,
						version: event.release.version,
						snapshot: JSON.stringify(announcement),
						detected_at: at,
					})
					.onConflict((oc) => oc.doNothing())
					.execute();
				// Each release of a tick gets its own creation time, so delivery keeps the detection order.
				queued += await Outbox.enqueue(
					trx,
					event.releaseKey,
					{ targetKeys: matchKeys(event.mod, event.release), modName: event.mod.name },
					at + index,
				);
			}
			await this.tracker.commit(trx, { found, anchors: detection.anchors });
			const worked = [...detection.fetched, ...found.map((finding) => finding.name)].filter(
				(name) => !failed.some((f) => f.name === name),
			);
			if (worked.length > 0) await trx.deleteFrom('feed_mod_failures').where('mod_name', 'in', worked).execute();
			for (const failure of failed) await recordFailure(trx, failure, at);
		});
		return {
			seeded: false,
			waitingForCatalog: false,
			releases: events.length,
			queued,
			failed,
			requests: detection.requests,
			pages: detection.pages,
		};
	}

	/** Posts everything due (see {@link Delivery.deliverDue}: nothing while this process may not deliver). Never rejects. */
	deliverDue(now?: Date): Promise<DeliveryResult> {
		return this.#delivery.deliverDue(now);
	}

	/** The feed's health for admins: poll status and the mods being skipped. @throws the driver's error. */
	async health(): Promise<FeedHealth> {
		const rows = await this.#db
			.selectFrom('feed_mod_failures')
			.selectAll()
			.orderBy('first_failed_at')
			.orderBy('mod_name')
			.execute();
		return {
			status: this.status,
			failingModCount: rows.length,
			failingMods: rows.slice(0, 5).map((row) => ({
				name: row.mod_name,
				reason: row.last_error,
				since: row.first_failed_at,
				retryAt: row.retry_at,
			})),
		};
	}

	/**
	 * The posts given up on, per subscription of `guildId`: subscription id -> `N posts could not be sent: reason`.
	 * @throws the driver's error.
	 */
	async failedPosts(guildId: string): Promise<Map<string, string>> {
		const rows = await this.#db
			.selectFrom('outbox')
			.innerJoin('subscriptions', 'subscriptions.id', 'outbox.subscription_id')
			.select(['outbox.subscription_id', 'outbox.state', 'outbox.last_error', 'outbox.due_at'])
			.where('subscriptions.guild_id', '=', guildId)
			.where('outbox.state', '=', 'failed')
			.execute();
		return failedPostsBySubscription(rows);
	}

	/** Mods backing off after failures -> when they are due again (epoch ms). */
	async #failures(): Promise<Map<string, number>> {
		const rows = await this.#db.selectFrom('feed_mod_failures').select(['mod_name', 'retry_at']).execute();
		return new Map(rows.map((row) => [row.mod_name, row.retry_at]));
	}
}

/** Counts one more failure of a mod and schedules its next try. */
async function recordFailure(db: Kysely<Database>, failure: ModFailure, now: number): Promise<void> {
	const row = await db
		.selectFrom('feed_mod_failures')
		.select(['failures', 'first_failed_at'])
		.where('mod_name', '=', failure.name)
		.executeTakeFirst();
	const failures = (row?.failures ?? 0) + 1;
	const retryAt = now + Math.min(MOD_RETRY_MAX_MS, MOD_RETRY_BASE_MS * 2 ** Math.min(failures - 1, 20));
	await db
		.insertInto('feed_mod_failures')
		.values({ mod_name: failure.name, failures, last_error: failure.reason, first_failed_at: now, retry_at: retryAt })
		.onConflict((oc) => oc.column('mod_name').doUpdateSet({ failures, last_error: failure.reason, retry_at: retryAt }))
		.execute();
}
