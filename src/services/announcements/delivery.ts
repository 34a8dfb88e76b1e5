/**
 * The delivery policy: how queued posts become Discord messages, without knowing discord.js. What to send is decided
 * here; sending goes through a {@link Poster} (`discord/poster.ts`), rendering through an injected
 * {@link AnnouncementRenderer} (`render/announcement.ts`).
 *
 * - Per subscription, posts that went out before in one message (same batch nonce) go out again together (same
 *   nonce: Discord returns the earlier message instead of posting twice); the others are grouped afresh: all in one
 *   go for a channel (the renderer batches up to 10 embeds a message, or one digest over `digestThreshold`), one
 *   forum post per mod for a forum channel (the mod's first release opens a post named after it, later ones go
 *   into that post, recorded in `forum_threads`).
 * - 403 (no access, missing permissions) and 404 (channel gone) pause the subscription with the reason; its posts
 *   wait until it is resumed or removed. Any other failure is retried with backoff ({@link Outbox.markRetry}).
 * - Messages in announcement channels are crossposted (published).
 * - A `/subscribe modpack` subscription's posts carry each release's verdict for its saved set (`judgeRelease`, the
 *   set read once per pass), which the renderer shows.
 */
import pLimit from 'p-limit';
import type { Kysely } from 'kysely';
import type { Logger } from '../../log.js';
import type { Database } from '../../storage/schema.js';
import { modpackById, type SavedModpack } from '../modpack/savedModpacks.js';
import { judgeRelease, releaseToJudge, type Verdict } from '../modpack/verdict.js';
import { truncate } from '../text.js';
import { lookBeforeSend, postMarker } from './lookBeforeSend.js';
import { Outbox, type OutboxEntry } from './outbox.js';
import { afterFailure, type PostFailure } from './refusals.js';
import { AnnouncementSchema, type Announcement } from './snapshot.js';
import { subscriptionOf, type Subscription } from './subscriptions.js';

/** Discord channel type numbers the policy distinguishes (Discord docs, "Channel Object": channel types). */
export const CHANNEL_TYPE = { announcement: 5, forum: 15, unknown: -1 } as const;

/** Which failures pause a subscription (the poster classifies Discord's errors). */
export type PostProblem =
	/** No access or permission (403): pause the subscription with `reason`. */
	| { kind: 'forbidden'; reason: string }
	/** The channel or thread does not exist (404, Unknown Channel). */
	| { kind: 'gone'; reason: string }
	/** Discord refused the payload (400). */
	| { kind: 'refused'; reason: string }
	/** Anything else (timeouts, 5xx after the REST client's own retries): try again later. */
	| { kind: 'retry'; reason: string };

/**
 * What delivery needs from Discord. `P` is the rendered message payload, opaque here. Every method rejects with
 * Discord's error, which {@link Poster.classify} understands.
 */
export interface Poster<P> {
	/** Discord's channel type number of `channelId` (for subscriptions stored without one). */
	channelType(channelId: string): Promise<number>;
	/**
	 * Creates a message in a channel or thread with `nonce` and `enforce_nonce` (Discord docs, "Create Message"),
	 * allowing only `roleId` to be mentioned. @returns the message id.
	 */
	send(channelId: string, message: P, options: { nonce: string; roleId?: string }): Promise<{ messageId: string }>;
	/**
	 * Starts a forum post (Discord docs, "Start Thread in Forum or Media Channel"; it takes no nonce).
	 * @returns the thread id (the starter message has the same id).
	 */
	startForumPost(forumId: string, post: { name: string; message: P; roleId?: string }): Promise<{ threadId: string }>;
	/** Publishes a message of an announcement channel to the channels following it. */
	crosspost(channelId: string, messageId: string): Promise<void>;
	classify(error: unknown): PostProblem;
	/** A failed request as the refusal policy (`refusals.ts`) reads it: status, code, message. */
	failureOf(error: unknown): PostFailure;
	/**
	 * Exactly once past the nonce window (issue 6): the id of a message (in a channel or thread) or forum post
	 * (thread) the bot made at or after `since` carrying the marker of `nonce` ({@link postMarker}); undefined when
	 * none was found. Rejects like a send.
	 */
	findPost(
		target: { kind: 'message'; channelId: string } | { kind: 'forum_post'; guildId: string; forumId: string },
		nonce: string,
		since: number,
	): Promise<string | undefined>;
}

