/**
 * A cache with a TTL per value: an in-memory LRU (lru-cache, the well-kept one) in front of the key-value store
 * (`keyValue.ts`), so cached values outlive a restart while memory holds only the most used ones.
 */
import { LRUCache } from 'lru-cache';
import { silentLogger, type Logger } from '../log.js';
import type { KeyValueStore } from './keyValue.js';

/** Settings of a {@link TtlCache}. */
export interface TtlCacheOptions<V> {
	/** Values kept in memory, most recently used first (an LRU in front of the store). */
	memoryEntries: number;
	/** Where values are also kept, so they outlive a restart and memory stays small; without it: memory only. */
	store?: KeyValueStore;
	/** Key prefix in the store, e.g. `portal:full:v1:`. Change its version when the values' shape changes. */
	prefix?: string;
	/** Checks a value read back from the store; a value it refuses is a miss (and is overwritten later). */
	accept?: (value: unknown) => value is V;
	/** Expired values in the store are swept at most this often, during writes; default 600,000 (10 minutes). */
	sweepEveryMs?: number;
	/** Store failures are logged here at warn level (the cache then acts as a miss); default silent. */
	log?: Logger;
}

/**
 * A cache with a TTL per value: an in-memory LRU (lru-cache) in front of the key-value store. Best effort: a store
 * that fails is logged and counts as a miss, never as an error of the caller. Values handed out are shared with
 * the cache: treat them as read-only.
 */
export class TtlCache<V extends object> {
	readonly #memory: LRUCache<string, V>;
	readonly #store: KeyValueStore | undefined;
	readonly #prefix: string;
	readonly #accept: (value: unknown) => value is V;
	readonly #sweepEveryMs: number;
	readonly #log: Logger;
	#lastSweep = 0;

	constructor(options: TtlCacheOptions<V>) {
		this.#memory = new LRUCache<string, V>({ max: Math.max(1, options.memoryEntries) });
		this.#store = options.store;
		this.#prefix = options.prefix ?? '';
		this.#accept = options.accept ?? ((value: unknown): value is V => typeof value === 'object' && value !== null);
		this.#sweepEveryMs = options.sweepEveryMs ?? 600_000;
		this.#log = options.log ?? silentLogger();
	}

	/** The value stored under `key` while its TTL lasts; undefined when there is none (or the store failed). */
	async get(key: string): Promise<V | undefined> {
		const remembered = this.#memory.get(key);
		if (remembered !== undefined || !this.#store) return remembered;
		try {
			const raw = await this.#store.keyv.getRaw<unknown>(this.#prefix + key);
			if (raw === undefined || !this.#accept(raw.value)) return undefined;
			const ttl = typeof raw.expires === 'number' ? raw.expires - Date.now() : undefined;
			if (ttl !== undefined && ttl <= 0) return undefined;
			this.#memory.set(key, raw.value, ttl === undefined ? undefined : { ttl });
			return raw.value;
		} catch (error) {
			this.#log.warn({ err: error, key: this.#prefix + key }, 'cache read failed; treated as a miss');
			return undefined;
		}
	}

	/** Keeps `value` under `key` for `ttlMs` milliseconds (0 or less: forgets `key` instead). */
	async set(key: string, value: V, ttlMs: number): Promise<void> {
		if (ttlMs <= 0) {
			await this.delete(key);
			return;
		}
		this.#memory.set(key, value, { ttl: ttlMs });
		if (!this.#store) return;
		try {
			await this.#store.keyv.set(this.#prefix + key, value, ttlMs);
			await this.#sweep();
		} catch (error) {
			this.#log.warn({ err: error, key: this.#prefix + key }, 'cache write failed; kept in memory only');
		}
	}

	/** Forgets `key`. */
	async delete(key: string): Promise<void> {
		this.#memory.delete(key);
		if (!this.#store) return;
		try {
			await this.#store.keyv.delete(this.#prefix + key);
		} catch (error) {
			this.#log.warn({ err: error, key: this.#prefix + key }, 'cache delete failed');
		}
	}

	async #sweep(): Promise<void> {
		const now = Date.now();
		if (!this.#store || now - this.#lastSweep < this.#sweepEveryMs) return;
		this.#lastSweep = now;
		const deleted = await this.#store.deleteExpired(this.#prefix, now);
		if (deleted > 0) this.#log.debug({ prefix: this.#prefix, deleted }, 'expired cache entries deleted');
	}
}
