/**
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
import { silentLogger, type Logger } from '../../log.js';
import { compareVersions } from '../factorio/version.js';
import { PortalError, type PortalClient } from '../portal/client.js';
import type { ModDetails, ModSummary, Release } from '../portal/schemas.js';
import { SerialQueue, readDocuments, writeDocuments } from '../../storage/documents.js';

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

/** What one {@link ReleaseTracker.poll} did. */
export interface PollResult {
	/** New releases: per mod oldest first, mods in the order of their first new release's time. */
	events: ReleaseEvent[];
	/** Portal calls made (list pages plus `/full` fetches); the client's own retries are not counted. */
	requests: number;
	/** True when this poll seeded the known state (and so announced nothing). */
	seeded: boolean;
	/** List pages read. */
	pages: number;
}

/** The portal calls the tracker makes. */
export type ReleaseSource = Pick<PortalClient, 'listMods' | 'getFullMod'>;

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

/** How a listed mod compares with the known state. */
type Verdict = { kind: 'same' } | { kind: 'silent'; known: Known } | { kind: 'fetch' };

/**
 * How long before the seed an unknown mod's release may be and still count as new: covers clock skew with the
 * portal and a catalogue fetched a little before seeding, while a long-known mod that was missing from the seed (a
 * hidden one) is still not announced with its whole history.
 */
const SEED_GRACE_MS = 3_600_000;

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

function sameRelease(a: Known, b: Known): boolean {
	return a.version === b.version || compareVersions(a.version, b.version) === 0;
}

/** Oldest first: by upload time when both have one, else by version. */
function byAge(a: Release, b: Release): number {
	const order = isNewer(knownOf(a), knownOf(b)) ? 1 : isNewer(knownOf(b), knownOf(a)) ? -1 : 0;
	return order || compareVersions(a.version, b.version);
}

/**
 * Release detection with a persisted "known latest release" per mod. See the module comment for the protocol and
 * storage. One process runs one tracker over a store.
 */
export class ReleaseTracker {
	readonly #store: Keyv;
	readonly #portal: ReleaseSource;
	readonly #log: Logger;
	readonly #pageSize: number;
	readonly #maxPages: number;
	readonly #queue = new SerialQueue();
	#buckets: Map<string, Known>[] = emptyBuckets();
	#seededAt: number | undefined;
	#pending = new Map<string, PendingKnown>();
	/** Names on the first page of the last committed poll -> their position; see {@link ReleaseTracker.poll}. */
	#anchors: ReadonlyMap<string, number> | undefined;
	#pendingAnchors: ReadonlyMap<string, number> | undefined;

