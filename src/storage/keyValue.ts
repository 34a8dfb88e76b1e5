/**
 * The key-value store: keyv (keyv.org) for what is only keyed values, beside the relational tables: the portal's
 * `/full` response cache with a TTL (`ttlCache.ts`), the registered-commands hash, other small keyed values.
 * It lives in the same database as the tables, in keyv's usual table `keyv` and the bot's namespace `bot` (the
 * layout of earlier versions, so their values are still found).
 *
 * - SQLite: @keyv/sqlite's statements, run on the store's own better-sqlite3 connection through Kysely. @keyv/sqlite
 *   would otherwise open the file with its own copy of SQLite (the `sqlite3` package), and two copies of SQLite in
 *   one process must never open the same file: their locks do not see each other (sqlite.org/howtocorrupt.html,
 *   "Multiple copies of SQLite linked into the same application"). Through Kysely, keyv's statements also wait for
 *   a transaction in progress instead of landing inside it.
 * - PostgreSQL: @keyv/postgres with a small pool of its own on the same database.
 *
 * keyv keeps the expiry time inside each value and deletes an expired value when it is read; `TtlCache` also sweeps
 * expired values it never reads again ({@link KeyValueStore.deleteExpired}).
 */
import KeyvPostgres from '@keyv/postgres';
import KeyvSqlite from '@keyv/sqlite';
import { CompiledQuery, sql } from 'kysely';
import Keyv from 'keyv';
import { silentLogger, type Logger } from '../log.js';
import type { OpenDatabase } from './database.js';

/** keyv's table (the adapters' default) and the bot's namespace, as earlier versions used them. */
export const KEYV_TABLE = 'keyv';
export const KEYV_NAMESPACE = 'bot';

/** Connections of the PostgreSQL adapter's own pool: keyed reads and writes are few and short. */
const POSTGRES_POOL_SIZE = 2;

/** The key-value store of one database. */
export interface KeyValueStore {
	/**
	 * keyv in the `bot` namespace, built with `throwOnErrors`: a failed read throws instead of looking like "nothing
	 * stored" (keyv's default), so callers that must not lose data can tell the two apart.
	 */
	readonly keyv: Keyv;
	/**
	 * Deletes the values under `prefix` (a key prefix inside the namespace) whose TTL ended before `now` (epoch ms,
	 * default now).
	 *
	 * @returns how many were deleted.
	 * @throws the driver's error.
	 */
	deleteExpired(prefix: string, now?: number): Promise<number>;
	/** Closes the adapter (on PostgreSQL its pool); the database itself stays open. */
	close(): Promise<void>;
}

/**
 * @keyv/sqlite on the store's better-sqlite3 connection: the adapter is built on a throwaway in-memory database,
 * which is closed at once, and its `query` (a public field all its statements go through) is pointed at Kysely.
 */
async function sqliteAdapter(database: OpenDatabase): Promise<KeyvSqlite> {
	const adapter = new KeyvSqlite({ uri: 'sqlite://:memory:', table: KEYV_TABLE });
	await adapter.close();
	adapter.query = async (statement: string, ...parameters: unknown[]) => {
		// The adapter passes parameters one by one, except its iterator, which passes one array.
		const values = parameters.length === 1 && Array.isArray(parameters[0]) ? (parameters[0] as unknown[]) : parameters;
		const result = await database.db.executeQuery(CompiledQuery.raw(statement, values));
		return result.rows;
	};
	adapter.close = () => Promise.resolve();
	// The adapter's own table statement (it ran on the throwaway database): the same table earlier versions made.
	await adapter.query(
		`CREATE TABLE IF NOT EXISTS ${KEYV_TABLE}(key VARCHAR(${adapter.opts.keySize ?? 255}) PRIMARY KEY, value TEXT )`,
	);
	return adapter;
}

/**
 * Opens the key-value store in `database` (SQLite or PostgreSQL, see the module comment), creating keyv's table
 * when it is missing. keyv's error events are logged at warn level.
 *
 * @throws the driver's error when the table cannot be created or read.
 */
export async function openKeyValueStore(
	database: OpenDatabase,
	options: { log?: Logger } = {},
): Promise<KeyValueStore> {
	const log = options.log ?? silentLogger();
	const adapter =
		database.engine === 'sqlite'
			? await sqliteAdapter(database)
			: new KeyvPostgres({ uri: database.url, table: KEYV_TABLE, max: POSTGRES_POOL_SIZE });
	const keyv = new Keyv({ store: adapter, namespace: KEYV_NAMESPACE, throwOnErrors: true });
	keyv.on('error', (error: unknown) => {
		log.warn({ err: error }, 'key-value store error');
	});
	try {
		// @keyv/postgres creates its table in the background: wait for it, and fail now on a bad connection.
		await keyv.get('__open__');
	} catch (error) {
		await keyv.disconnect().catch(() => undefined);
		throw error;
	}
	const namespaced = (prefix: string) => `${KEYV_NAMESPACE}:${prefix}`;
	return {
		keyv,
		async deleteExpired(prefix, now = Date.now()) {
			const start = namespaced(prefix);
			const expires =
				database.engine === 'sqlite'
					? sql<number>`json_extract(value, '$.expires')`
					: sql<number>`(value::json ->> 'expires')::numeric`;
			// substr, not LIKE: a prefix may hold `_` or `%`, and LIKE would not use the index here either.
			const result = await sql`delete from ${sql.table(KEYV_TABLE)}
				where substr(key, 1, ${start.length}) = ${start} and ${expires} < ${now}`.execute(database.db);
			return Number(result.numAffectedRows ?? 0);
		},
		async close() {
			await keyv.disconnect();
		},
	};
}