/** One message to post and the release keys it covers. */
export interface RenderedAnnouncement<P> {
	payload: P;
	keys: string[];
}

/** What a release means for the saved set a `/subscribe modpack` subscription follows. */
export interface AnnouncementVerdict {
	set: Pick<SavedModpack, 'name' | 'factorioVersion'>;
	verdict: Verdict;
}

/** Renders the messages announcing `announcements` (oldest first) for one subscription; every key exactly once. */
export type AnnouncementRenderer<P> = (
	subscription: Pick<Subscription, 'roleId' | 'changelogDetail'>,
	announcements: readonly Announcement[],
	options: {
		digestThreshold: number;
		/** Verdicts by release key (`mod@version`), for a `/subscribe modpack` subscription. */
		verdicts?: ReadonlyMap<string, AnnouncementVerdict>;
		/** The reduced form, for a payload Discord refused. */
		reduced?: boolean;
		/** The marker of each message (in its last embed's footer), to find it again in the channel. */
		marker?: (message: { keys: readonly string[]; index: number }) => string;
	},
) => RenderedAnnouncement<P>[];

/** Figures of one delivery pass. */
export interface DeliveryResult {
	messages: number;
	delivered: number;
	retried: number;
	paused: number;
	/** Rows given up on (refused in the reduced form too, or too many attempts). */
	failed: number;
	/** Rows found already posted (a look before resending), not sent again. */
	found: number;
	/** Rows sent in the reduced form after Discord refused the normal one. */
	reduced: number;
}

/** Rows claimed per round of a pass. */
const CLAIM = 500;

/** Posts due outbox rows through a {@link Poster}, grouped per subscription, with bounded concurrency. */
export class Delivery<P> {
	readonly #db: Kysely<Database>;
	readonly #outbox: Outbox;
	readonly #poster: Poster<P>;
	readonly #render: AnnouncementRenderer<P>;
	readonly #log: Logger;
	readonly #digestThreshold: number;
	readonly #concurrency: number;
	readonly #onPass: ((result: DeliveryResult) => void) | undefined;
	readonly #active: () => boolean;
	#running: Promise<DeliveryResult> | undefined;

	/**
	 * @param options.digestThreshold more releases than this for one channel at once become one digest.
	 * @param options.concurrency subscriptions served at once; default 16 (the REST client still applies Discord's
	 *   rate limits).
	 * @param options.onPass called with the figures of each pass (metrics).
	 * @param options.active whether this process may still deliver (the leader: `LeaderElector.isLeader`), asked
	 *   before each claim and each post; once false, the pass ends and what it claimed waits for the lease to end, so
	 *   a leader that lost its leadership stops posting at once instead of finishing its claimed rows. Default always.
	 */
	constructor(options: {
		db: Kysely<Database>;
		outbox: Outbox;
		poster: Poster<P>;
		render: AnnouncementRenderer<P>;
		log: Logger;
		digestThreshold: number;
		concurrency?: number;
		onPass?: (result: DeliveryResult) => void;
		active?: () => boolean;
	}) {
		this.#db = options.db;
		this.#outbox = options.outbox;
		this.#poster = options.poster;
		this.#render = options.render;
		this.#log = options.log;
		this.#digestThreshold = options.digestThreshold;
		this.#concurrency = options.concurrency ?? 16;
		this.#onPass = options.onPass;
		this.#active = options.active ?? (() => true);
	}

