import type { Logger } from '../log.js';
import type { ReleaseFeed } from '../services/announcements/releaseFeed.js';
import type { ReleaseSource } from '../services/announcements/releaseTracker.js';
import { PortalError, type PortalClient, type PortalRequestOptions } from '../services/portal/client.js';
import { Backoff } from './backoff.js';
import { scheduleJob, type Job } from './job.js';

/** The poller's portal requests: one attempt each, no waiting for a rate-limit pause; the next tick is the retry. */
const POLL_REQUESTS: PortalRequestOptions = { retries: 0, maxWaitMs: 0 };

/**
 * The portal as the release tracker should use it from the poller: every request a single attempt that fails fast
 * inside a rate-limit pause ({@link POLL_REQUESTS}), so that a failing portal costs one request a tick, and the
 * poller's {@link Backoff} spaces the ticks.
 */
export function pollerPortal(portal: PortalClient): ReleaseSource {
	return {
		listMods: (params) => portal.listMods(params, POLL_REQUESTS),
		getFullMod: (name, options) => portal.getFullMod(name, { ...options, ...POLL_REQUESTS }),
	};
}

/**
 * The poller on `POLL_CRON`: a tick runs {@link ReleaseFeed.tick} (reconciling with the catalog when it was
 * refreshed since the last tick) and then delivers everything due. Never overlaps, never throws.
 *
 * Repeated failures back it off (`backoff`, default {@link POLL_BACKOFF} in `backoff.ts`): ticks inside the wait skip
 * the portal (they still deliver what is due), a rate-limit pause is waited out, the first success resets the pace;
 * the feed's status shows the next check.
 */
export function scheduleReleasePoller(options: {
	cron: string;
	feed: Pick<ReleaseFeed, 'tick' | 'deliverDue' | 'status'>;
	log: Logger;
	backoff?: Backoff;
	/** Called after each tick with its duration (ms) and outcome (metrics). */
	onTick?: (tick: { ms: number; outcome: 'ok' | 'failed' | 'skipped' }) => void;
}): Job & { requestReconcile(): void } {
	const { feed, log } = options;
	const backoff = options.backoff ?? new Backoff();
	let reconcile = false;
	const job = scheduleJob({
		name: 'release-poller',
		cron: options.cron,
		log,
		async tick() {
			const startedAt = backoff.now();
			const timer = performance.now();
			let outcome: 'ok' | 'failed' | 'skipped' = 'skipped';
			try {
				if (!backoff.ready(startedAt)) {
					log.debug({ failures: backoff.failures, next: backoff.nextAttemptAt }, 'backing off from the portal');
					return;
				}
				const wanted = reconcile;
				reconcile = false;
				const result = await feed.tick({ reconcile: wanted, now: new Date(startedAt) });
				if (result.waitingForCatalog) {
					if (wanted) reconcile = true;
					return;
				}
				feed.status.succeeded();
				backoff.succeeded();
				outcome = 'ok';
				log.debug(
					{ requests: result.requests, pages: result.pages, releases: result.releases, queued: result.queued },
					'poll tick',
				);
			} catch (error) {
				outcome = 'failed';
				const next = backoff.failed(startedAt, error instanceof PortalError ? error.retryAt : undefined);
				feed.status.failed(
					error instanceof PortalError ? `the mod portal: ${error.kind.replace('_', ' ')}` : 'an internal error',
					new Date(startedAt),
					next,
				);
				throw error;
			} finally {
				// Whatever the portal did, what is already queued gets delivered.
				await feed.deliverDue();
				options.onTick?.({ ms: performance.now() - timer, outcome });
			}
		},
	});
	return {
		...job,
		requestReconcile() {
			reconcile = true;
		},
	};
}
