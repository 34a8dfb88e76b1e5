/**
 * The release feed's gauges ({@link FeedReadings}) read from the feed's own state: pending posts and paused
 * subscriptions from the subscription store and the outbox (in memory, or the store's tables), the last successful
 * poll from the feed's status.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import type { FeedStatus } from '../services/announcements/feedStatus.js';
import type { Outbox } from '../services/announcements/outbox.js';
import type { SubscriptionStore } from '../services/announcements/subscriptions.js';
import type { FeedReadings, PendingPosts } from './metrics.js';

/** Later than any entry's `notBefore`: every pending entry is "due" at this time. */
const END_OF_TIME = new Date(8.64e15);

/**
 * Readings over the in-memory subscription store and outbox (both mirror the store, so nothing is read from it).
 * Pending posts of a subscription that no longer exists count as `active` (delivery drops them on its next pass).
 */
export function feedReadings(parts: {
	outbox: Pick<Outbox, 'due'>;
	subscriptions: Pick<SubscriptionStore, 'all' | 'get'>;
	status: Pick<FeedStatus, 'lastSuccessAt'>;
}): FeedReadings {
	return {
		outbox() {
			const active: PendingPosts = { pending: 0, oldestQueuedAt: undefined };
			const paused: PendingPosts = { pending: 0, oldestQueuedAt: undefined };
			for (const entry of parts.outbox.due(END_OF_TIME)) {
				const posts = parts.subscriptions.get(entry.subscriptionId)?.health.state === 'paused' ? paused : active;
				posts.pending++;
				const queuedAt = Date.parse(entry.createdAt);
				if (posts.oldestQueuedAt === undefined || queuedAt < posts.oldestQueuedAt) posts.oldestQueuedAt = queuedAt;
			}
			return Promise.resolve({ active, paused });
		},
		pausedSubscriptions() {
			return Promise.resolve(parts.subscriptions.all().filter((s) => s.health.state === 'paused').length);
		},
		lastPollSuccessAt: () => parts.status.lastSuccessAt?.getTime(),
	};
}

/**
 * Readings from the store's tables (`schema.ts`): pending `outbox` rows by whether their subscription is paused
 * (`paused_reason` set), with the oldest `created_at`; paused `subscriptions`. Three small aggregate queries a scrape.
 *
 * @param lastPollSuccessAt - the feed's last successful poll tick, epoch ms (kept in memory by the feed).
 * @throws (from the readings) the store's error when it cannot be read; the gauges are then left out of the scrape.
 */
export function databaseFeedReadings(db: Kysely<Database>, lastPollSuccessAt: () => number | undefined): FeedReadings {
	const pending = async (paused: boolean): Promise<PendingPosts> => {
		const row = await db
			.selectFrom('outbox')
			.innerJoin('subscriptions', 'subscriptions.id', 'outbox.subscription_id')
			.where('outbox.state', '=', 'pending')
			.where('subscriptions.paused_reason', paused ? 'is not' : 'is', null)
			.select((eb) => [
				eb.fn.countAll().as('pending'),
				eb.fn.min<number | string | null>('outbox.created_at').as('oldest'),
			])
			.executeTakeFirstOrThrow();
		return {
			pending: Number(row.pending),
			oldestQueuedAt: row.oldest === null ? undefined : Number(row.oldest),
		};
	};
	return {
		async outbox() {
			const [active, paused] = await Promise.all([pending(false), pending(true)]);
			return { active, paused };
		},
		async pausedSubscriptions() {
			const row = await db
				.selectFrom('subscriptions')
				.where('paused_reason', 'is not', null)
				.select((eb) => eb.fn.countAll().as('paused'))
				.executeTakeFirstOrThrow();
			return Number(row.paused);
		},
		lastPollSuccessAt,
	};
}
