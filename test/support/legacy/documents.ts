/**
 * TEST SUPPORT: kept as it was for the writers of the keyv-document store (see `test/support/legacy/`).
 *
 * Durable document reads and writes over keyv, for the stores that must never mistake a failed read for "nothing
 * stored" (subscriptions, release state, outbox). Follows the keyv 5 and @keyv/sqlite docs.
 */
import type Keyv from 'keyv';

/** A keyv read or write that did not happen (the adapter failed, or reported failure). */
export class StoreError extends Error {
	override readonly name = 'StoreError';
}

/** Writes started at once by {@link writeDocuments}. */
const WRITE_CHUNK = 50;

/** Keys per `getMany` query: the SQLite adapter matches rows to keys in quadratic time. */
const READ_CHUNK = 500;

/**
 * Reads documents by key, `undefined` for a missing one.
 *
 * keyv 5's `get` turns an adapter error into `undefined` (unless the Keyv was built with `throwOnErrors`), which
 * would look like "nothing stored" and lead to overwriting real data; `getMany` passes the error of an adapter that
 * has its own `getMany` (like @keyv/sqlite) on, so it is used even for one key.
 *
 * @throws the adapter's error.
 */
export async function readDocuments(store: Keyv, keys: readonly string[]): Promise<unknown[]> {
	const values: unknown[] = [];
	for (let start = 0; start < keys.length; start += READ_CHUNK) {
		const chunk = keys.slice(start, start + READ_CHUNK);
		values.push(...(await store.getMany<unknown>(chunk)));
	}
	return values;
}

/**
 * Writes documents; resolves once the adapter has stored every one of them (for SQLite: the statement completed).
 * keyv 5's `set` reports an adapter error as `false` instead of throwing: that becomes a {@link StoreError}.
 *
 * @throws {StoreError} when a write failed (others of the same call may have happened).
 */
export async function writeDocuments(
	store: Keyv,
	documents: readonly { key: string; value: unknown }[],
): Promise<void> {
	const failed: string[] = [];
	// A bounded number of writes at once: thousands of pending SQLite statements cost memory, not speed.
	for (let start = 0; start < documents.length; start += WRITE_CHUNK) {
		const chunk = documents.slice(start, start + WRITE_CHUNK);
		const results = await Promise.all(chunk.map(({ key, value }) => store.set(key, value)));
		failed.push(...chunk.filter((_, index) => results[index] !== true).map(({ key }) => key));
	}
	if (failed.length > 0) throw new StoreError(`Could not write ${failed.join(', ')} to the store`);
}

/**
 * Deletes documents, best effort: keyv 5 answers `false` both for a failure and for a missing key, so callers only
 * delete what is already unreachable (no longer in an index), where a leftover costs space, not correctness.
 */
export async function deleteDocuments(store: Keyv, keys: readonly string[]): Promise<void> {
	if (keys.length > 0) await store.delete([...keys]);
}

/**
 * Runs async tasks one after another, in call order. Used so that every change is written and applied before the
 * next one starts: the in-memory state only ever shows what is durably stored.
 */
export class SerialQueue {
	#tail: Promise<unknown> = Promise.resolve();

	/** Runs `task` after every task queued before it; resolves or rejects with its outcome. */
	run<T>(task: () => Promise<T>): Promise<T> {
		const result = this.#tail.then(task);
		this.#tail = result.catch(() => undefined);
		return result;
	}
}
