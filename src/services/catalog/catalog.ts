/**
 * The local mod catalog: the whole portal from one `GET /api/mods?page_size=max&hide_deprecated=false` request
 * (portal-api.md), kept in the store (`catalog_mods`, one row per mod) so a restart can search at once, with full-text search
 * ({@link ModSearchIndex}), filters, sorts, link resolution and "did you mean" suggestions.
 *
 * List entries carry no `created_at`/`updated_at`, so "updated" sorts by the latest release's `released_at` and
 * "created" by the order of one extra `sort=created_at` page of 500 (the newest mods), the rest after them by
 * latest release.
 */
import { z } from 'zod';
import { silentLogger, type Logger } from '../../log.js';
import type { CatalogRow, CatalogStore } from '../../storage/catalogStore.js';
import { modNameFromInput } from '../factorio/modReference.js';
import { type ModList, type ModSummary, type Release } from '../portal/schemas.js';
import { compareVersionsDesc, factorioMinor } from '../factorio/version.js';
import { ModSearchIndex } from './searchIndex.js';

/** Order of a search: text relevance, downloads, latest release (newest first) or creation (newest first). */
export type CatalogSort = 'relevance' | 'downloads' | 'updated' | 'created';

/** Filters of a search; empty strings count as absent. */
export interface CatalogFilters {
	/** `major.minor` such as `2.0` (a longer version is cut to it), compared with the latest release's `factorio_version`. */
	factorioVersion?: string;
	/** A category name as the portal gives it (case-insensitive); `no-category` matches mods without one. */
	category?: string;
	/** The owner's portal user name, case-insensitive. */
	owner?: string;
}

/** One search request of {@link Catalog.search}. */
export interface CatalogQuery {
	/** Free text; empty or absent lists the whole (filtered) catalog. */
	query?: string;
	filters?: CatalogFilters;
	/** Default `relevance`, which is `downloads` when there is no query text. */
	sort?: CatalogSort;
	/** Entries to skip; default 0. */
	offset?: number;
	/** Entries to return; default 10. */
	limit?: number;
}

/** One page of search results and the number of all matches. */
export interface CatalogPage {
	total: number;
	mods: ModSummary[];
}

/** What a {@link Catalog.refresh} changed. */
export interface CatalogRefreshResult {
	/** Mods in the catalog now. */
	count: number;
	/** Names new since the previous catalog (every name on the first refresh), in portal order. */
	added: string[];
	/** Names gone since the previous catalog. */
	removed: string[];
	/** List entries the portal schema rejected (left out). */
	invalid: number;
	/** Wall time of the requests and the index rebuild, in milliseconds. */
	durationMs: number;
}

/** Query of `GET /api/mods` as the catalog uses it; a subset of the portal client's parameters. */
export interface CatalogListParams {
	pageSize?: number | 'max';
	sort?: 'name' | 'created_at' | 'updated_at';
	sortOrder?: 'asc' | 'desc';
	hideDeprecated?: boolean;
}

/** Where a refresh gets the mod list from: the portal client, or anything with the same `listMods`. */
export interface ModListSource {
	/** `GET /api/mods` (portal-api.md); throws on failure. */
	listMods(params?: CatalogListParams): Promise<ModList>;
}

/** A refresh answer that would wipe or gut the catalog: nothing valid, or more invalid entries than valid ones. */
export class CatalogRefreshError extends Error {
	override readonly name = 'CatalogRefreshError';
}

/** How many of the newest mods the `sort=created_at` request asks for. */
const CREATED_PAGE_SIZE = 500;
const DEFAULT_LIMIT = 10;
const DEFAULT_AUTOCOMPLETE_LIMIT = 25;
const DEFAULT_SUGGEST_LIMIT = 3;
const DEFAULT_OWNER_LIMIT = 25;
const StoredReleaseSchema = z
	.object({
		version: z.string().min(1),
		releasedAt: z.string().optional(),
		factorioVersion: z.string().optional(),
		dependencies: z.array(z.string()).optional(),
		downloadUrl: z.string().optional(),
		fileName: z.string().optional(),
		sha1: z.string().optional(),
		featureFlags: z.array(z.string()).default([]),
	})
	.transform((r): Release => ({
		version: r.version,
		releasedAt: r.releasedAt,
		factorioVersion: r.factorioVersion,
		dependencies: r.dependencies,
		downloadUrl: r.downloadUrl,
		fileName: r.fileName,
		sha1: r.sha1,
		featureFlags: r.featureFlags,
	}));