	/**
	 * @param options.store the bot's keyv store.
	 * @param options.portal the portal client (only `listMods` and `getFullMod` are used).
	 * @param options.log default: silent.
	 * @param options.pageSize mods per list page while polling; default 25 (the portal's default).
	 * @param options.maxPages pages a poll reads at most; default 40. More changes than that wait for
	 *   {@link ReleaseTracker.reconcile}.
	 */
	constructor(options: { store: Keyv; portal: ReleaseSource; log?: Logger; pageSize?: number; maxPages?: number }) {
		this.#store = options.store;
		this.#portal = options.portal;
		this.#log = options.log ?? silentLogger();
		this.#pageSize = options.pageSize ?? 25;
		this.#maxPages = options.maxPages ?? 40;
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
			this.#anchors = undefined;
			this.#pendingAnchors = undefined;
		});
	}

	/**
	 * One poll tick.
	 *
	 * Not seeded yet: one `listMods({ pageSize: 'max', hideDeprecated: false })` request seeds the state; no events.
	 *
	 * Seeded: reads `listMods({ sort: 'updated_at', sortOrder: 'desc', hideDeprecated: false, pageSize, page })` page
	 * by page. It stops after the page where the mods of the last committed poll's first page ("anchors") show up
	 * again in their old order: mods not updated since keep their order and come after every updated one, so nothing
	 * changed lies further down (one request when nothing changed, one page plus one `/full` per release in the usual
	 * case). Otherwise it stops after the first page on which no mod's `latestRelease.version` differs from the known
	 * one (and no mod is unknown), once two anchors were seen: page edits move mods up as releases do, and a page full of
	 * edited mods must not hide a release behind it. Without anchors (the first poll after start or seed) that last
	 * rule alone applies; reconciliation covers the rest.
	 *
	 * Per changed mod, one `getFullMod(name, { fresh: true })` and one event per release after the known one, oldest
	 * first. A listed release older than the known one (the known one was deleted) is recorded without a request or
	 * an event. An unknown mod's releases from more than an hour before the seed are recorded, not announced; its
	 * first release gets `isNewMod` when none is older. A mod that vanished (404) between list and fetch is skipped.
	 *
	 * Nothing is recorded here: {@link commit} does it once the events are queued.
	 *
	 * @throws {PortalError} when a list page or a `/full` fetch fails (other than 404); the known state is unchanged
	 *   and the next poll finds everything again.
	 */
	async poll(): Promise<PollResult> {
		if (!this.seeded) {
			const list = await this.#portal.listMods({ pageSize: 'max', hideDeprecated: false });
			await this.seed(list.mods);
			this.#log.info({ mods: list.mods.length }, 'release state seeded from the portal; nothing is announced for it');
			return { events: [], requests: 1, seeded: true, pages: 1 };
		}
		this.#pending = new Map();
		const anchors = this.#anchors;
		// One anchor alone proves nothing (it may just have been edited again); two seen mean the pages reached mods
		// that were already near the top last time.
		let anchorsSeen = 0;
		const seen = new Set<string>();
		const read: string[] = [];
		const groups: ReleaseEvent[][] = [];
		let requests = 0;
		let pages = 0;
		let firstPage: ReadonlyMap<string, number> | undefined;
		for (let page = 1; ; page++) {
			if (page > this.#maxPages) {
				this.#log.warn(
					{ pages: this.#maxPages },
					'more changed mods than the poll reads; reconciliation finds the rest',
				);
				break;
			}
			const list = await this.#portal.listMods({
				sort: 'updated_at',
				sortOrder: 'desc',
				hideDeprecated: false,
				pageSize: this.#pageSize,
				page,
			});
			requests++;
			pages++;
			firstPage ??= new Map(list.mods.map((mod, index) => [mod.name, index]));
			let changed = false;
			for (const mod of list.mods) {
				// Mods moving up while we page can show up twice.
				if (seen.has(mod.name)) continue;
				seen.add(mod.name);
				read.push(mod.name);
				if (anchors?.has(mod.name)) anchorsSeen++;
				const verdict = this.#verdict(mod);
				if (verdict.kind === 'same') continue;
				changed = true;
				if (verdict.kind === 'silent') {
					this.#pending.set(mod.name, { known: verdict.known, eventKeys: [] });
					continue;
				}
				requests++;
				const events = await this.#fetchEvents(mod.name);
				if (events.length > 0) groups.push(events);
			}
			const lastPage =
				list.mods.length + list.invalid < this.#pageSize ||
				(list.pagination !== undefined && page >= list.pagination.pageCount);
			if (
				lastPage ||
				(anchors !== undefined && anchorsInOrder(read, anchors)) ||
				(!changed && (anchors === undefined || anchorsSeen >= 2))
			)
				break;
		}
		this.#pendingAnchors = firstPage;
		return { events: ordered(groups), requests, seeded: false, pages };
	}

	/**
	 * Catches up with a freshly fetched catalogue (the catalog refresh doubles as reconciliation): for each mod whose
	 * `latestRelease.version` differs from the known one, events for the releases after the known one that were
	 * released within `maxAgeMs`; older ones are recorded silently by the next {@link commit}. A mod whose latest
	 * release is older than `maxAgeMs` (or, for an unknown mod, than an hour before the seed) costs no request.
	 * `/full` fetches run one after another; when the portal fails (other than 404) the remaining mods wait for the
	 * next reconciliation and the events found so far are returned.
	 *
	 * @param mods - the whole catalogue (`Catalog.all()`).
	 * @param options.maxAgeMs - releases older than this (milliseconds before `now`) are not announced.
	 * @param options.now - default now.
	 * @returns events in the order of {@link PollResult.events}. Unseeded: seeds from `mods` and returns none.
	 */
	async reconcile(mods: readonly ModSummary[], options: { maxAgeMs: number; now?: Date }): Promise<ReleaseEvent[]> {
		if (!this.seeded) {
			await this.seed(mods);
			return [];
		}
		const notBefore = (options.now ?? new Date()).getTime() - options.maxAgeMs;
		this.#pending = new Map();
		// A poll whose events were never committed must not lend its first page to this pass's commit.
		this.#pendingAnchors = undefined;
		const groups: ReleaseEvent[][] = [];
		for (const mod of mods) {
			const verdict = this.#verdict(mod, notBefore);
			if (verdict.kind === 'same') continue;
			if (verdict.kind === 'silent') {
				this.#pending.set(mod.name, { known: verdict.known, eventKeys: [] });
				continue;
			}
			try {
				const events = await this.#fetchEvents(mod.name, notBefore);
				if (events.length > 0) groups.push(events);
			} catch (error) {
				this.#log.warn({ err: error, mod: mod.name }, 'reconciliation stopped: the portal failed');
				break;
			}
		}
		return ordered(groups);
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
			if (this.#pendingAnchors) this.#anchors = this.#pendingAnchors;
			this.#pendingAnchors = undefined;
		});
	}

	/** Epoch ms: releases of unknown mods from this time on count as new (see {@link SEED_GRACE_MS}). */
	#newSince(): number {
		return this.#seededAt === undefined ? Number.NEGATIVE_INFINITY : this.#seededAt - SEED_GRACE_MS;
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

	/** Compares a listed mod with the known state. `notBefore` (epoch ms): releases older are not announced. */
	#verdict(mod: ModSummary, notBefore?: number): Verdict {
		if (!mod.latestRelease) return { kind: 'same' };
		const latest = knownOf(mod.latestRelease);
		const known = this.#known(mod.name);
		if (known !== undefined) {
			if (sameRelease(latest, known)) return { kind: 'same' };
			if (!isNewer(latest, known)) return { kind: 'silent', known: latest };
			if (notBefore !== undefined && latest.releasedAt !== undefined && latest.releasedAt < notBefore) {
				return { kind: 'silent', known: latest };
			}
			return { kind: 'fetch' };
		}
		const threshold = Math.max(this.#newSince(), notBefore ?? Number.NEGATIVE_INFINITY);
		if (latest.releasedAt !== undefined && latest.releasedAt < threshold) return { kind: 'silent', known: latest };
		return { kind: 'fetch' };
	}

	/**
	 * Fetches a changed mod's `/full` and turns its releases into events (see {@link poll}); records the mod's latest
	 * release as pending when it is not among the events. A 404 yields no events.
	 */
	async #fetchEvents(name: string, notBefore?: number): Promise<ReleaseEvent[]> {
		let mod: ModDetails;
		try {
			mod = await this.#portal.getFullMod(name, { fresh: true });
		} catch (error) {
			if (error instanceof PortalError && error.kind === 'not_found') {
				this.#log.info({ mod: name }, 'a listed mod is gone from the portal; skipped');
				return [];
			}
			throw error;
		}
		const byVersion = new Map<string, Release>();
		for (const release of mod.releases) byVersion.set(release.version, release);
		const releases = [...byVersion.values()].sort(byAge);
		const known = this.#known(name);
		const newSince = this.#newSince();
		const afterSeed = (release: Release) => (releasedMs(release) ?? Number.POSITIVE_INFINITY) >= newSince;
		const newer = releases.filter((release) => (known ? isNewer(knownOf(release), known) : afterSeed(release)));
		const newMod = known === undefined && releases.length > 0 && releases.every(afterSeed);
		const events = newer
			.filter((release) => notBefore === undefined || (releasedMs(release) ?? Number.POSITIVE_INFINITY) >= notBefore)
			.map((release) => ({
				mod,
				release,
				isNewMod: newMod && release === releases[0],
				key: `${mod.name}@${release.version}`,
			}));
		const latest = releases.at(-1);
		if (latest) {
			const top = known && !isNewer(knownOf(latest), known) ? known : knownOf(latest);
			const lastEvent = events.at(-1);
			if ((!known || !sameRelease(top, known)) && (!lastEvent || !sameRelease(top, knownOf(lastEvent.release)))) {
				this.#pending.set(name, { known: top, eventKeys: events.map((event) => event.key) });
			}
		}
		if (newer.length === 0 && known !== undefined) {
			this.#log.warn(
				{ mod: name, known: known.version },
				'the mod list shows a release the mod’s own answer lacks; retrying next time',
			);
		}
		return events;
	}
}

/**
 * True when the names read so far end with a run of at least two anchors in their old relative order, followed only
 * by non-anchors: the mods not updated since the anchors were taken, so everything updated lies before them.
 */
function anchorsInOrder(read: readonly string[], anchors: ReadonlyMap<string, number>): boolean {
	let index = read.length - 1;
	while (index >= 0 && !anchors.has(read[index] ?? '')) index--;
	let previous = anchors.get(read[index] ?? '');
	if (previous === undefined) return false;
	let run = 1;
	for (index--; index >= 0; index--) {
		const position = anchors.get(read[index] ?? '');
		if (position === undefined || position >= previous) break;
		previous = position;
		run++;
	}
	return run >= 2;
}

function emptyBuckets(): Map<string, Known>[] {
	return Array.from({ length: BUCKETS }, () => new Map<string, Known>());
}

/** Mod groups in the order of their earliest release time (unknown times last); each group keeps its order. */
function ordered(groups: readonly ReleaseEvent[][]): ReleaseEvent[] {
	const first = (group: readonly ReleaseEvent[]) =>
		Math.min(...group.map((event) => releasedMs(event.release) ?? Number.MAX_SAFE_INTEGER));
	return [...groups].sort((a, b) => first(a) - first(b)).flat();
}
