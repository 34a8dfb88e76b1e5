import { Backoff, POLL_BACKOFF, type BackoffPolicy } from '../../src/jobs/backoff.js';
import { pollerPortal, scheduleReleasePoller } from '../../src/jobs/releasePoller.js';
import { silentLogger } from '../../src/log.js';
import type { FeedStatus } from '../../src/services/announcements/feedStatus.js';
import { Outbox } from '../../src/services/announcements/outbox.js';
import { ReleaseFeed } from '../../src/services/announcements/releaseFeed.js';
import { ReleaseTracker } from '../../src/services/announcements/releaseTracker.js';
import { SubscriptionRepository } from '../../src/services/announcements/subscriptions.js';
import { openDatabase } from '../../src/storage/database.js';
import { Catalog } from '../../src/services/catalog/catalog.js';
import { PortalClient } from '../../src/services/portal/client.js';
import type { FakePortal } from './fakePortal.js';

/** A cron expression that never fires in practice (1 January, midnight): ticks run only when asked for. */
export const NEVER = '0 0 1 1 *';

/**
 * The release poller as `startBot` wires it (the real portal client, catalog, feed and backoff, an in-memory
 * SQLite store), without Discord: delivery is counted, not sent. Ticks run with {@link PollerRig.tick} on a clock the caller
 * moves, so outages of minutes or hours run in milliseconds.
 */
export interface PollerRig {
	client: PortalClient;
	status: FeedStatus;
	backoff: Backoff;
	tracker: ReleaseTracker;
	/** The injected clock, epoch milliseconds; move it with `clock.at = ...`. */
	clock: { at: number };
	/** How often the poller asked for delivery (once a tick, whatever the portal did). */
	deliveries: () => number;
	/** One scheduled tick at the current clock. */
	tick(): Promise<void>;
	stop(): Promise<void>;
}

/**
 * Builds a {@link PollerRig} against `portal`, with the catalog loaded and the tracker seeded from it.
 *
 * @param options.policy - backoff policy; default {@link POLL_BACKOFF}.
 * @param options.start - the clock's start, epoch milliseconds; default now.
 * @param options.retries - let the tracker's requests retry as the client does by default (3 retries) instead of the
 *   poller's single attempt, for comparisons with the behaviour before the poller had its own request options.
 */
export async function pollerRig(
	portal: FakePortal,
	options: { policy?: BackoffPolicy; start?: number; retries?: boolean } = {},
): Promise<PollerRig> {
	const clock = { at: options.start ?? Date.now() };
	const now = () => clock.at;
	const database = await openDatabase('sqlite://:memory:');
	const { db, engine } = database;
	const client = new PortalClient({ baseUrl: portal.url, now, retryBaseMs: 1, retryMaxMs: 20, timeoutMs: 2_000 });
	const catalog = new Catalog();
	await catalog.refresh(client);
	const tracker = new ReleaseTracker({ db, portal: options.retries === true ? client : pollerPortal(client) });
	const backoff = new Backoff(options.policy ?? POLL_BACKOFF, now);
	let deliveries = 0;
	const feed = new ReleaseFeed({
		db,
		subscriptions: new SubscriptionRepository({ db, engine, maxPerGuild: 50 }),
		tracker,
		outbox: new Outbox({ db, engine }),
		delivery: {
			deliverDue: () => {
				deliveries++;
				return Promise.resolve({ messages: 0, delivered: 0, retried: 0, paused: 0, failed: 0, found: 0, reduced: 0 });
			},
		},
		catalog,
		announceMaxAgeMs: 86_400_000,
	});
	const status = feed.status;
	const job = scheduleReleasePoller({ cron: NEVER, backoff, feed, log: silentLogger() });
	return {
		client,
		status,
		backoff,
		tracker,
		clock,
		deliveries: () => deliveries,
		tick: () => job.run(),
		async stop() {
			await job.stop();
			await database.close();
		},
	};
}
