/**
 * Detects new releases on the mod portal: the release feed's first step, without scheduling, storing or posting.
 *
 * Source: `../shared/portal-api.md`. `/api/mods` can sort by `updated_at` but its entries carry no `updated_at`,
 * and `updated_at` also moves when only a mod's page is edited; so a release is detected by comparing each listed
 * mod's `latest_release.version` with the known one (`known_releases`), and the `/full` answer (once per changed
 * mod) gives every release since. `latest_release` is the most recently uploaded release, not the highest version
 * (a fix for an older Factorio version's branch can come after a higher version), so "newer" means uploaded later
 * when both times are known, and a higher version otherwise; a listed release older than the known one means the
 * known one was deleted.
 *
 * Stateless: {@link ReleaseTracker.poll} and {@link ReleaseTracker.reconcile} read the known state from the tables
 * and return a {@link Detection}; {@link ReleaseTracker.commit} writes it back inside the caller's transaction (the
 * one that also stores the announcements and outbox rows). A crash before that commit re-detects the releases.
 * State: `known_releases` (each mod's known latest release), `state` keys `feed.seeded_at` and `feed.anchors`.
 *
 * Per-mod isolation (issue 6): a mod whose `/full` cannot be read (an answer failing the schema, a server error for
 * that mod) is reported in {@link Detection.failed} and left out; every other mod goes on.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { silentLogger, type Logger } from '../../log.js';
import type { Database } from '../../storage/schema.js';
import { readState, STATE_KEYS, writeState } from '../../storage/state.js';
import { compareVersions } from '../factorio/version.js';
import { PortalError, type PortalClient } from '../portal/client.js';
import type { ModDetails, ModSummary, Release } from '../portal/schemas.js';

/** One release to announce. */
export interface ReleaseEvent {
	/** The mod as `/api/mods/{name}/full` answered right after the release was detected. */
	mod: ModDetails;
	release: Release;
	/** True on the event of a mod's first release when the mod appeared after the tracker was seeded. */
	isNewMod: boolean;
	/** `${mod.name}@${release.version}`. */
	releaseKey: string;
}

/** A mod's known latest release: its version and, when the portal gave one, its upload time (epoch ms). */
export interface Known {
	version: string;
	releasedAt?: number;
}

/** What a pass found for one mod: its releases to announce (oldest first) and the known release to record. */
export interface ModFinding {
	name: string;
	events: ReleaseEvent[];
	/** Recorded by the commit; undefined when the known release stays. */
	known?: Known;
}

/** A mod left out of a pass because it could not be read; detected again later. */
export interface ModFailure {
	name: string;
	/** Short and secret-free, e.g. `the mod portal: invalid response`. */
	reason: string;
}

/** What one {@link ReleaseTracker.poll} or {@link ReleaseTracker.reconcile} found. Nothing is stored yet. */
export interface Detection {
	/** Per changed mod, in the order of their first new release's time (unknown times last); silent changes last. */
	found: ModFinding[];
	failed: ModFailure[];
	/** Mods whose `/full` was read this pass (a mod that failed before and now worked is cleared). */
	fetched: string[];
	/** The poll's first page, in order: the next poll's anchors once committed. Undefined for reconciliation. */
	anchors?: string[];
	/** Portal calls made (list pages plus `/full` fetches); the client's own retries are not counted. */
	requests: number;
	/** List pages read. */
	pages: number;
	/** True when this poll seeded the known state (and so announces nothing). */
	seeded: boolean;
}

/** The events of a detection in announcement order. */
export function eventsOf(detection: Pick<Detection, 'found'>): ReleaseEvent[] {
	return detection.found.flatMap((finding) => finding.events);
}

/** The portal calls the tracker makes. */
export type ReleaseSource = Pick<PortalClient, 'listMods' | 'getFullMod'>;

/** How a listed mod compares with the known state. */
type Verdict = { kind: 'same' } | { kind: 'silent'; known: Known } | { kind: 'fetch' };

/**
 * How long before the seed an unknown mod's release may be and still count as new: covers clock skew with the
 * portal and a catalogue fetched a little before seeding, while a long-known mod that was missing from the seed (a
 * hidden one) is still not announced with its whole history.
 */
