import type { Delivery } from '../discord/delivery.js';
import type { Logger } from '../log.js';
import type { Catalog } from '../services/catalog/catalog.js';
import type { FeedStatus } from '../services/announcements/feedStatus.js';
import { PortalError, type PortalClient, type PortalRequestOptions } from '../services/portal/client.js';
import type { Outbox } from '../services/announcements/outbox.js';
import { announcementFromEvent } from '../services/announcements/snapshot.js';
import type { ReleaseEvent, ReleaseSource, ReleaseTracker } from '../services/announcements/releaseTracker.js';
import { Backoff } from './backoff.js';
import type { SubscriptionStore } from '../services/announcements/subscriptions.js';
import { scheduleJob, type Job } from './job.js';

/** The release pipeline's parts, each a service of its own. */
export interface ReleasePipeline {
	tracker: ReleaseTracker;
	subscriptions: SubscriptionStore;
	outbox: Outbox;
	delivery: Pick<Delivery, 'deliverDue'>;
	catalog: Catalog;
	log: Logger;
	/** Releases older than this (ms) found by reconciliation are recorded without a post. */
	announceMaxAgeMs: number;
	/** Where each tick's outcome is recorded for `/subscriptions`. */
	status: FeedStatus;
}

/**
 * Writes the outbox entries for `events` (every matching subscription, paused ones included), and only then moves
 * the known state forward: a crash in between re-detects the same releases, and the outbox skips what it has.
 */
export async function enqueueEvents(pipeline: ReleasePipeline, events: readonly ReleaseEvent[]): Promise<number> {
	const items = events.flatMap((event) => {
		const announcement = announcementFromEvent(event);
		return pipeline.subscriptions.matching(event).map((subscription) => ({ subscription, announcement }));
	});
	const entries = items.length > 0 ? await pipeline.outbox.enqueue(items) : [];
	await pipeline.tracker.commit(events);
	return entries.length;
}

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
 * The poller on `POLL_CRON`: a tick reconciles with the catalog when it was refreshed since the last tick, polls the
 * portal sorted by `updated_at`, queues announcements and delivers everything due. Never overlaps, never throws.
 * Reconciliation runs inside the poller's tick so the two never race over the known state.
 *
 * Repeated failures back it off (`backoff`, default {@link POLL_BACKOFF} in `backoff.ts`): ticks inside the wait skip
 * the portal (they still deliver what is due), a rate-limit pause is waited out, the first success resets the pace;
 * `pipeline.status` shows the next check.
 */
export function scheduleReleasePoller(options: {
	cron: string;
	pipeline: ReleasePipeline;
	backoff?: Backoff;
	/** Called after each tick with its duration (ms) and outcome (metrics). */
	onTick?: (tick: { ms: number; outcome: 'ok' | 'failed' | 'skipped' }) => void;
}): Job & { requestReconcile(): void } {
	const { pipeline } = options;
	const backoff = options.backoff ?? new Backoff();
	let reconcile = false;
	const job = scheduleJob({
		name: 'release-poller',
		cron: options.cron,
		log: pipeline.log,
		async tick() {
			const { tracker, catalog, log, status } = pipeline;
			const startedAt = backoff.now();
			const timer = performance.now();
			let outcome: 'ok' | 'failed' | 'skipped' = 'skipped';
			try {
				if (!backoff.ready(startedAt)) {
					log.debug({ failures: backoff.failures, next: backoff.nextAttemptAt }, 'backing off from the portal');
					return;
				}
				if (!tracker.seeded) {
					// The first catalog refresh is the seed: one whole-portal request, not two.
					if (catalog.size === 0) {
						status.waitingForCatalog = true;
						log.info('waiting for the first catalog before polling for releases');
						return;
					}
					await tracker.seed(catalog.all(), { at: catalog.fetchedAt });
					log.info({ mods: catalog.size }, 'release state seeded from the catalog; nothing is announced for it');
				}
				if (reconcile) {
					reconcile = false;
					const events = await tracker.reconcile(catalog.all(), { maxAgeMs: pipeline.announceMaxAgeMs });
					const queued = await enqueueEvents(pipeline, events);
					if (events.length > 0) log.info({ releases: events.length, queued }, 'reconciliation found missed releases');
					// Sent entries are kept a while only to skip repeats; drop the old ones with the hourly reconciliation.
					await pipeline.outbox.prune();
				}
				const result = await tracker.poll();
				const queued = await enqueueEvents(pipeline, result.events);
				status.succeeded();
				backoff.succeeded();
				outcome = 'ok';
				log.debug(
					{ requests: result.requests, pages: result.pages, releases: result.events.length, queued },
					'poll tick',
				);
			} catch (error) {
				outcome = 'failed';
				const next = backoff.failed(startedAt, error instanceof PortalError ? error.retryAt : undefined);
				status.failed(
					error instanceof PortalError ? `the mod portal: ${error.kind.replace('_', ' ')}` : 'an internal error',
					new Date(startedAt),
					next,
				);
				throw error;
			} finally {
				// Whatever the portal did, what is already queued gets delivered.
				await pipeline.delivery.deliverDue();
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
