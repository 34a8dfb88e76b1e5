/** TEST SUPPORT: how the keyv-document store was opened: @keyv/sqlite with its own `sqlite3` connection. */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';

/** The bot's key-value store: keyv over SQLite (or in memory for `sqlite://:memory:`). */
export type Store = Keyv;

/**
 * The file a `sqlite://` store URL points at: `sqlite://data/bot.sqlite` is relative to the working directory,
 * `sqlite:///var/lib/bot/bot.sqlite` is absolute; `sqlite://:memory:` has no file (undefined).
 */
export function sqlitePath(storeUrl: string): string | undefined {
	const path = storeUrl.replace(/^sqlite:\/\//, '');
	return path === ':memory:' ? undefined : resolve(path);
}

/**
 * Opens the keyv store at `storeUrl` (see {@link sqlitePath}), creating the folder of the SQLite file.
 * Follows the keyv and @keyv/sqlite docs (keyv.org).
 *
 * @throws the SQLite driver's error when the file cannot be opened (e.g. a read-only folder).
 */
export async function openStore(storeUrl: string): Promise<Store> {
	const file = sqlitePath(storeUrl);
	if (file) mkdirSync(dirname(file), { recursive: true });
	const adapter = new KeyvSqlite({ uri: file ? `sqlite://${file}` : 'sqlite://:memory:', busyTimeout: 10_000 });
	// A failed read must never look like "nothing stored": keyv otherwise turns adapter errors into undefined.
	const store = new Keyv({ store: adapter, namespace: 'bot', throwOnErrors: true });
	// Opening is lazy: touch the database now so a bad path fails at start-up, not at the first command.
	await store.get('__open__');
	return store;
}