	/** Delivers every due row once; a pass already under way is joined, not doubled. Never rejects. */
	deliverDue(now = new Date()): Promise<DeliveryResult> {
		this.#running ??= this.#deliver(now.getTime())
			.catch((error: unknown) => {
				this.#log.error({ err: error }, 'delivery pass failed');
				return { messages: 0, delivered: 0, retried: 0, paused: 0, failed: 0, found: 0, reduced: 0 };
			})
			.finally(() => {
				this.#running = undefined;
			});
		return this.#running;
	}

	async #deliver(now: number): Promise<DeliveryResult> {
		const result: DeliveryResult = {
			messages: 0,
			delivered: 0,
			retried: 0,
			paused: 0,
			failed: 0,
			found: 0,
			reduced: 0,
		};
		const limit = pLimit(this.#concurrency);
		// Saved sets of modpack subscriptions, read once per pass.
		const sets = new Map<string, Promise<SavedModpack | undefined>>();
		const setOf = (id: string) => {
			let set = sets.get(id);
			if (!set) {
				set = modpackById(this.#db, id);
				sets.set(id, set);
			}
			return set;
		};
		while (this.#active()) {
			const claimed = await this.#outbox.claimDue(now, CLAIM);
			if (claimed.length === 0) break;
			const [subscriptions, announcements] = await Promise.all([
				this.#subscriptions(claimed),
				this.#announcements(claimed),
			]);
			await Promise.all(
				groupBy(claimed, (entry) => entry.subscriptionId).map((entries) =>
					limit(async () => {
						const subscription = subscriptions.get(entries[0]?.subscriptionId ?? '');
						if (!subscription) return;
						try {
							const verdicts = await this.#verdicts(subscription, entries, announcements, setOf);
							await this.#deliverSubscription(subscription, entries, announcements, verdicts, result, now);
						} catch (error) {
							this.#log.error({ err: error, subscription: subscription.id }, 'delivery failed unexpectedly');
						}
					}),
				),
			);
			if (claimed.length < CLAIM) break;
		}
		if (result.messages > 0 || result.retried > 0 || result.paused > 0 || result.failed > 0)
			this.#log.info(result, 'delivery pass');
		this.#onPass?.(result);
		return result;
	}

	/**
	 * For a modpack subscription: each release's verdict for its set (`judgeRelease`). None for a release whose
	 * snapshot predates recorded dependencies, or whose mod the set no longer holds; none at all when the set is gone.
	 */
	async #verdicts(
		subscription: Subscription,
		entries: readonly OutboxEntry[],
		announcements: ReadonlyMap<string, Announcement>,
		setOf: (id: string) => Promise<SavedModpack | undefined>,
	): Promise<Map<string, AnnouncementVerdict> | undefined> {
		if (subscription.target.kind !== 'modpack') return undefined;
		const set = await setOf(subscription.target.modpackId);
		if (!set) return undefined;
		const verdicts = new Map<string, AnnouncementVerdict>();
		for (const entry of entries) {
			const a = announcements.get(entry.releaseKey);
			if (!a?.dependencies) continue;
			const verdict = judgeRelease(
				set,
				releaseToJudge(
					{ name: a.mod, deprecated: a.deprecated === true },
					{ version: a.version, factorioVersion: a.factorioVersion, dependencies: a.dependencies },
				),
			);
			if (verdict)
				verdicts.set(a.releaseKey, { set: { name: set.name, factorioVersion: set.factorioVersion }, verdict });
		}
		return verdicts;
	}