// The stored shape is the camelCase ModSummary; the explicit object makes a new ModSummary field a compile error here.
const StoredModSchema = z
	.object({
		name: z.string().min(1),
		title: z.string(),
		owner: z.string(),
		summary: z.string(),
		downloadsCount: z.number(),
		category: z.string().optional(),
		score: z.number(),
		thumbnail: z.string().optional(),
		latestRelease: StoredReleaseSchema.optional(),
		releases: z.array(StoredReleaseSchema).optional(),
	})
	.transform((m): ModSummary => ({
		name: m.name,
		title: m.title,
		owner: m.owner,
		summary: m.summary,
		downloadsCount: m.downloadsCount,
		category: m.category,
		score: m.score,
		thumbnail: m.thumbnail,
		latestRelease: m.latestRelease,
		releases: m.releases,
	}));

const CatalogMetaSchema = z.object({
	fetchedAt: z.number(),
	createdOrder: z.array(z.string()),
});

/** JSON.parse that answers undefined for text that is not JSON (the row then fails validation). */
function parseJson(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return undefined;
	}
}

/** The stored rows of `mods`, serialised one chunk at a time as the store reads them. */
function* rowsOf(mods: readonly ModSummary[]): Generator<CatalogRow> {
	for (const mod of mods) yield { name: mod.name, data: JSON.stringify(mod) };
}

/** One immutable catalog state; a replace builds a new one and swaps it in whole. */
interface Snapshot {
	readonly mods: readonly ModSummary[];
	readonly index: ModSearchIndex;
	readonly fetchedAt: Date | undefined;
	readonly createdOrder: readonly string[];
	readonly byName: ReadonlyMap<string, ModSummary>;
	readonly byLowerName: ReadonlyMap<string, ModSummary>;
	readonly byLowerTitle: ReadonlyMap<string, ModSummary>;
	/** Per position: factorioMinor of the latest release, lowercased category and owner. */
	readonly minors: readonly (string | undefined)[];
	readonly categories: readonly (string | undefined)[];
	readonly owners: readonly string[];
	/** Positions in each sort order, and per position its rank in that order. */
	readonly orders: Record<Exclude<CatalogSort, 'relevance'>, readonly number[]>;
	readonly ranks: Record<Exclude<CatalogSort, 'relevance'>, Int32Array>;
	readonly categoryList: readonly string[];
	readonly versionList: readonly string[];
}

function releasedMs(mod: ModSummary): number {
	const time = mod.latestRelease?.releasedAt ? Date.parse(mod.latestRelease.releasedAt) : Number.NaN;
	return Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
}

function rankOf(order: readonly number[]): Int32Array {
	const rank = new Int32Array(order.length);
	order.forEach((position, i) => {
		rank[position] = i;
	});
	return rank;
}

/** Keeps the most downloaded mod per key. */
function indexBest(mods: readonly ModSummary[], key: (mod: ModSummary) => string): Map<string, ModSummary> {
	const map = new Map<string, ModSummary>();
	for (const mod of mods) {
		const k = key(mod);
		const current = map.get(k);
		if (!current || mod.downloadsCount > current.downloadsCount) map.set(k, mod);
	}
	return map;
}

function clampInt(value: number | undefined, fallback: number): number {
	return value === undefined || !Number.isFinite(value) ? fallback : Math.max(0, Math.floor(value));
}

/** One string per distinct value: entries share their owner, category, version and Factorio version strings. */
class Interner {
	private readonly strings = new Map<string, string>();

	of(text: string): string {
		const known = this.strings.get(text);
		if (known !== undefined) return known;
		this.strings.set(text, text);
		return text;
	}

	ofOptional(text: string | undefined): string | undefined {
		return text === undefined ? undefined : this.of(text);
	}
}

