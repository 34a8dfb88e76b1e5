/**
 * The signal that the leader has stored a refreshed catalog (issue 9 §2), so the other processes of a PostgreSQL
 * store reload it: PostgreSQL's NOTIFY/LISTEN (PostgreSQL docs, "NOTIFY": a notification sent inside a transaction is
 * delivered when it commits, to every session listening on the channel in the same database). The payload is the
 * stored catalog's version, `catalog.meta`'s `fetchedAt` (epoch ms). Notifications are lost while a listener is
 * disconnected, so listeners also compare the version now and then ({@link storedCatalogVersion}).
 */
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { z } from 'zod';
import { silentLogger, type Logger } from '../log.js';
import type { OpenDatabase } from './database.js';
import type { Database } from './schema.js';
import { readState, STATE_KEYS } from './state.js';

/** The LISTEN/NOTIFY channel. */
export const CATALOG_CHANNEL = 'factorio_mod_bot_catalog';

const VersionSchema = z.object({ fetchedAt: z.number() });

/**
 * The version of the stored catalog: `catalog.meta`'s `fetchedAt` (epoch ms), written in the transaction that stores
 * the rows; undefined when none is stored (or it is unreadable).
 *
 * @throws the driver's error.
 */
export async function storedCatalogVersion(db: Kysely<Database>): Promise<number | undefined> {
	const parsed = VersionSchema.safeParse(await readState(db, STATE_KEYS.catalogMeta));
	return parsed.success ? parsed.data.fetchedAt : undefined;
}

/**
 * Tells the listening processes that catalog `version` is stored. SQLite: nothing (one process).
 *
 * @throws the driver's error.
 */
export async function notifyCatalogStored(database: OpenDatabase, version: number): Promise<void> {
	if (database.engine !== 'postgres') return;
	await sql`select pg_notify(${CATALOG_CHANNEL}, ${String(version)})`.execute(database.db);
}

/** A LISTEN session; `close()` ends it. */
export interface CatalogListener {
	close(): Promise<void>;
}

/**
 * Listens on {@link CATALOG_CHANNEL} on a connection of its own and calls `onStored(version)` for each notification.
 * A lost connection is logged and opened again on the next `reconnect()` call (the caller's periodic check).
 *
 * @throws the driver's error when the first connection fails.
 */
export async function listenCatalogStored(
	url: string,
	onStored: (version: number) => void,
	log: Logger = silentLogger(),
): Promise<CatalogListener & { reconnect(): Promise<void> }> {
	let client: pg.Client | undefined;
	let closed = false;
	const open = async () => {
		const next = new pg.Client({
			connectionString: url,
			application_name: 'factorio-mod-bot catalog listener',
			keepAlive: true,
		});
		next.on('error', (error) => {
			if (client !== next) return;
			client = undefined;
			log.warn({ err: error }, 'the catalog listener lost its connection; it reconnects on the next check');
			void next.end().catch(() => undefined);
		});
		next.on('notification', (message) => {
			if (message.channel !== CATALOG_CHANNEL) return;
			const version = Number(message.payload);
			if (Number.isFinite(version)) onStored(version);
		});
		await next.connect();
		await next.query(`listen ${CATALOG_CHANNEL}`);
		if (closed) {
			await next.end();
			return;
		}
		client = next;
	};
	await open();
	return {
		async reconnect() {
			if (closed || client) return;
			await open();
		},
		async close() {
			closed = true;
			const current = client;
			client = undefined;
			await current?.end().catch(() => undefined);
		},
	};
}
