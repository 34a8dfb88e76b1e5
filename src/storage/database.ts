/**
 * The relational store: Kysely over better-sqlite3 for `sqlite://` store URLs (the zero-setup default) or over pg
 * for `postgres://` / `postgresql://` ones. Follows the Kysely docs ("Getting started", "Dialects") and the
 * better-sqlite3 and node-postgres docs. The schema is in `schema.ts`, its migrations in `migrations.ts`.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations.js';
import type { Database } from './schema.js';

/** Which engine a store URL selects. */
export type Engine = 'sqlite' | 'postgres';

/** An open store: the Kysely instance over it, its engine, and how to close it. */
export interface OpenDatabase {
	db: Kysely<Database>;
	engine: Engine;
	/** The SQLite file (undefined for `sqlite://:memory:` and PostgreSQL). */
	file: string | undefined;
	/** Closes the connection(s); the Kysely instance is unusable afterwards. */
	close(): Promise<void>;
}

/** A store URL the bot cannot use. The message never repeats the URL (it may hold a password). */
export class StoreUrlError extends Error {
	override readonly name = 'StoreUrlError';
}

/** The engine of a store URL: `sqlite://...` or `postgres://` / `postgresql://...`. @throws {StoreUrlError} otherwise. */
export function engineOf(storeUrl: string): Engine {
	if (/^sqlite:\/\/./.test(storeUrl)) return 'sqlite';
	if (/^postgres(?:ql)?:\/\//.test(storeUrl)) return 'postgres';
	throw new StoreUrlError('STORE_URL must start with sqlite:// or postgres:// (or postgresql://)');
}

/**
 * The file a `sqlite://` store URL points at: `sqlite://data/bot.sqlite` is relative to the working directory,
 * `sqlite:///var/lib/bot/bot.sqlite` is absolute; `sqlite://:memory:` has no file (undefined).
 */
export function sqlitePath(storeUrl: string): string | undefined {
	const path = storeUrl.replace(/^sqlite:\/\//, '');
	return path === ':memory:' ? undefined : resolve(path);
}

// PostgreSQL's int8 (bigint, used for epoch milliseconds) arrives as a string by default; the values here are
// far below 2^53, so they are read as numbers. Set on the pool's own type registry, not on pg's global one.
const PG_INT8_OID = 20;
function pgTypes(): pg.TypeOverrides {
	const types = new pg.TypeOverrides();
	types.setTypeParser(PG_INT8_OID, 'text', Number);
	return types;
}

/**
 * Opens the store at `storeUrl` and brings its schema up to date (migrations in `migrations.ts`).
 *
 * SQLite: creates the file's folder, uses WAL journaling (readers never wait for the writer), enforces foreign
 * keys (`on delete cascade` drops a removed subscription's posts), and waits up to 10 s for a lock held by another
 * connection. PostgreSQL: a pool of `poolSize` connections (default 10).
 *
 * @param options.migrate default true; false opens without migrating (for `npm run migrate -- --status`).
 * @throws {StoreUrlError} for an unusable URL; the driver's error when the database cannot be opened or reached;
 *   a migration's error.
 */
export async function openDatabase(
	storeUrl: string,
	options: { migrate?: boolean; poolSize?: number } = {},
): Promise<OpenDatabase> {
	const engine = engineOf(storeUrl);
	let db: Kysely<Database>;
	let file: string | undefined;
	if (engine === 'sqlite') {
		file = sqlitePath(storeUrl);
		if (file) mkdirSync(dirname(file), { recursive: true });
		const sqlite = new BetterSqlite3(file ?? ':memory:', { timeout: 10_000 });
		sqlite.pragma('journal_mode = WAL');
		sqlite.pragma('synchronous = NORMAL');
		sqlite.pragma('foreign_keys = ON');
		db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
	} else {
		const pool = new pg.Pool({ connectionString: storeUrl, max: options.poolSize ?? 10, types: pgTypes() });
		db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
	}
	try {
		if (options.migrate !== false) await migrateToLatest(db as Kysely<unknown>);
	} catch (error) {
		await db.destroy();
		throw error;
	}
	return {
		db,
		engine,
		file,
		close: () => db.destroy(),
	};
}