/** The one `featureFlags` of every release kept in memory (see {@link catalogEntry}). */
const NO_FEATURE_FLAGS: string[] = [];
Object.freeze(NO_FEATURE_FLAGS);

/**
 * The in-memory form of a list entry: what the catalog's readers use (search, filters, sorts, search lines,
 * autocomplete, the release feed's seed and reconciliation), with repeated strings shared. Left out: the latest
 * release's download fields (`downloadUrl`, `fileName`, `sha1`, `dependencies`; `featureFlags` is an empty frozen
 * array) and `releases`, which list entries do not carry; the store keeps the entry whole, and whoever needs a
 * release's files reads the mod's `/full` answer (as the modpack kit does).
 */
function catalogEntry(mod: ModSummary, intern: Interner): ModSummary {
	const latest = mod.latestRelease;
	return {
		name: mod.name,
		title: mod.title,
		owner: intern.of(mod.owner),
		summary: mod.summary,
		downloadsCount: mod.downloadsCount,
		category: intern.ofOptional(mod.category),
		score: mod.score,
		thumbnail: mod.thumbnail,
		latestRelease: latest && {
			version: intern.of(latest.version),
			releasedAt: latest.releasedAt,
			factorioVersion: intern.ofOptional(latest.factorioVersion),
			dependencies: undefined,
			downloadUrl: undefined,
			fileName: undefined,
			sha1: undefined,
			featureFlags: NO_FEATURE_FLAGS,
		},
		releases: undefined,
	};
}

/**
 * A snapshot of `input` (duplicate names keep their first entry) and the entries to store: `input` itself,
 * deduplicated, since the snapshot keeps only {@link catalogEntry} forms.
 */
async function buildSnapshot(
	input: readonly ModSummary[],
	createdOrder: readonly string[],
	fetchedAt: Date | undefined,
): Promise<{ snapshot: Snapshot; stored: readonly ModSummary[] }> {
	const seen = new Set<string>();
	const stored = input.filter((mod) => !seen.has(mod.name) && seen.add(mod.name));
	const intern = new Interner();
	const mods = stored.map((mod) => catalogEntry(mod, intern));
	const byName = new Map<string, ModSummary>();
	for (const mod of mods) byName.set(mod.name, mod);
	const index = await ModSearchIndex.build(mods);

	const position = new Map<string, number>();
	mods.forEach((mod, i) => position.set(mod.name, i));
	const released = mods.map(releasedMs);
	const byReleased = (a: number, b: number) => {
		const nameA = mods[a]?.name ?? '';
		const nameB = mods[b]?.name ?? '';
		return (released[b] ?? 0) - (released[a] ?? 0) || (nameA < nameB ? -1 : nameA > nameB ? 1 : 0);
	};
	const updated = mods.map((_, i) => i).sort(byReleased);
	const newest: number[] = [];
	const inNewest = new Set<number>();
	for (const name of createdOrder) {
		const at = position.get(name);
		if (at !== undefined && !inNewest.has(at)) {
			inNewest.add(at);
			newest.push(at);
		}
	}
	const created = [...newest, ...updated.filter((i) => !inNewest.has(i))];
	const downloads = index.byDownloads;

	const minors = mods.map((mod) => intern.ofOptional(factorioMinor(mod.latestRelease?.factorioVersion)));
	const categories = mods.map((mod) => intern.ofOptional(mod.category?.toLowerCase()));
	const snapshot: Snapshot = {
		mods,
		index,
		fetchedAt,
		createdOrder,
		byName,
		byLowerName: indexBest(mods, (mod) => mod.name.toLowerCase()),
		byLowerTitle: indexBest(mods, (mod) => mod.title.toLowerCase()),
		minors,
		categories,
		owners: mods.map((mod) => intern.of(mod.owner.toLowerCase())),
		orders: { downloads, updated, created },
		ranks: { downloads: rankOf(downloads), updated: rankOf(updated), created: rankOf(created) },
		categoryList: [...new Set(mods.flatMap((mod) => (mod.category ? [mod.category] : [])))].sort(),
		versionList: [...new Set(minors.filter((v) => v !== undefined))].sort(compareVersionsDesc),
	};
	return { snapshot, stored };
}

