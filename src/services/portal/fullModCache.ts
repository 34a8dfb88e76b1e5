/**
 * The cache of `GET /api/mods/{name}/full` answers that `PortalClient.getFullMod` keeps: Wube's guidelines ask
 * API clients to cache what can be cached (portal-api.md). `/full` bodies carry whole changelogs, so memory holds
 * only the most recently used ones; with the key-value store behind it, answers also outlive a restart.
 */
import type { Logger } from '../../log.js';
import type { KeyValueStore } from '../../storage/keyValue.js';
import { TtlCache } from '../../storage/ttlCache.js';
import type { ModDetails } from './schemas.js';

/** A cached answer: the mod, or the portal's 404 (the message of its `PortalError`). */
export type CachedFullMod = { mod: ModDetails } | { notFound: string };

/** Where `PortalClient.getFullMod` keeps answers. Best effort: neither method throws. */
export interface FullModCache {
	/** The answer kept for `name`, undefined when there is none (or it cannot be read). */
	get(name: string): Promise<CachedFullMod | undefined>;
	/** Keeps `entry` for `ttlMs` milliseconds; 0 forgets `name`. */
	set(name: string, entry: CachedFullMod, ttlMs: number): Promise<void>;
}

/**
 * Key prefix in the store. The version names the stored shape (`ModDetails`, as the schema maps it): change it
 * when that shape changes, so values of the old shape are never read (they expire within the TTL).
 */
const STORE_PREFIX = 'portal:full:v1:';
/** Answers kept in memory with a store behind, and without one. */
const MEMORY_ENTRIES_WITH_STORE = 200;
const MEMORY_ENTRIES_ALONE = 1_000;

/** True for a value that has the shape of a {@link CachedFullMod} (read back from the store). */
export function isCachedFullMod(value: unknown): value is CachedFullMod {
	if (typeof value !== 'object' || value === null) return false;
	if ('notFound' in value) return typeof value.notFound === 'string';
	if (!('mod' in value) || typeof value.mod !== 'object' || value.mod === null) return false;
	const mod = value.mod as Partial<Record<keyof ModDetails, unknown>>;
	return typeof mod.name === 'string' && typeof mod.title === 'string' && Array.isArray(mod.releases);
}

/**
 * The `/full` cache: an LRU of the 200 most recent answers in memory in front of `store` (keys `portal:full:v1:*`,
 * expired ones swept), or the 1,000 most recent in memory only when no store is given.
 */
export function createFullModCache(options: { store?: KeyValueStore; log?: Logger } = {}): FullModCache {
	return new TtlCache<CachedFullMod>({
		memoryEntries: options.store ? MEMORY_ENTRIES_WITH_STORE : MEMORY_ENTRIES_ALONE,
		store: options.store,
		prefix: STORE_PREFIX,
		accept: isCachedFullMod,
		log: options.log,
	});
}
