/**
 * The release feed's gauges ({@link FeedReadings}) read from the feed's own state: pending posts and paused
 * subscriptions from the subscription store and the outbox, the last successful poll from the feed's status.
 */
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
