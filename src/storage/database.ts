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
import { redactUrlPassword } from '../log.js';
import { migrateToLatest } from './migrations.js';
import { acquireProcessLock, type ProcessLock } from './processLock.js';

export { StoreLockedError } from './processLock.js';
import type { Database } from './schema.js';

/** Which engine a store URL selects. */
export type Engine = 'sqlite' | 'postgres';

/** An open store: the Kysely instance over it, its engine, and how to close it. */
export interface OpenDatabase {
	db: Kysely<Database>;
	engine: Engine;
	/** The SQLite file (undefined for `sqlite://:memory:` and PostgreSQL). */
	file: string | undefined;
	/** The store URL it was opened with. Holds the PostgreSQL password: never log it unmasked. */
	url: string;
	/** Closes the connection(s) and gives up the SQLite process lock; the Kysely instance is unusable afterwards. */
	close(): Promise<void>;
}

/** A store URL the bot cannot use. The message never repeats the URL (it may hold a password). */
export class StoreUrlError extends Error {
	override readonly name = 'StoreUrlError';
}

/**
 * The engine of a store URL: `sqlite://...` or `postgres://` / `postgresql://...`.
 *
 * @throws {StoreUrlError} for another scheme, or a PostgreSQL URL that does not parse (checked here because Node's
 *   URL parser, which pg uses, puts the whole input, password included, into its error).
 */
export function engineOf(storeUrl: string): Engine {
	if (/^sqlite:\/\/./.test(storeUrl)) return 'sqlite';
	if (/^postgres(?:ql)?:\/\//.test(storeUrl)) {
		if (!URL.canParse(storeUrl)) {
			throw new StoreUrlError('STORE_URL is not a valid URL: postgres://user:password@host:5432/database');
		}
		return 'postgres';
	}
	throw new StoreUrlError('STORE_URL must start with sqlite:// or postgres:// (or postgresql://)');
}

/** The password of a PostgreSQL store URL, as written and decoded; empty for SQLite or none. */
function passwordsOf(storeUrl: string): string[] {
	if (!URL.canParse(storeUrl)) return [];
	const { password } = new URL(storeUrl);
	if (password === '') return [];
	let decoded = password;
	try {
		decoded = decodeURIComponent(password);
	} catch {
		// keep the raw form only
	}
	return [...new Set([password, decoded])];
}

/**
 * Makes sure an error from opening or migrating the store cannot carry the URL's password into a log line: masks
 * URLs with credentials and the password itself in its message and stack, and in those of its causes.
 */
export function scrubStoreError(error: unknown, storeUrl: string): unknown {
	const secrets = passwordsOf(storeUrl);
	const scrub = (text: string) =>
		secrets.reduce((out, secret) => out.split(secret).join('***'), redactUrlPassword(text));
	for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
		current.message = scrub(current.message);
		if (current.stack) current.stack = scrub(current.stack);
	}
	return error;
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
 * SQLite: creates the file's folder, takes the single-process lock (`processLock.ts`: a second bot process on the
 * same file is refused), uses WAL journaling (readers never wait for the writer), enforces foreign keys (`on delete
 * cascade` drops a removed subscription's posts), and waits up to 10 s for a lock held by another connection.
 * PostgreSQL: a pool of `poolSize` connections (default 10); any number of processes may share the database.
 *
 * @param options.migrate default true; false opens without migrating (for `npm run migrate -- --status`).
 * @param options.lock default true; false skips the SQLite process lock (for read-only tools such as `--status`).
 * @throws {StoreUrlError} for an unusable URL; {@link StoreLockedError} when another process uses the SQLite store;
 *   the driver's error when the database cannot be opened or reached; a migration's error. No error carries the
 *   URL's password ({@link scrubStoreError}).
 */
export async function openDatabase(
	storeUrl: string,
	options: { migrate?: boolean; poolSize?: number; lock?: boolean } = {},
): Promise<OpenDatabase> {
	const engine = engineOf(storeUrl);
	let db: Kysely<Database>;
	let file: string | undefined;
	let lock: ProcessLock | undefined;
	if (engine === 'sqlite') {
		file = sqlitePath(storeUrl);
		if (file) mkdirSync(dirname(file), { recursive: true });
		if (file && options.lock !== false) lock = acquireProcessLock(file);
		try {
			const sqlite = new BetterSqlite3(file ?? ':memory:', { timeout: 10_000 });
			sqlite.pragma('journal_mode = WAL');
			sqlite.pragma('synchronous = NORMAL');
			sqlite.pragma('foreign_keys = ON');
			db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
		} catch (error) {
			lock?.release();
			throw error;
		}
	} else {
		const pool = new pg.Pool({ connectionString: storeUrl, max: options.poolSize ?? 10, types: pgTypes() });
		// A connection the server ended while idle (a restart, or a new leader ending a stale leader's work, see
		// leader.ts) is reported here; without a listener it would crash the process. The pool opens a new one, and
		// queries on it fail on their own.
		pool.on('error', () => undefined);
		// The same for a connection ended while checked out between two statements of a transaction: the next
		// statement fails with the error, so the event itself needs no handling.
		pool.on('connect', (client) => client.on('error', () => undefined));
		db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
	}
	const close = async () => {
		try {
			await db.destroy();
		} finally {
			lock?.release();
		}
	};
	try {
		if (options.migrate !== false) await migrateToLatest(db as Kysely<unknown>);
	} catch (error) {
		await close();
		throw scrubStoreError(error, storeUrl);
	}
	return { db, engine, file, url: storeUrl, close };
}
