/**
 * Followers keep the catalog the leader refreshed (issue 9 §2): on the leader's notification (`catalogSignal.ts`),
 * and every `checkMs` as a fallback, a process compares the stored catalog's version with its own and reloads the
 * catalog from the store when they differ. Search then answers the same in every process, while only the leader asks
 * the portal.
 */
import type { Logger } from '../log.js';
import type { Catalog } from '../services/catalog/catalog.js';
import { listenCatalogStored, storedCatalogVersion } from '../storage/catalogSignal.js';
import type { OpenDatabase } from '../storage/database.js';

/** A running follower; `stop()` ends the listening and the checks. */
export interface CatalogFollower {
	/** Compares the versions now and reloads when they differ; resolves when done (never throws). */
	check(): Promise<void>;
	stop(): Promise<void>;
}

/**
 * Starts following the stored catalog. SQLite: nothing to follow (one process), the follower does nothing.
 *
 * @param options.checkMs the fallback check, in ms. Default 60,000.
 */
export async function followCatalog(options: {
	database: OpenDatabase;
	catalog: Catalog;
	log: Logger;
	checkMs?: number;
}): Promise<CatalogFollower> {
	const { database, catalog, log } = options;
	if (database.engine !== 'postgres') return { check: () => Promise.resolve(), stop: () => Promise.resolve() };
	let running: Promise<void> | undefined;
	let requested = 0;
	const reload = async () => {
		const stored = await storedCatalogVersion(database.db);
		if (stored === undefined || stored === catalog.fetchedAt?.getTime()) return;
		if (await catalog.load()) {
			log.info({ mods: catalog.size, fetchedAt: catalog.fetchedAt }, 'catalog reloaded from the store');
		}
	};
	// One reload at a time; a signal during one runs one more afterwards.
	const check = (): Promise<void> => {
		requested++;
		running ??= (async () => {
			for (let done = 0; done !== requested;) {
				done = requested;
				await reload().catch((error: unknown) => {
					log.warn({ err: error }, 'checking the stored catalog failed');
				});
			}
		})().finally(() => {
			running = undefined;
		});
		return running;
	};
	const listener = await listenCatalogStored(database.url, () => void check(), log).catch((error: unknown) => {
		log.warn({ err: error }, 'could not listen for catalog refreshes; checking every interval only');
		return undefined;
	});
	const timer = setInterval(() => {
		void listener?.reconnect().catch(() => undefined);
		void check();
	}, options.checkMs ?? 60_000);
	timer.unref();
	return {
		check,
		async stop() {
			clearInterval(timer);
			await listener?.close();
			await running;
		},
	};
}