	async #subscriptions(entries: readonly OutboxEntry[]): Promise<Map<string, Subscription>> {
		const ids = [...new Set(entries.map((entry) => entry.subscriptionId))];
		const rows = await this.#db.selectFrom('subscriptions').selectAll().where('id', 'in', ids).execute();
		return new Map(rows.map((row) => [row.id, subscriptionOf(row)]));
	}

	async #announcements(entries: readonly OutboxEntry[]): Promise<Map<string, Announcement>> {
		const keys = [...new Set(entries.map((entry) => entry.releaseKey))];
		const rows = await this.#db
			.selectFrom('announcements')
			.select(['release_key', 'snapshot'])
			.where('release_key', 'in', keys)
			.execute();
		const announcements = new Map<string, Announcement>();
		for (const row of rows) {
			const parsed = AnnouncementSchema.safeParse(JSON.parse(row.snapshot));
			if (parsed.success) announcements.set(row.release_key, parsed.data);
			else this.#log.warn({ release: row.release_key }, 'a stored release snapshot is unreadable; its posts wait');
		}
		return announcements;
	}

	async #deliverSubscription(
		subscription: Subscription,
		entries: OutboxEntry[],
		announcements: ReadonlyMap<string, Announcement>,
		verdicts: ReadonlyMap<string, AnnouncementVerdict> | undefined,
		result: DeliveryResult,
		now: number,
	): Promise<void> {
		let channelType = subscription.channelType;
		if (channelType === CHANNEL_TYPE.unknown) {
			try {
				channelType = await this.#poster.channelType(subscription.channelId);
				await this.#db
					.updateTable('subscriptions')
					.set({ channel_type: channelType })
					.where('id', '=', subscription.id)
					.execute();
			} catch (error) {
				await this.#failed(subscription, entries, error, result, entries);
				return;
			}
		}
		const isForum = channelType === CHANNEL_TYPE.forum;
		const renderable = entries.filter((entry) => announcements.has(entry.releaseKey));
		const modOf = (entry: OutboxEntry) => announcements.get(entry.releaseKey)?.mod ?? '';
		// Entries tried before go out again in exactly the same message (same nonce); the rest are grouped afresh.
		const groups = [
			...groupBy(
				renderable.filter((entry) => entry.batchNonce !== null),
				(entry) => entry.batchNonce ?? '',
			),
			...(isForum
				? groupBy(
						renderable.filter((entry) => entry.batchNonce === null),
						modOf,
					)
				: [renderable.filter((entry) => entry.batchNonce === null)]),
		].filter((group) => group.length > 0);
		const digestThreshold = isForum ? Number.POSITIVE_INFINITY : this.#digestThreshold;
		for (const group of groups) {
			const byKey = new Map(group.map((entry) => [entry.releaseKey, entry]));
			const shown = group.flatMap((entry) => announcements.get(entry.releaseKey) ?? []);
			const nonceOf = (keys: readonly string[]) => batchNonce(keys.flatMap((key) => byKey.get(key) ?? []));
			const marker = ({ keys }: { keys: readonly string[] }) => postMarker(nonceOf(keys));
			const rendered = this.#render(subscription, shown, {
				digestThreshold,
				marker,
				...(verdicts ? { verdicts } : {}),
			});
			for (const { payload, keys } of rendered) {
				const covered = keys.flatMap((key) => byKey.get(key) ?? []);
				if (covered.length === 0) continue;
				const outcome = await this.#sendBatch(
					subscription,
					channelType,
					covered,
					announcements,
					verdicts,
					payload,
					marker,
					result,
					now,
				);
				// Stopped (no longer the deliverer): the claimed rows wait for the lease, for the next one.
				if (outcome === 'stopped') return;
				// Paused: every claimed row of the subscription waits for it to resume.
				if (outcome === 'paused') {
					await this.#outbox.unclaim(entries, Date.now());
					return;
				}
			}
		}
	}

	/**
	 * Sends one message (one batch nonce): looks for an earlier post first when the nonce cannot be trusted to
	 * dedupe (`lookBeforeSend`), stores the batch before the first request, sends, and on failure pauses (403/404),
	 * sends the reduced form once (400), retries with backoff or gives up (`afterFailure`).
	 */
	async #sendBatch(
		subscription: Subscription,
		channelType: number,
		covered: OutboxEntry[],
		announcements: ReadonlyMap<string, Announcement>,
		verdicts: ReadonlyMap<string, AnnouncementVerdict> | undefined,
		payload: P,
		marker: (message: { keys: readonly string[] }) => string,
		result: DeliveryResult,
		passStartedAt: number,
	): Promise<'sent' | 'paused' | 'failed' | 'stopped'> {
		const isForum = channelType === CHANNEL_TYPE.forum;
		const first = announcements.get(covered[0]?.releaseKey ?? '');
		const mod = first?.mod ?? '';
		const nonce = batchNonce(covered);
		try {
			const thread = isForum ? await this.#forumThread(subscription.id, mod) : undefined;
			const look = lookBeforeSend(
				{ kind: isForum && !thread ? 'forum_post' : 'message', batchStartedAt: covered[0]?.batchStartedAt ?? null },
				Math.max(passStartedAt, Date.now()),
			);
			if (look) {
				const found = await this.#poster.findPost(
					isForum && !thread
						? { kind: 'forum_post', guildId: subscription.guildId, forumId: subscription.channelId }
						: { kind: 'message', channelId: thread ?? subscription.channelId },
					nonce,
					look.since,
				);
				if (found !== undefined) {
					if (isForum && !thread) await this.#recordThread(subscription.id, mod, found);
					await this.#outbox.markSent(covered, found, Date.now());
					this.#log.info(
						{ subscription: subscription.id, message: found },
						'an earlier post was found; not sent again',
					);
					result.found += covered.length;
					return 'sent';
				}
			}
			await this.#outbox.assignBatch(covered, nonce, Date.now());
		} catch (error) {
			return (await this.#failed(subscription, covered, error, result, covered)) ? 'paused' : 'failed';
		}
		let messageId: string | undefined;
		for (const reduced of [false, true]) {
			try {
				let body = payload;
				if (reduced) {
					const shown = covered.flatMap((entry) => announcements.get(entry.releaseKey) ?? []);
					const [only, ...more] = this.#render(subscription, shown, {
						digestThreshold: Number.POSITIVE_INFINITY,
						reduced: true,
						marker,
						...(verdicts ? { verdicts } : {}),
					});
					if (!only || more.length > 0) throw new Error('The reduced form does not fit one message');
					body = only.payload;
				}
				if (!this.#active()) return 'stopped';
				messageId = isForum
					? await this.#postInForum(subscription, first, body, nonce)
					: (await this.#poster.send(subscription.channelId, body, { nonce, roleId: subscription.roleId })).messageId;
				if (reduced) result.reduced += covered.length;
				break;
			} catch (error) {
				const problem = this.#poster.classify(error).kind;
				if (problem === 'forbidden' || problem === 'gone') {
					await this.#failed(subscription, covered, error, result, covered);
					return 'paused';
				}
				const attempts = Math.max(...covered.map((entry) => entry.attempts));
				const next = afterFailure(this.#poster.failureOf(error), { attempts, reduced });
				if (next.action === 'send_reduced') continue;
				if (next.action === 'fail') {
					await this.#outbox.markFailed(covered, next.reason, Date.now());
					result.failed += covered.length;
					this.#log.warn({ subscription: subscription.id, reason: next.reason }, 'a post was given up on');
				} else {
					await this.#outbox.markRetry(covered, next.reason, Date.now());
					result.retried += covered.length;
					this.#log.warn({ err: error, entries: covered.length }, 'delivery will be retried');
				}
				return 'failed';
			}
		}
		if (messageId === undefined) return 'failed';
		// Outside the failure handling above: the post is out. When recording it fails (a leader that lost its
		// leadership: the fence), the row stays claimed and the next deliverer sends it again with the same nonce.
		await this.#outbox.markSent(covered, messageId, Date.now());
		result.messages++;
		result.delivered += covered.length;
		if (channelType === CHANNEL_TYPE.announcement) {
			await this.#poster.crosspost(subscription.channelId, messageId).catch((error: unknown) => {
				this.#log.warn({ err: error, channel: subscription.channelId }, 'crossposting failed');
			});
		}
		return 'sent';
	}

	async #forumThread(subscriptionId: string, mod: string): Promise<string | undefined> {
		const row = await this.#db
			.selectFrom('forum_threads')
			.select('thread_id')
			.where('subscription_id', '=', subscriptionId)
			.where('mod_name', '=', mod)
			.executeTakeFirst();
		return row?.thread_id;
	}

	async #recordThread(subscriptionId: string, mod: string, threadId: string): Promise<void> {
		await this.#db
			.insertInto('forum_threads')
			.values({ subscription_id: subscriptionId, mod_name: mod, thread_id: threadId })
			.onConflict((oc) => oc.columns(['subscription_id', 'mod_name']).doUpdateSet({ thread_id: threadId }))
			.execute();
	}

	/**
	 * A forum channel: the mod's post (thread) when it has one, else a new post named after the mod's title,
	 * recorded at once in `forum_threads` (opening a post carries no nonce). A recorded post that is gone gets a new
	 * one. @returns the id of the message (a new post's starter message has the thread's id).
	 */
	async #postInForum(
		subscription: Subscription,
		announcement: Announcement | undefined,
		payload: P,
		nonce: string,
	): Promise<string> {
		const mod = announcement?.mod ?? '';
		const thread = await this.#forumThread(subscription.id, mod);
		if (thread) {
			try {
				// Posting into an archived (not locked) post reopens it.
				return (await this.#poster.send(thread, payload, { nonce, roleId: subscription.roleId })).messageId;
			} catch (error) {
				if (this.#poster.classify(error).kind !== 'gone') throw error;
			}
		}
		const { threadId } = await this.#poster.startForumPost(subscription.channelId, {
			name: truncate(announcement?.title || mod || 'Release', 100),
			message: payload,
			roleId: subscription.roleId,
		});
		await this.#recordThread(subscription.id, mod, threadId);
		return threadId;
	}

	/**
	 * Handles a failed request for `entries`: pauses on 403/404 and makes all `claimed` rows of the subscription due
	 * again for when it resumes (@returns true), otherwise schedules a retry of `entries`.
	 */
	async #failed(
		subscription: Subscription,
		entries: readonly OutboxEntry[],
		error: unknown,
		result: DeliveryResult,
		claimed: readonly OutboxEntry[],
	): Promise<boolean> {
		const failure = this.#poster.classify(error);
		if (failure.kind === 'forbidden' || failure.kind === 'gone') {
			const now = Date.now();
			await this.#db
				.updateTable('subscriptions')
				.set((eb) => ({ paused_reason: failure.reason, paused_since: eb.fn.coalesce('paused_since', eb.val(now)) }))
				.where('id', '=', subscription.id)
				.execute();
			await this.#outbox.unclaim(claimed, now);
			result.paused++;
			this.#log.warn(
				{
					subscription: subscription.id,
					guild: subscription.guildId,
					channel: subscription.channelId,
					reason: failure.reason,
				},
				'subscription paused',
			);
			return true;
		}
		await this.#outbox.markRetry(entries, failure.reason, Date.now());
		result.retried += entries.length;
		this.#log.warn({ err: error, entries: entries.length }, 'delivery will be retried');
		return false;
	}
}

/** The batch nonce of rows sent together: the one they carry already, else derived from the rows. */
function batchNonce(entries: readonly OutboxEntry[]): string {
	const [first] = entries;
	const shared = first?.batchNonce;
	return shared && entries.every((entry) => entry.batchNonce === shared) ? shared : Outbox.nonce(entries);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
	const groups = new Map<string, T[]>();
	for (const item of items) {
		const list = groups.get(key(item)) ?? [];
		list.push(item);
		groups.set(key(item), list);
	}
	return [...groups.values()];
}
