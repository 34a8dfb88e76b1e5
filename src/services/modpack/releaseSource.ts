/**
 * Where the resolver gets every release of a mod with its dependencies.
 *
 * Why `/full` per mod and not the list endpoint's `namelist` batches: the list endpoint's releases carry no
 * `info_json.dependencies`. Evidence: portal-api.md ("info_json (`factorio_version` like `2.0`; in /full also
 * `dependencies`)"); the recorded namelist example in `fixtures/portal/modern-shapes-secondary.json`, whose releases'
 * `info_json` holds only `factorio_version`; clusterio's `ModStore.ts`, which batches `namelist` only to download
 * and has a separate `fetchModReleases` ("the full release list for a mod including dependencies") calling `/full`
 * for its dependency resolver; factorio-mods-nix's `generator.py` and fmm's `portal.go`, which both read
 * dependencies from `/full`. So the resolver asks `/full` once per mod, through the portal client's cache (repeated
 * and concurrent asks for one mod share one request), a few at a time.
 */
import pLimit from 'p-limit';
import { PortalError, type PortalClient } from '../portal/client.js';
import { modRecordFromDetails, type ModRecord } from './modRecord.js';

/** What the portal said about one mod name. */
export type ModLookup =
	| { kind: 'found'; mod: ModRecord }
	/** HTTP 404: no mod of that name. */
	| { kind: 'not_found' }
	/** Any other failure for this one mod (an answer that does not parse, say); `reason` is safe to show. */
	| { kind: 'failed'; reason: string };

/** Fetches mods by internal name. Implementations never reject for one bad mod: that mod's lookup says so. */
export interface ReleaseSource {
	/**
	 * @returns a lookup for every name asked (duplicates once).
	 * @throws {PortalError} only when the portal as a whole is unavailable or rate limiting (`unavailable`,
	 *   `rate_limited`), so that a resolution stops instead of reporting every mod as missing.
	 */
	lookup(names: readonly string[]): Promise<Map<string, ModLookup>>;
}

/** Default number of `/full` requests in flight at once: modest, per Wube's guidelines. */
const DEFAULT_CONCURRENCY = 4;

/**
 * {@link ReleaseSource} over the portal client's `getFullMod` (cached there for its TTL).
 */
export class PortalReleaseSource implements ReleaseSource {
	private readonly portal: Pick<PortalClient, 'getFullMod'>;
	private readonly limit: ReturnType<typeof pLimit>;

	/** @param options.concurrency requests in flight at once; default 4. */
	constructor(portal: Pick<PortalClient, 'getFullMod'>, options: { concurrency?: number } = {}) {
		this.portal = portal;
		this.limit = pLimit(options.concurrency ?? DEFAULT_CONCURRENCY);
	}

	async lookup(names: readonly string[]): Promise<Map<string, ModLookup>> {
		const unique = [...new Set(names)];
		const results = await Promise.all(unique.map((name) => this.limit(() => this.one(name))));
		return new Map(unique.map((name, i) => [name, results[i] ?? { kind: 'failed', reason: 'no answer' }]));
	}

	private async one(name: string): Promise<ModLookup> {
		try {
			return { kind: 'found', mod: modRecordFromDetails(await this.portal.getFullMod(name)) };
		} catch (error) {
			if (error instanceof PortalError) {
				if (error.kind === 'not_found') return { kind: 'not_found' };
				if (error.kind === 'invalid_response')
					return { kind: 'failed', reason: 'the portal sent an unreadable answer' };
			}
			throw error;
		}
	}
}
