/**
 * One process per SQLite store (issue 9 §4): SQLite serialises writers within a file, but the bot keeps state in
 * memory between statements (the catalog, the poller's anchors, delivery in progress), so a second bot process on
 * the same file would post twice and undo the first one's work. PostgreSQL stores have no such limit.
 *
 * The lock is SQLite's own: an empty lock database beside the store (`bot.sqlite.lock`) in which the process opens
 * an exclusive transaction (sqlite.org/lang_transaction.html: EXCLUSIVE keeps every other connection from reading
 * or writing) and keeps it open, so SQLite holds an exclusive POSIX lock on that file until the connection closes. The kernel drops that lock when the process ends in any way, `kill -9`
 * included, so a killed process never blocks the next start (unlike lock files judged stale by their age, such as
 * proper-lockfile's, which refuse a restart until the stale time has passed). The store file itself stays readable
 * by other tools (`sqlite3 data/bot.sqlite .backup ...`, `npm run migrate -- --status`) while the bot runs.
 * Like all SQLite locking, it needs a local file system (not NFS).
 */
import BetterSqlite3 from 'better-sqlite3';

/** A second process on the same SQLite store. The message says what to do instead. */
export class StoreLockedError extends Error {
	override readonly name = 'StoreLockedError';
}

/** A held lock; {@link ProcessLock.release} gives it up (idempotent). */
export interface ProcessLock {
	/** The lock database's path. */
	readonly file: string;
	release(): void;
}

/** The lock database's path for a store file. */
export function lockFileOf(storeFile: string): string {
	return `${storeFile}.lock`;
}

/** SQLite's "database is locked" result codes. */
function isBusy(error: unknown): boolean {
	const code = (error as { code?: unknown } | undefined)?.code;
	return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/**
 * Takes the single-process lock of the SQLite store at `storeFile` (its folder must exist), or fails at once.
 *
 * @throws {StoreLockedError} when another process holds it: another bot (or `npm run migrate`) uses the store.
 * @throws the driver's error when the lock database cannot be created (e.g. a read-only folder).
 */
export function acquireProcessLock(storeFile: string): ProcessLock {
	const file = lockFileOf(storeFile);
	const lock = new BetterSqlite3(file, { timeout: 0 });
	try {
		// An exclusive transaction that is never committed: SQLite takes the exclusive lock at once and holds it until
		// the connection closes. Nothing is ever written, so the (empty) lock file can never be left half-written.
		lock.exec('begin exclusive');
	} catch (error) {
		lock.close();
		if (isBusy(error)) {
			throw new StoreLockedError(
				`Another process is using the SQLite store ${storeFile}: an SQLite store serves one bot process. ` +
					'Stop the other process, or set STORE_URL to a PostgreSQL database (postgres://user@host:5432/database) ' +
					'to run several.',
			);
		}
		throw error;
	}
	let held = true;
	return {
		file,
		release() {
			if (!held) return;
			held = false;
			lock.close();
		},
	};
}
