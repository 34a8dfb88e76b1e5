/**
 * The `state` table: small durable values by key, as JSON text, written inside the transactions that change what
 * they describe. The keys in use are listed in {@link STATE_KEYS}.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Every key of the `state` table, with the shape of its value. */
export const STATE_KEYS = {
	/** Epoch ms: when the release feed recorded the whole portal as known. */
	feedSeededAt: 'feed.seeded_at',
	/** The names on the first page of the last committed poll, in order. */
	feedAnchors: 'feed.anchors',
	/** `{ fetchedAt: epoch ms, createdOrder: names of the newest mods, newest first }` of the stored catalog. */
	catalogMeta: 'catalog.meta',
	/** Epoch ms: when the keyv documents of earlier versions were imported (see `legacyImport.ts`). */
	legacyImportedAt: 'legacy.imported_at',
	/** A number: the term of the current leader among the processes of a PostgreSQL store (see `leader.ts`). */
	leaderTerm: 'leader.term',
} as const;

/** A key of the `state` table. */
export type StateKey = (typeof STATE_KEYS)[keyof typeof STATE_KEYS];

/**
 * Reads the value under `key` (parsed JSON, to be validated by the caller).
 *
 * @param db the database or a transaction.
 * @returns undefined when nothing is stored under `key`.
 * @throws the driver's error; a SyntaxError when the stored text is not JSON.
 */
export async function readState(db: Kysely<Database>, key: StateKey): Promise<unknown> {
	const row = await db.selectFrom('state').select('value').where('key', '=', key).executeTakeFirst();
	return row === undefined ? undefined : (JSON.parse(row.value) as unknown);
}

/**
 * Stores `value` (JSON-serialisable) under `key`, replacing what was there.
 *
 * @param db the database or a transaction (so the value commits with the change it describes).
 * @throws the driver's error.
 */
export async function writeState(db: Kysely<Database>, key: StateKey, value: unknown): Promise<void> {
	await db
		.insertInto('state')
		.values({ key, value: JSON.stringify(value) })
		.onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
		.execute();
}