/**
 * The catalog of every mod on the portal, searchable locally. All reads are synchronous and use the current
 * snapshot; {@link Catalog.replace} and {@link Catalog.refresh} build a new snapshot in the background (yielding
 * to the event loop) and swap it in, so commands keep working during a refresh.
 */
export class Catalog {
	private readonly store: CatalogStore | undefined;
	private readonly log: Logger;
	private snapshot: Snapshot;
	/** Replaces run one after another, so a slow older one can never overwrite a newer one. */
	private replacing: Promise<void> = Promise.resolve();

	/**
	 * @param options.store where the catalog is persisted (`catalog_mods`, one JSON row per mod, and `catalog.meta`);
	 * without one it lives in memory only.
	 * @param options.log default: silent.
	 */
	constructor(options: { store?: CatalogStore; log?: Logger } = {}) {
		this.store = options.store;
		this.log = options.log ?? silentLogger();
		this.snapshot = {
			mods: [],
			index: ModSearchIndex.buildSync([]),
			fetchedAt: undefined,
			createdOrder: [],
			byName: new Map(),
			byLowerName: new Map(),
			byLowerTitle: new Map(),
			minors: [],
			categories: [],
			owners: [],
			orders: { downloads: [], updated: [], created: [] },
			ranks: { downloads: new Int32Array(0), updated: new Int32Array(0), created: new Int32Array(0) },
			categoryList: [],
			versionList: [],
		};
	}

	/** Number of mods in the catalog. */
	get size(): number {
		return this.snapshot.mods.length;
	}

	/** When the portal list in the catalog was fetched; undefined before the first load or refresh. */
	get fetchedAt(): Date | undefined {
		return this.snapshot.fetchedAt;
	}

	/** Every mod, in the order the portal listed them, in the in-memory form of `catalogEntry` (no download fields). */
	all(): readonly ModSummary[] {
		return this.snapshot.mods;
	}

	/**
	 * Loads the catalog stored by an earlier run and builds its index: the rows of `catalog_mods` in the portal's
	 * order, read a chunk at a time, each validated on its own.
	 *
	 * @returns false when nothing is stored (or there is no store), or when the stored data cannot be read (logged as
	 * a warning; never throws). Stored rows that fail validation are left out and counted in the log.
	 */
	async load(): Promise<boolean> {
		if (!this.store) return false;
		let meta: z.output<typeof CatalogMetaSchema>;
		const mods: ModSummary[] = [];
		let invalid = 0;
		try {
			const raw = await this.store.readMeta();
			if (raw === undefined) return false;
			const parsedMeta = CatalogMetaSchema.safeParse(raw);
			if (!parsedMeta.success) {
				this.log.warn({ err: parsedMeta.error }, 'the stored catalog is unreadable; ignoring it');
				return false;
			}
			meta = parsedMeta.data;
			for await (const chunk of this.store.rows()) {
				for (const row of chunk) {
					const parsed = StoredModSchema.safeParse(parseJson(row.data));
					if (parsed.success && parsed.data.name === row.name) mods.push(parsed.data);
					else invalid++;
				}
			}
		} catch (error) {
			this.log.warn({ err: error }, 'could not read the stored catalog');
			return false;
		}
		if (invalid > 0) this.log.warn({ invalid }, 'stored catalog entries failed validation; left out');
		if (mods.length === 0 && invalid > 0) return false;
		await this.replace(mods, {
			createdOrder: meta.createdOrder,
			fetchedAt: new Date(meta.fetchedAt),
			persist: false,
		});
		return true;
	}

	/**
	 * Makes `mods` the catalog: rebuilds the index, swaps it in, and stores it (unless `persist` is false).
	 * Duplicate names keep their first entry.
	 *
	 * @param options.createdOrder names of the newest mods, newest first (see {@link CatalogSort} `created`);
	 * default: keep the previous order.
	 * @param options.fetchedAt default: now.
	 * A failed store write is logged as an error and does not throw: the catalog in memory is already updated and
	 * the next refresh stores it again.
	 */
	async replace(
		mods: readonly ModSummary[],
		options: { createdOrder?: readonly string[]; fetchedAt?: Date; persist?: boolean } = {},
	): Promise<void> {
		const run = async () => {
			const createdOrder = options.createdOrder ?? this.snapshot.createdOrder;
			const { snapshot, stored } = await buildSnapshot(mods, createdOrder, options.fetchedAt ?? new Date());
			this.snapshot = snapshot;
			if (options.persist !== false) await this.persist(snapshot, stored);
		};
		const next = this.replacing.then(run, run);
		this.replacing = next.catch(() => undefined);
		await next;
	}

