/**
 * The catalog's rows: the `catalog_mods` table (one row per mod, in the portal's order) and the `catalog.meta`
 * state value. The catalog service (`services/catalog/catalog.ts`) serialises and validates the mods; this module
 * only moves rows, so a mod can later be read on its own by name.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { readState, STATE_KEYS, writeState } from './state.js';

/** One stored mod: its internal name and its JSON. */
export interface CatalogRow {
	name: string;
	/** JSON text of the mod as the catalog keeps it. */
	data: string;
}

/** `catalog.meta`: when the stored list was fetched, and the newest mods by creation. */
export interface CatalogMeta {
	/** Epoch ms. */
	fetchedAt: number;
	/** Names of the newest mods, newest first. */
	createdOrder: readonly string[];
}

/** What {@link CatalogStore.replace} wrote. */
export interface CatalogWriteResult {
	/** Rows inserted, or updated because their data or position changed. */
	written: number;
	/** Rows of mods no longer listed, deleted. */
	deleted: number;
}

/** Rows per statement: 3 parameters each, far below SQLite's 32,766 and PostgreSQL's 65,535 per statement. */
const WRITE_CHUNK = 500;
/** Rows per read: bounds the text held at once while loading (about 1 MB). */
const READ_CHUNK = 2_000;

/** The stored catalog of one database (SQLite or PostgreSQL). */
export class CatalogStore {
	readonly #db: Kysely<Database>;

	constructor(db: Kysely<Database>) {
		this.#db = db;
	}

	/**
	 * The stored `catalog.meta` value as parsed JSON (the caller validates it); undefined when no catalog was stored.
	 *
	 * @throws the driver's error.
	 */
	readMeta(): Promise<unknown> {
		return readState(this.#db, STATE_KEYS.catalogMeta);
	}

	/**
	 * Every stored row in the portal's order, a chunk of up to 2,000 at a time (keyset paging on `(position, name)`).
	 *
	 * @throws the driver's error.
	 */
	async *rows(): AsyncGenerator<CatalogRow[]> {
		let after: { position: number; name: string } | undefined;
		for (;;) {
			let query = this.#db
				.selectFrom('catalog_mods')
				.select(['name', 'position', 'data'])
				.orderBy('position')
				.orderBy('name')
				.limit(READ_CHUNK);
			if (after) {
				const { position, name } = after;
				query = query.where((eb) =>
					eb.or([eb('position', '>', position), eb.and([eb('position', '=', position), eb('name', '>', name)])]),
				);
			}
			const chunk = await query.execute();
			if (chunk.length === 0) return;
			const last = chunk[chunk.length - 1];
			if (last) after = { position: last.position, name: last.name };
			yield chunk.map(({ name, data }) => ({ name, data }));
			if (chunk.length < READ_CHUNK) return;
			await yieldToEventLoop();
		}
	}

	/**
	 * Makes `rows` (in the portal's order; a repeated name keeps its first row) the stored catalog, with `meta`, in
	 * one transaction: rows whose data and position are unchanged are not written, rows of mods no longer listed are
	 * deleted. A failure leaves the previous catalog as it was. The event loop gets a turn after every chunk (on
	 * SQLite the statements run on the main thread), so commands are answered during a refresh.
	 *
	 * @param rows any iterable; it is read once, in chunks, so a generator keeps only one chunk's JSON in memory.
	 * @throws the driver's error.
	 */
	async replace(rows: Iterable<CatalogRow>, meta: CatalogMeta): Promise<CatalogWriteResult> {
		return this.#db.transaction().execute(async (trx) => {
			const stale = new Set((await trx.selectFrom('catalog_mods').select('name').execute()).map((row) => row.name));
			const seen = new Set<string>();
			let written = 0;
			let chunk: { name: string; position: number; data: string }[] = [];
			const flush = async () => {
				if (chunk.length === 0) return;
				const result = await trx
					.insertInto('catalog_mods')
					.values(chunk)
					.onConflict((oc) =>
						oc
							.column('name')
							.doUpdateSet((eb) => ({ position: eb.ref('excluded.position'), data: eb.ref('excluded.data') }))
							.where((eb) =>
								eb.or([
									eb('catalog_mods.position', '<>', eb.ref('excluded.position')),
									eb('catalog_mods.data', '<>', eb.ref('excluded.data')),
								]),
							),
					)
					.executeTakeFirst();
				written += Number(result.numInsertedOrUpdatedRows ?? 0);
				chunk = [];
				// better-sqlite3 runs each statement on the main thread: let interactions and the gateway in between.
				await yieldToEventLoop();
			};
			for (const row of rows) {
				if (seen.has(row.name)) continue;
				seen.add(row.name);
				stale.delete(row.name);
				chunk.push({ name: row.name, position: seen.size - 1, data: row.data });
				if (chunk.length >= WRITE_CHUNK) await flush();
			}
			await flush();
			const removed = [...stale];
			for (let start = 0; start < removed.length; start += WRITE_CHUNK) {
				await trx
					.deleteFrom('catalog_mods')
					.where('name', 'in', removed.slice(start, start + WRITE_CHUNK))
					.execute();
			}
			await writeState(trx, STATE_KEYS.catalogMeta, { fetchedAt: meta.fetchedAt, createdOrder: meta.createdOrder });
			return { written, deleted: removed.length };
		});
	}
}
