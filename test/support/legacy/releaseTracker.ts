/**
 * TEST SUPPORT: the writer half of the release tracker of the keyv-document store (before the tables), kept to
 * build that layout in the upgrade test (`test/storage/legacyImport.test.ts`). Polling and reconciliation are left
 * out; `seed`, `commit` and `load` and the storage code are as they were.
 *
 * Detects new releases on the mod portal: the logic of the release poller, without scheduling or posting.
 *
 * Source: `../shared/portal-api.md`. `/api/mods` can sort by `updated_at` but its entries carry no `updated_at`,
 * and `updated_at` also moves when only a mod's page is edited; so a release is detected by comparing each listed
 * mod's `latest_release.version` with the one known here, and the `/full` answer (once per changed mod) gives every
 * release since. `latest_release` is the most recently uploaded release, not the highest version (a fix for an older
 * Factorio version's branch can come after a higher version), so "newer" means uploaded later when both times are
 * known, and a higher version otherwise; a listed release older than the known one means the known one was deleted.
 *
 * The known state moves only in {@link ReleaseTracker.commit}, which the caller runs after the announcements are
 * safely in the outbox: a crash in between re-detects the same releases (at-least-once), and the outbox drops the
 * repeats.
 *
 * Storage layout (keyv):
 * - `releases:meta` -> `{ v: 1, seededAt: ISO 8601, buckets: 16 }`, written last when seeding (its presence means
 *   "seeded").
 * - `releases:known:{0..15}` -> `{ v: 1, mods: { [modName]: [version, releasedAtMs?] } }`: the known latest release
 *   of every mod, spread over 16 documents by a hash of the name, so a commit rewrites about 1/16 of the ~20,000
 *   mods (≈ 60 KB) instead of all of them.
 */
import type Keyv from 'keyv';
import { z } from 'zod';
import { compareVersions } from '../../../src/services/factorio/version.js';
import type { ModDetails, ModSummary, Release } from '../../../src/services/portal/schemas.js';
import { SerialQueue, readDocuments, writeDocuments } from './documents.js';

/** One release to announce. */
export interface ReleaseEvent {
	/** The mod as `/api/mods/{name}/full` answered right after the release was detected. */
	mod: ModDetails;
	release: Release;
	/** True on the event of a mod's first release when the mod appeared after the tracker was seeded. */
	isNewMod: boolean;
	/** `${mod.name}@${release.version}`. */
	key: string;
}

/** A mod's known latest release: its version and, when the portal gave one, its upload time (epoch ms). */
interface Known {
	version: string;
	releasedAt?: number;
}

/** A known-state change found by a poll or reconciliation, applied by the next commit. */
interface PendingKnown {
	known: Known;
	/** Applied only when the commit includes all these events (the known release may be past them). */
	eventKeys: string[];
}

const META_KEY = 'releases:meta';
const BUCKETS = 16;
const bucketKey = (bucket: number) => `releases:known:${bucket}`;

const MetaSchema = z.object({ v: z.literal(1), seededAt: z.string(), buckets: z.number().int().positive() });
const BucketSchema = z.object({
	v: z.literal(1),
	mods: z.record(z.string(), z.union([z.tuple([z.string()]), z.tuple([z.string(), z.number()])])),
});

/** FNV-1a over the name's UTF-16 code units: a stable bucket for a mod name. */
function bucketOf(name: string): number {
	let hash = 0x811c9dc5;
	for (let index = 0; index < name.length; index++) {
		hash ^= name.charCodeAt(index);
		hash = Math.imul(hash, 0x01000193);
	}
	return (hash >>> 0) % BUCKETS;
}

function releasedMs(release: Pick<Release, 'releasedAt'>): number | undefined {
	if (!release.releasedAt) return undefined;
	const ms = Date.parse(release.releasedAt);
	return Number.isNaN(ms) ? undefined : ms;
}

function knownOf(release: Release): Known {
	const releasedAt = releasedMs(release);
	return releasedAt === undefined ? { version: release.version } : { version: release.version, releasedAt };
}

/** True when `candidate` came after `known`: uploaded later when both times are known, else a higher version. */
function isNewer(candidate: Known, known: Known): boolean {
	if (
		candidate.releasedAt !== undefined &&
		known.releasedAt !== undefined &&
		candidate.releasedAt !== known.releasedAt
	) {
		return candidate.releasedAt > known.releasedAt;
	}
	return compareVersions(candidate.version, known.version) > 0;
}

/**
 * Release detection with a persisted "known latest release" per mod. See the module comment for the protocol and
 * storage. One process runs one tracker over a store.
 */
export class ReleaseTracker {
	readonly #store: Keyv;
	readonly #queue = new SerialQueue();
	#buckets: Map<string, Known>[] = emptyBuckets();
	#seededAt: number | undefined;
	#pending = new Map<string, PendingKnown>();

	/** @param options.store the bot's keyv store. */
	constructor(options: { store: Keyv }) {
		this.#store = options.store;
	}

	/** True once the known state holds the whole catalogue (after {@link seed}, or a stored seed was loaded). */
	get seeded(): boolean {
		return this.#seededAt !== undefined;
	}

	/** The version of a mod's known latest release, as last committed; undefined for a mod not seen yet. */
	known(name: string): string | undefined {
		return this.#known(name)?.version;
	}