const SEED_GRACE_MS = 3_600_000;
/** Rows per insert statement of known releases (3 parameters a row). */
const WRITE_CHUNK = 300;
/** Names per `IN` list when reading known releases. */
const READ_CHUNK = 500;

const AnchorsSchema = z.array(z.string());

/** The short reason shown for a mod that could not be read. */
function failureReason(error: unknown): string {
	return error instanceof PortalError ? `the mod portal: ${error.kind.replace('_', ' ')}` : 'an unexpected answer';
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

/** Reads of the tracker's state that one pass shares. */
interface PassState {
	known: Map<string, Known>;
	newSince: number;
}

/** Release detection over the `known_releases` table. See the module comment for the protocol. */
export class ReleaseTracker {
	readonly #db: Kysely<Database>;
	readonly #portal: ReleaseSource;
	readonly #log: Logger;
	readonly #pageSize: number;
	readonly #maxPages: number;

	/**
	 * @param options.db the migrated database.
	 * @param options.portal the portal client (only `listMods` and `getFullMod` are used).
	 * @param options.log default: silent.
	 * @param options.pageSize mods per list page while polling; default 25 (the portal's default).
	 * @param options.maxPages pages a poll reads at most; default 40. More changes than that wait for
	 *   {@link ReleaseTracker.reconcile}.
	 */
	constructor(options: {
		db: Kysely<Database>;
		portal: ReleaseSource;
		log?: Logger;
		pageSize?: number;
		maxPages?: number;
	}) {
		this.#db = options.db;
		this.#portal = options.portal;
		this.#log = options.log ?? silentLogger();
		this.#pageSize = options.pageSize ?? 25;
		this.#maxPages = options.maxPages ?? 40;
	}

	/** When the known state was seeded (epoch ms); undefined before. @throws the driver's error. */
	async seededAt(): Promise<number | undefined> {
		const value = await readState(this.#db, STATE_KEYS.feedSeededAt);
		return typeof value === 'number' ? value : undefined;
	}

	/** The version of a mod's known latest release; undefined for a mod not seen yet. @throws the driver's error. */
	async known(name: string): Promise<string | undefined> {
		return (await this.#knownOf([name])).get(name)?.version;
	}

	/**
	 * Makes `mods` the known state: each mod's `latestRelease` (mods without a release are left out), replacing any
	 * earlier state, in one transaction. Announces nothing.
	 *
	 * @param mods - the whole catalogue, e.g. `listMods({ pageSize: 'max', hideDeprecated: false })`.
	 * @param options.at - when `mods` was fetched, default now. A mod unknown at a later poll is announced only with
	 *   releases at most an hour older than this, so a mod missing from `mods` does not get its whole history
	 *   announced.
	 * @throws the driver's error; the previous state stays then.
	 */
	async seed(mods: readonly ModSummary[], options: { at?: Date } = {}): Promise<void> {
		const rows = mods.flatMap((mod) =>
			mod.latestRelease
				? [
						{
							mod_name: mod.name,
							version: mod.latestRelease.version,
							released_at: releasedMs(mod.latestRelease) ?? null,
						},
					]
				: [],
		);
		const unique = [...new Map(rows.map((row) => [row.mod_name, row])).values()];
		await this.#db.transaction().execute(async (trx) => {
			await trx.deleteFrom('known_releases').execute();
			for (let start = 0; start < unique.length; start += WRITE_CHUNK) {
				await trx
					.insertInto('known_releases')
					.values(unique.slice(start, start + WRITE_CHUNK))
					.execute();
			}
			await trx.deleteFrom('state').where('key', '=', STATE_KEYS.feedAnchors).execute();
			await writeState(trx, STATE_KEYS.feedSeededAt, (options.at ?? new Date()).getTime());
		});
	}

	/**
	 * One poll.
	 *
	 * Not seeded yet: one `listMods({ pageSize: 'max', hideDeprecated: false })` request seeds the state; no events.
	 *
	 * Seeded: reads `listMods({ sort: 'updated_at', sortOrder: 'desc', hideDeprecated: false, pageSize, page })` page
	 * by page. It stops after the page where unchanged mods of the last committed poll's first page ("anchors") show
	 * up again in their old order: mods not updated since keep their order and come after every updated one, so
	 * nothing changed lies further down (one request when nothing changed, one page plus one `/full` per release in
	 * the usual case). An anchor that changed itself (a new release) proves nothing and does not count. Otherwise it
	 * stops after the first page on which no mod's `latestRelease.version` differs from the known one (and no mod is
	 * unknown), once two unchanged anchors were seen: page edits move mods up as releases do, and a page full of
	 * edited mods must not hide a release behind it. Without anchors (the first poll after the seed) that last rule
	 * alone applies; reconciliation covers the rest.
	 *
	 * Per changed mod, one `getFullMod(name, { fresh: true })` and one event per release after the known one, oldest
	 * first. A listed release older than the known one (the known one was deleted) is recorded without a request or
	 * an event. An unknown mod's releases from more than an hour before the seed are recorded, not announced; its
	 * first release gets `isNewMod` when none is older. A mod that vanished (404) between list and fetch is skipped.
	 *
	 * @param options.skip - mods not to fetch now (they are backing off after failures); they count as changed.
	 * @param options.retry - mods to fetch after the pages whether listed or not (failed before, due again).
	 * @throws {PortalError} when a list page fails, or a `/full` fetch is rate limited; nothing is stored, and the
	 *   next poll finds everything again. Other `/full` failures are per mod ({@link Detection.failed}).
	 */
	async poll(options: { skip?: (name: string) => boolean; retry?: readonly string[] } = {}): Promise<Detection> {
		const seededAt = await this.seededAt();
		if (seededAt === undefined) {
			const list = await this.#portal.listMods({ pageSize: 'max', hideDeprecated: false });
			await this.seed(list.mods);
			this.#log.info({ mods: list.mods.length }, 'release state seeded from the portal; nothing is announced for it');
			return { found: [], failed: [], fetched: [], requests: 1, seeded: true, pages: 1 };
		}
		const storedAnchors = AnchorsSchema.safeParse(await readState(this.#db, STATE_KEYS.feedAnchors));
		const anchors = storedAnchors.success ? new Map(storedAnchors.data.map((name, index) => [name, index])) : undefined;
		const detection: Detection = { found: [], failed: [], fetched: [], requests: 0, pages: 0, seeded: false };
		const groups: ModFinding[] = [];
		const silent: ModFinding[] = [];
		// One anchor alone proves nothing (it may just have been edited again); two seen mean the pages reached mods
		// that were already near the top last time.
		let anchorsSeen = 0;
		const seen = new Set<string>();
		// Names read in order, without anchors that changed themselves.
		const read: string[] = [];
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
			detection.requests++;
			detection.pages++;
			detection.anchors ??= list.mods.map((mod) => mod.name);
			const pass: PassState = {
				known: await this.#knownOf(list.mods.map((mod) => mod.name)),
				newSince: seededAt - SEED_GRACE_MS,
			};
			let changed = false;
			for (const mod of list.mods) {
				// Mods moving up while we page can show up twice.
				if (seen.has(mod.name)) continue;
				seen.add(mod.name);
				const verdict = verdictOf(mod, pass);
				const isAnchor = anchors?.has(mod.name) === true;
				if (verdict.kind === 'same') {
					read.push(mod.name);
					if (isAnchor) anchorsSeen++;
					continue;
				}
				if (!isAnchor) read.push(mod.name);
				changed = true;
				if (verdict.kind === 'silent') {
					silent.push({ name: mod.name, events: [], known: verdict.known });
					continue;
				}
				if (options.skip?.(mod.name) === true) continue;
				detection.requests++;
				const finding = await this.#fetch(mod.name, pass, undefined, detection, true);
				if (finding) groups.push(finding);
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
		const retry = (options.retry ?? []).filter((name) => !seen.has(name));
		if (retry.length > 0) {
			const pass: PassState = { known: await this.#knownOf(retry), newSince: seededAt - SEED_GRACE_MS };
			for (const name of retry) {
				detection.requests++;
				const finding = await this.#fetch(name, pass, undefined, detection, true);
				if (finding) groups.push(finding);
			}
		}
		detection.found = [...ordered(groups), ...silent];
		return detection;
	}

	/**
	 * Catches up with a freshly fetched catalogue (the catalog refresh doubles as reconciliation): for each mod whose
	 * `latestRelease.version` differs from the known one, events for the releases after the known one that were
	 * released within `maxAgeMs`; older ones are recorded silently. A mod whose latest release is older than
	 * `maxAgeMs` (or, for an unknown mod, than an hour before the seed) costs no request. `/full` fetches run one
	 * after another; a mod that cannot be read is reported in `failed`; when the portal is unavailable or rate
	 * limited the remaining mods wait for the next reconciliation and what was found so far is returned.
	 *
	 * @param mods - the whole catalogue (`Catalog.all()`).
	 * @param options.maxAgeMs - releases older than this (milliseconds before `now`) are not announced.
	 * @param options.now - default now.
	 * @param options.skip - mods not to fetch now (backing off after failures).
	 * @returns unseeded: seeds from `mods` and finds nothing.
	 */
	async reconcile(
		mods: readonly ModSummary[],
		options: { maxAgeMs: number; now?: Date; skip?: (name: string) => boolean },
	): Promise<Detection> {
		const detection: Detection = { found: [], failed: [], fetched: [], requests: 0, pages: 0, seeded: false };
		const seededAt = await this.seededAt();
		if (seededAt === undefined) {
			await this.seed(mods);
			return { ...detection, seeded: true };
		}
		const notBefore = (options.now ?? new Date()).getTime() - options.maxAgeMs;
		const pass: PassState = { known: await this.#allKnown(), newSince: seededAt - SEED_GRACE_MS };
		const groups: ModFinding[] = [];
		const silent: ModFinding[] = [];
		for (const mod of mods) {
			const verdict = verdictOf(mod, pass, notBefore);
			if (verdict.kind === 'same') continue;
			if (verdict.kind === 'silent') {
				silent.push({ name: mod.name, events: [], known: verdict.known });
				continue;
			}
			if (options.skip?.(mod.name) === true) continue;
			try {
				detection.requests++;
				const finding = await this.#fetch(mod.name, pass, notBefore, detection, false);
				if (finding) groups.push(finding);
			} catch (error) {
				this.#log.warn({ err: error, mod: mod.name }, 'reconciliation stopped: the portal failed');
				break;
			}
		}
		detection.found = [...ordered(groups), ...silent];
		return detection;
	}

	/**
	 * Records a detection: each finding's known release (upserted into `known_releases`) and, for a poll, its first
	 * page as the next poll's anchors. Run it in the transaction that stores the announcements, so both commit or
	 * neither does.
	 *
	 * @param db the transaction (or the database, for a detection announcing nothing).
	 * @param detection - with the findings to record; leave out the mods that must be detected again.
	 * @throws the driver's error.
	 */
	async commit(db: Kysely<Database>, detection: Pick<Detection, 'found' | 'anchors'>): Promise<void> {
		const rows = detection.found.flatMap((finding) =>
			finding.known
				? [{ mod_name: finding.name, version: finding.known.version, released_at: finding.known.releasedAt ?? null }]
				: [],
		);
		for (let start = 0; start < rows.length; start += WRITE_CHUNK) {
			await db
				.insertInto('known_releases')
				.values(rows.slice(start, start + WRITE_CHUNK))
				.onConflict((oc) =>
					oc.column('mod_name').doUpdateSet((eb) => ({
						version: eb.ref('excluded.version'),
						released_at: eb.ref('excluded.released_at'),
					})),
				)
				.execute();
		}
		if (detection.anchors) await writeState(db, STATE_KEYS.feedAnchors, detection.anchors);
	}

	async #knownOf(names: readonly string[]): Promise<Map<string, Known>> {
		const known = new Map<string, Known>();
		const unique = [...new Set(names)];
		for (let start = 0; start < unique.length; start += READ_CHUNK) {
			const rows = await this.#db
				.selectFrom('known_releases')
				.selectAll()
				.where('mod_name', 'in', unique.slice(start, start + READ_CHUNK))
				.execute();
			for (const row of rows) known.set(row.mod_name, knownRow(row));
		}
		return known;
	}

	async #allKnown(): Promise<Map<string, Known>> {
		const rows = await this.#db.selectFrom('known_releases').selectAll().execute();
		return new Map(rows.map((row) => [row.mod_name, knownRow(row)]));
	}

	/**
	 * Fetches a changed mod's `/full` and turns its releases into a finding (see {@link poll}). A 404 yields none. A
	 * mod that cannot be read goes to `failed`; with `perMod` false (reconciliation) only an invalid answer does, and
	 * a portal that is unavailable throws.
	 *
	 * @throws {PortalError} rate limited (always) or unavailable (when not `perMod`).
	 */
	async #fetch(
		name: string,
		pass: PassState,
		notBefore: number | undefined,
		detection: Pick<Detection, 'failed' | 'fetched'>,
		perMod: boolean,
	): Promise<ModFinding | undefined> {
		let mod: ModDetails;
		try {
			mod = await this.#portal.getFullMod(name, { fresh: true });
		} catch (error) {
			if (error instanceof PortalError && error.kind === 'not_found') {
				this.#log.info({ mod: name }, 'a listed mod is gone from the portal; skipped');
				return undefined;
			}
			const portalWide =
				error instanceof PortalError && (error.kind === 'rate_limited' || (!perMod && error.kind === 'unavailable'));
			if (portalWide) throw error;
			this.#log.warn({ err: error, mod: name }, 'a mod could not be read; skipped and retried later');
			detection.failed.push({ name, reason: failureReason(error) });
			return undefined;
		}
		detection.fetched.push(name);
		return findingOf(mod, pass, notBefore, this.#log);
	}
}

function knownRow(row: { version: string; released_at: number | null }): Known {
	return row.released_at === null ? { version: row.version } : { version: row.version, releasedAt: row.released_at };
}

/** Compares a listed mod with the known state. `notBefore` (epoch ms): releases older are not announced. */
function verdictOf(mod: ModSummary, pass: PassState, notBefore?: number): Verdict {
	if (!mod.latestRelease) return { kind: 'same' };
	const latest = knownOf(mod.latestRelease);
	const known = pass.known.get(mod.name);
	if (known !== undefined) {
		if (sameRelease(latest, known)) return { kind: 'same' };
		if (!isNewer(latest, known)) return { kind: 'silent', known: latest };
		if (notBefore !== undefined && latest.releasedAt !== undefined && latest.releasedAt < notBefore) {
			return { kind: 'silent', known: latest };
		}
		return { kind: 'fetch' };
	}
	const threshold = Math.max(pass.newSince, notBefore ?? Number.NEGATIVE_INFINITY);
	if (latest.releasedAt !== undefined && latest.releasedAt < threshold) return { kind: 'silent', known: latest };
	return { kind: 'fetch' };
}

/** A mod's `/full` answer as a finding: its releases after the known one, and its latest release to record. */
function findingOf(
	mod: ModDetails,
	pass: PassState,
	notBefore: number | undefined,
	log: Logger,
): ModFinding | undefined {
	const byVersion = new Map<string, Release>();
	for (const release of mod.releases) byVersion.set(release.version, release);
	const releases = [...byVersion.values()].sort(byAge);
	const known = pass.known.get(mod.name);
	const afterSeed = (release: Release) => (releasedMs(release) ?? Number.POSITIVE_INFINITY) >= pass.newSince;
	const newer = releases.filter((release) => (known ? isNewer(knownOf(release), known) : afterSeed(release)));
	const newMod = known === undefined && releases.length > 0 && releases.every(afterSeed);
	const events = newer
		.filter((release) => notBefore === undefined || (releasedMs(release) ?? Number.POSITIVE_INFINITY) >= notBefore)
		.map((release) => ({
			mod,
			release,
			isNewMod: newMod && release === releases[0],
			releaseKey: `${mod.name}@${release.version}`,
		}));
	if (newer.length === 0 && known !== undefined) {
		log.warn(
			{ mod: mod.name, known: known.version },
			'the mod list shows a release the mod’s own answer lacks; retrying next time',
		);
	}
	const latest = releases.at(-1);
	if (!latest) return undefined;
	const top = known && !isNewer(knownOf(latest), known) ? known : knownOf(latest);
	const finding: ModFinding = { name: mod.name, events };
	if (!known || !sameRelease(top, known)) finding.known = top;
	return events.length > 0 || finding.known ? finding : undefined;
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

/** Findings in the order of their earliest release time (unknown times and none last); each keeps its order. */
function ordered(groups: readonly ModFinding[]): ModFinding[] {
	const first = (group: ModFinding) =>
		Math.min(
			Number.MAX_SAFE_INTEGER,
			...group.events.map((event) => releasedMs(event.release) ?? Number.MAX_SAFE_INTEGER),
		);
	return [...groups].sort((a, b) => first(a) - first(b));
}
