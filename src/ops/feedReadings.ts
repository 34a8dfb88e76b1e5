/**
 * The release feed's gauges ({@link FeedReadings}) read from the store's tables: pending posts and paused
 * subscriptions; the last successful poll from the feed's status.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import type { FeedReadings, PendingPosts } from './metrics.js';

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
