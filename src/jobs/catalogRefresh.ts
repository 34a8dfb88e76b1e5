import type { Logger } from '../log.js';
import type { Catalog, ModListSource } from '../services/catalog/catalog.js';
import { scheduleJob, type ScheduledJob } from './job.js';

/** The catalog refresh on `CATALOG_CRON`: reloads the whole mod list from the portal into the local index. */
export function scheduleCatalogRefresh(options: {
	cron: string;
	catalog: Catalog;
	portal: ModListSource;
	log: Logger;
	/** Called after each successful refresh. */
	onRefreshed?: () => void;
}): ScheduledJob {
	const { catalog, portal, log } = options;
	return scheduleJob({
		name: 'catalog-refresh',
		cron: options.cron,
		log,
		async tick() {
			const result = await catalog.refresh(portal);
			log.info(
				{
					mods: result.count,
					added: result.added.length,
					removed: result.removed.length,
					invalid: result.invalid,
					ms: result.durationMs,
				},
				'catalog refreshed',
			);
			options.onRefreshed?.();
		},
	});
}
