import type { Delivery } from '../discord/delivery.js';
import type { Logger } from '../log.js';
import type { Catalog } from '../services/catalog/catalog.js';
import type { FeedStatus } from '../services/announcements/feedStatus.js';
import { PortalError } from '../services/portal/client.js';
import { announcementFromEvent, type Outbox } from '../services/announcements/outbox.js';
import type { ReleaseEvent, ReleaseTracker } from '../services/announcements/releaseTracker.js';
import type { SubscriptionStore } from '../services/announcements/subscriptions.js';
import { scheduleJob, type Job } from './job.js';

/** The release pipeline's parts, each a service of its own. */
export interface ReleasePipeline {
	tracker: ReleaseTracker;
	subscriptions: SubscriptionStore;
	outbox: Outbox;
	delivery: Delivery;
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

/**
 * The poller on `POLL_CRON`: a tick reconciles with the catalog when it was refreshed since the last tick, polls the
 * portal sorted by `updated_at`, queues announcements and delivers everything due. Never overlaps, never throws.
 * Reconciliation runs inside the poller's tick so the two never race over the known state.
 */
export function scheduleReleasePoller(options: {
	cron: string;
	pipeline: ReleasePipeline;
}): Job & { requestReconcile(): void } {
	const { pipeline } = options;
	let reconcile = false;
	const job = scheduleJob({
		name: 'release-poller',
		cron: options.cron,
		log: pipeline.log,
		async tick() {
			const { tracker, catalog, log, status } = pipeline;
			try {
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
				log.debug(
					{ requests: result.requests, pages: result.pages, releases: result.events.length, queued },
					'poll tick',
				);
			} catch (error) {
				status.failed(
					error instanceof PortalError ? `the mod portal: ${error.kind.replace('_', ' ')}` : 'an internal error',
				);
				throw error;
			} finally {
				// Whatever the portal did, what is already queued gets delivered.
				await pipeline.delivery.deliverDue();
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