	private async persist(snapshot: Snapshot, mods: readonly ModSummary[]): Promise<void> {
		if (!this.store) return;
		try {
			const started = performance.now();
			const result = await this.store.replace(rowsOf(mods), {
				fetchedAt: (snapshot.fetchedAt ?? new Date()).getTime(),
				createdOrder: snapshot.createdOrder,
			});
			this.log.debug({ ...result, ms: Math.round(performance.now() - started) }, 'catalog stored');
		} catch (error) {
			this.log.error({ err: error }, 'could not store the catalog; it stays in memory only');
		}
	}

	/**
	 * Fetches the whole catalog (`pageSize: 'max'`, deprecated mods included) and the 500 newest mods
	 * (`sort: 'created_at'`), then replaces the catalog. When the second request fails, the previous creation order
	 * is kept (logged as a warning).
	 *
	 * @throws the source's error when the list request fails; the old catalog stays.
	 * @throws {CatalogRefreshError} when the answer has no valid entry while the catalog has some, or more invalid
	 * entries than valid ones (a changed portal format); the old catalog stays.
	 */
	async refresh(portal: ModListSource): Promise<CatalogRefreshResult> {
		const started = performance.now();
		const list = await portal.listMods({ pageSize: 'max', hideDeprecated: false });
		if (list.invalid > list.mods.length || (list.mods.length === 0 && this.size > 0)) {
			throw new CatalogRefreshError(
				`The portal listed ${list.mods.length} valid and ${list.invalid} invalid mods; keeping the ${this.size} known.`,
			);
		}
		let createdOrder: string[] | undefined;
		try {
			const newest = await portal.listMods({
				sort: 'created_at',
				sortOrder: 'desc',
				pageSize: CREATED_PAGE_SIZE,
				hideDeprecated: false,
			});
			createdOrder = newest.mods.map((mod) => mod.name);
		} catch (error) {
			this.log.warn({ err: error }, 'could not fetch the newest mods; keeping the previous creation order');
		}
		const before = this.snapshot.byName;
		await this.replace(list.mods, { createdOrder, fetchedAt: new Date() });
		const now = this.snapshot.byName;
		return {
			count: this.size,
			added: [...now.keys()].filter((name) => !before.has(name)),
			removed: [...before.keys()].filter((name) => !now.has(name)),
			invalid: list.invalid,
			durationMs: Math.round(performance.now() - started),
		};
	}

	/**
	 * The mod with exactly this internal name (case-sensitive, as the portal's names are), in the in-memory form of
	 * `catalogEntry`: its latest release without `downloadUrl`, `fileName`, `sha1`, `dependencies` and feature flags.
	 */
	get(name: string): ModSummary | undefined {
		return this.snapshot.byName.get(name);
	}

	/**
	 * The mod a user meant, trying in turn: the exact internal name; the name inside a pasted portal link
	 * (`https://mods.factorio.com/mod/Squeak%20Through?from=search`, `.../mod/X/changelog`, `mods.factorio.com/mod/X`,
	 * `/mod/X`, URL-decoded, see `modNameFromInput`); the name ignoring case; the title ignoring case. Input is
	 * trimmed. When several mods share a name or title ignoring case, the most downloaded wins.
	 *
	 * @returns undefined when nothing matches exactly (see {@link Catalog.suggest} for close names).
	 */
	resolve(input: string): ModSummary | undefined {
		const { byName, byLowerName, byLowerTitle } = this.snapshot;
		const text = input.trim();
		if (text === '') return undefined;
		const name = modNameFromInput(text);
		return (
			byName.get(text) ??
			byName.get(name) ??
			byLowerName.get(name.toLowerCase()) ??
			byLowerName.get(text.toLowerCase()) ??
			byLowerTitle.get(text.toLowerCase()) ??
			byLowerTitle.get(name.toLowerCase())
		);
	}