	/**
	 * Loads the known state stored by an earlier run. Without a stored seed the tracker stays unseeded.
	 *
	 * @throws the store's error, or a ZodError for stored documents of an unknown shape.
	 */
	async load(): Promise<void> {
		await this.#queue.run(async () => {
			const [rawMeta] = await readDocuments(this.#store, [META_KEY]);
			if (rawMeta === undefined) return;
			const meta = MetaSchema.parse(rawMeta);
			const stored = await readDocuments(
				this.#store,
				Array.from({ length: meta.buckets }, (_, bucket) => bucketKey(bucket)),
			);
			const buckets = emptyBuckets();
			for (const raw of stored) {
				if (raw === undefined) continue;
				for (const [name, [version, releasedAt]] of Object.entries(BucketSchema.parse(raw).mods)) {
					buckets[bucketOf(name)]?.set(name, releasedAt === undefined ? { version } : { version, releasedAt });
				}
			}
			// Another bucket count (a future change of BUCKETS): store everything again in the current layout.
			if (meta.buckets !== BUCKETS) await this.#write(buckets, buckets.keys(), new Date(meta.seededAt));
			this.#buckets = buckets;
			this.#seededAt = Date.parse(meta.seededAt);
		});
	}

	/**
	 * Makes `mods` the known state: each mod's `latestRelease` (mods without a release are left out). Announces
	 * nothing. Replaces any earlier state.
	 *
	 * @param mods - the whole catalogue, e.g. `listMods({ pageSize: 'max', hideDeprecated: false })`.
	 * @param options.at - when `mods` was fetched, default now. A mod unknown at a later poll is announced only with
	 *   releases at most an hour older than this, so a mod missing from `mods` does not get its whole history
	 *   announced.
	 * @throws {StoreError} or the store's error; the previous state stays then.
	 */
	seed(mods: readonly ModSummary[], options: { at?: Date } = {}): Promise<void> {
		return this.#queue.run(async () => {
			const buckets = emptyBuckets();
			for (const mod of mods) {
				if (mod.latestRelease) buckets[bucketOf(mod.name)]?.set(mod.name, knownOf(mod.latestRelease));
			}
			const at = options.at ?? new Date();
			await this.#write(buckets, buckets.keys(), at);
			this.#buckets = buckets;
			this.#seededAt = at.getTime();
			this.#pending = new Map();
		});
	}

	/**
	 * Records `events` (a mod's known release becomes the latest of the known one and its events), the silent changes
	 * found by the last {@link poll} or {@link reconcile} (a deleted release, releases too old to announce; each
	 * applied only when `events` includes all of that pass's events of the mod), and `extra`. Call it with every event
	 * of the last pass once they are queued; with nothing to record it writes nothing.
	 *
	 * @param extra - mod name -> version to record as is (it may go back to a lower version).
	 * @throws {StoreError} or the store's error; the known state is unchanged then.
	 */
	commit(events: readonly ReleaseEvent[], extra: Record<string, string> = {}): Promise<void> {
		return this.#queue.run(async () => {
			const keys = new Set(events.map((event) => event.key));
			const changes = new Map<string, Known>();
			const applied: string[] = [];
			for (const [name, pending] of this.#pending) {
				if (pending.eventKeys.every((key) => keys.has(key))) {
					changes.set(name, pending.known);
					applied.push(name);
				}
			}
			for (const [name, version] of Object.entries(extra)) changes.set(name, { version });
			for (const { mod, release } of events) {
				const candidate = knownOf(release);
				const current = changes.get(mod.name) ?? this.#known(mod.name);
				if (current === undefined || isNewer(candidate, current)) changes.set(mod.name, candidate);
			}
			for (const [name, known] of changes) {
				const current = this.#known(name);
				if (current?.version === known.version && current.releasedAt === known.releasedAt) changes.delete(name);
			}

			if (changes.size > 0) {
				const buckets = [...this.#buckets];
				const touched = new Set<number>();
				for (const [name, known] of changes) {
					const bucket = bucketOf(name);
					const copy = touched.has(bucket) ? buckets[bucket] : new Map(buckets[bucket]);
					copy?.set(name, known);
					if (copy) buckets[bucket] = copy;
					touched.add(bucket);
				}
				await this.#write(buckets, touched, undefined);
				this.#buckets = buckets;
			}
			for (const name of applied) this.#pending.delete(name);
		});
	}

	#known(name: string): Known | undefined {
		return this.#buckets[bucketOf(name)]?.get(name);
	}

	/** Writes the given buckets, then (when `seededAt` is set) the meta document. */
	async #write(
		buckets: readonly Map<string, Known>[],
		which: Iterable<number>,
		seededAt: Date | undefined,
	): Promise<void> {
		await writeDocuments(
			this.#store,
			[...which].map((bucket) => ({
				key: bucketKey(bucket),
				value: {
					v: 1,
					mods: Object.fromEntries(
						[...(buckets[bucket] ?? [])].map(([name, known]) => [
							name,
							known.releasedAt === undefined ? [known.version] : [known.version, known.releasedAt],
						]),
					),
				},
			})),
		);
		if (seededAt) {
			await writeDocuments(this.#store, [
				{ key: META_KEY, value: { v: 1, seededAt: seededAt.toISOString(), buckets: BUCKETS } },
			]);
		}
	}
}

function emptyBuckets(): Map<string, Known>[] {
	return Array.from({ length: BUCKETS }, () => new Map<string, Known>());
}