	/**
	 * Searches the catalog: full text over name, title, owner and summary (prefix, typo tolerant, camelCase and
	 * initialisms; see {@link ModSearchIndex.match}), then filters, sort and paging.
	 *
	 * @returns the page at `offset` (default 0) of at most `limit` (default 10) mods, and the total of all matches.
	 */
	search(query: CatalogQuery): CatalogPage {
		const snapshot = this.snapshot;
		const offset = clampInt(query.offset, 0);
		const limit = clampInt(query.limit, DEFAULT_LIMIT);
		const text = query.query?.trim() ?? '';
		const sort = query.sort ?? 'relevance';
		const keep = this.filterOf(snapshot, query.filters);

		let positions: readonly number[];
		if (text === '') {
			positions = snapshot.orders[sort === 'relevance' ? 'downloads' : sort];
			if (keep) positions = positions.filter(keep);
		} else {
			let matched = snapshot.index.match(text, 'search');
			if (keep) matched = matched.filter(keep);
			if (sort !== 'relevance') {
				const rank = snapshot.ranks[sort];
				matched.sort((a, b) => (rank[a] ?? 0) - (rank[b] ?? 0));
			}
			positions = matched;
		}
		return {
			total: positions.length,
			mods: positions.slice(offset, offset + limit).flatMap((p) => snapshot.mods[p] ?? []),
		};
	}

	private filterOf(
		snapshot: Snapshot,
		filters: CatalogFilters | undefined,
	): ((position: number) => boolean) | undefined {
		const version = factorioMinor(filters?.factorioVersion?.trim() || undefined);
		const rawCategory = filters?.category?.trim().toLowerCase() || undefined;
		const owner = filters?.owner?.trim().toLowerCase() || undefined;
		if (!version && !rawCategory && !owner) return undefined;
		const category = rawCategory === 'no-category' ? undefined : rawCategory;
		return (position) =>
			(!version || snapshot.minors[position] === version) &&
			(!rawCategory || snapshot.categories[position] === category) &&
			(!owner || snapshot.owners[position] === owner);
	}

	/**
	 * Mods for a Discord autocomplete while typing: at most `limit` (default 25), best first. An empty query lists
	 * the most downloaded. About 0.2 ms typically and 2 ms at p99 for 20,000 mods (bench/catalog.ts).
	 */
	autocomplete(query: string, limit = DEFAULT_AUTOCOMPLETE_LIMIT): ModSummary[] {
		const { index, mods } = this.snapshot;
		const text = query.trim();
		const positions = text === '' ? index.byDownloads.slice(0, limit) : index.match(text, 'autocomplete', limit);
		return positions.flatMap((p) => mods[p] ?? []);
	}

	/**
	 * The closest mods to a name that was not found ("did you mean"), at most `limit` (default 3): names and titles
	 * within a few typos (up to 3, by length), including names typed without their spaces or dashes. A pasted link
	 * is reduced to its mod name first.
	 */
	suggest(input: string, limit = DEFAULT_SUGGEST_LIMIT): ModSummary[] {
		const { index, mods } = this.snapshot;
		const text = modNameFromInput(input);
		return index.closest(text, limit).flatMap((p) => mods[p] ?? []);
	}

	/**
	 * Owner names for autocomplete, at most `limit` (default 25): an owner equal to the query (ignoring case)
	 * first, then owners starting with it, containing it, or within one typo of it, each group by total downloads.
	 */
	owners(query: string, limit = DEFAULT_OWNER_LIMIT): string[] {
		return this.snapshot.index.owners(query, limit);
	}

	/** Categories present in the catalog, as the portal names them, sorted alphabetically. */
	categories(): string[] {
		return [...this.snapshot.categoryList];
	}

	/** `major.minor` Factorio versions of the latest releases present in the catalog, newest first. */
	factorioVersions(): string[] {
		return [...this.snapshot.versionList];
	}
}
