/**
 * Zod schemas for the Factorio mod portal API and the camelCase domain types they produce.
 *
 * Source: the Factorio wiki pages "Mod portal API" and "Mod details API", summarised in
 * `../shared/portal-api.md`, and recorded responses from 2018, 2021, 2022 and later. The API is internal in
 * Wube's terms: fields come and go and may change type, so only a mod's `name` and a release's `version` are
 * essential. Every other field that is absent, `null` or of another type falls back to "absent" on its own (zod
 * `.catch`, per field), and neutral defaults follow; an array keeps its readable items and drops the others (a
 * malformed release is dropped, not the mod). One drifted field never costs a whole mod. Snake_case stays inside
 * this file.
 */
import { z } from 'zod';

/** The relative thumbnail path the portal uses for "no thumbnail". */
const EMPTY_THUMBNAIL = '/assets/.thumb.png';

/** A string field: absent when missing, `null`, blank or not a string. */
const optionalString = z
	.string()
	.nullish()
	.transform((value) => (value === null || value === undefined || value.trim() === '' ? undefined : value))
	.catch(undefined);

/** A finite number field: absent when missing, `null` or not a number. */
const optionalNumber = z.number().nullish().catch(undefined);

/** A boolean field: absent when missing, `null` or not a boolean (`"yes"`). */
const optionalBoolean = z.boolean().nullish().catch(undefined);

/** An array whose items `item` reads, the others dropped; fails only when the value is no array. */
function readableItems<T extends z.ZodType>(item: T) {
	return z.array(z.unknown()).transform((items) =>
		items.flatMap((value): z.output<T>[] => {
			const parsed = item.safeParse(value);
			return parsed.success ? [parsed.data] : [];
		}),
	);
}

/** An array field ({@link readableItems}): absent when the field is missing, `null` or no array. */
function lenientArray<T extends z.ZodType>(item: T) {
	return readableItems(item).nullish().catch(undefined);
}

const InfoJsonSchema = z
	.object({
		factorio_version: optionalString,
		dependencies: lenientArray(z.string()),
	})
	.nullish()
	.catch(undefined);

/** A release as the portal sends it (`latest_release`, `releases[]`), mapped to {@link Release}. */
export const ReleaseSchema = z
	.object({
		version: z.string().trim().min(1),
		released_at: optionalString,
		download_url: optionalString,
		file_name: optionalString,
		sha1: optionalString,
		info_json: InfoJsonSchema,
		feature_flags: lenientArray(z.string()),
	})
	.transform((release) => ({
		version: release.version,
		/** RFC 3339 time of the upload, when the portal gave one. */
		releasedAt: release.released_at,
		/** The `factorio_version` of the release's info.json, e.g. `2.0`. */
		factorioVersion: release.info_json?.factorio_version ?? undefined,
		/** Raw info.json dependency strings; only the /full endpoint carries them. */
		dependencies: release.info_json?.dependencies ?? undefined,
		downloadUrl: release.download_url,
		fileName: release.file_name,
		sha1: release.sha1,
		featureFlags: release.feature_flags ?? [],
	}));
/** One release (uploaded version) of a mod. */
export type Release = z.output<typeof ReleaseSchema>;

const listEntryShape = {
	name: z.string().min(1),
	title: optionalString,
	owner: optionalString,
	summary: optionalString,
	downloads_count: optionalNumber,
	category: optionalString,
	score: optionalNumber,
	thumbnail: optionalString,
	latest_release: ReleaseSchema.nullish().catch(undefined),
	releases: lenientArray(ReleaseSchema),
};

type RawListEntry = z.output<z.ZodObject<typeof listEntryShape>>;

function toModSummary(raw: RawListEntry) {
	const releases = raw.releases ?? undefined;
	return {
		/** Internal name: the id used in URLs, info.json and dependencies. Case-sensitive, may contain spaces. */
		name: raw.name,
		/** Display title; falls back to the name. */
		title: raw.title ?? raw.name,
		owner: raw.owner ?? '',
		summary: raw.summary ?? '',
		downloadsCount: raw.downloads_count ?? 0,
		/** Category name as the portal gives it (current or pre-2022 names); undefined when none. */
		category: raw.category === 'no-category' ? undefined : raw.category,
		score: raw.score ?? 0,
		/** Relative thumbnail path (prepend the assets URL); undefined when the mod has none. */
		thumbnail: raw.thumbnail === EMPTY_THUMBNAIL ? undefined : raw.thumbnail,
		/** The newest release: `latest_release` of list entries, else the last of `releases`. */
		latestRelease: raw.latest_release ?? latestOf(releases),
		releases,
	};
}

/** The release with the newest `released_at` (the portal lists releases oldest first, but do not rely on it). */
function latestOf(releases: Release[] | undefined): Release | undefined {
	if (!releases || releases.length === 0) return undefined;
	let latest = releases[releases.length - 1];
	for (const release of releases) {
		if (release.releasedAt && latest?.releasedAt && release.releasedAt > latest.releasedAt) latest = release;
	}
	return latest;
}

/** An entry of `/api/mods` or the short `/api/mods/{name}`, mapped to {@link ModSummary}. */
export const ModListEntrySchema = z.object(listEntryShape).transform(toModSummary);
/** A mod as `/api/mods` lists it, or as the short `/api/mods/{name}` returns it. */
export type ModSummary = z.output<typeof ModListEntrySchema>;

const PaginationSchema = z
	.object({
		count: z.number(),
		page: z.number(),
		page_count: z.number(),
		page_size: z.number(),
	})
	.nullish()
	.transform((p) => (p ? { count: p.count, page: p.page, pageCount: p.page_count, pageSize: p.page_size } : undefined))
	.catch(undefined);

/** A page of `/api/mods`: malformed entries are skipped and counted, not fatal. */
export const ModListSchema = z
	.object({
		pagination: PaginationSchema,
		results: z.array(z.unknown()),
	})
	.transform(({ pagination, results }) => {
		// One malformed entry must not cost the whole catalog: keep the valid ones, count the others.
		const mods: ModSummary[] = [];
		let invalid = 0;
		for (const entry of results) {
			const parsed = ModListEntrySchema.safeParse(entry);
			if (parsed.success) mods.push(parsed.data);
			else invalid++;
		}
		return { pagination, mods, invalid };
	});
/** One page of `/api/mods`; `pagination` is undefined for `page_size=max`. */
export type ModList = z.output<typeof ModListSchema>;

const LicenseSchema = z
	.object({
		id: optionalString,
		name: optionalString,
		title: optionalString,
		description: optionalString,
		url: optionalString,
	})
	.nullish()
	.catch(undefined);

const ImageSchema = z.object({ id: optionalString, thumbnail: optionalString, url: optionalString });

const TagSchema = z
	.union([z.string(), z.object({ name: z.string() })])
	.transform((t) => (typeof t === 'string' ? t : t.name));

/** `/api/mods/{name}/full` (2019-2021 shapes with `tag`, current with `tags`), mapped to {@link ModDetails}. */
export const ModFullSchema = z
	.object({
		...listEntryShape,
		changelog: optionalString,
		created_at: optionalString,
		updated_at: optionalString,
		last_highlighted_at: optionalString,
		description: optionalString,
		source_url: optionalString,
		github_path: optionalString,
		homepage: optionalString,
		tags: lenientArray(TagSchema),
		/** 2019-2021 responses carry a single `tag` object instead of `tags`. */
		tag: TagSchema.nullish().catch(undefined),
		license: LicenseSchema,
		deprecated: optionalBoolean,
		images: lenientArray(ImageSchema),
	})
	.transform((raw) => {
		const summary = toModSummary(raw);
		const tags = raw.tags ?? (raw.tag ? [raw.tag] : []);
		return {
			...summary,
			releases: summary.releases ?? (summary.latestRelease ? [summary.latestRelease] : []),
			changelog: raw.changelog ?? undefined,
			createdAt: raw.created_at,
			updatedAt: raw.updated_at,
			description: raw.description,
			sourceUrl: raw.source_url ?? (raw.github_path ? `https://github.com/${raw.github_path}` : undefined),
			homepage: raw.homepage,
			tags: tags.filter((t) => t !== '' && t !== raw.category),
			license: raw.license
				? { name: raw.license.title ?? raw.license.name ?? raw.license.id, url: raw.license.url }
				: undefined,
			deprecated: raw.deprecated === true,
			images: (raw.images ?? []).flatMap((image) =>
				image.url ? [{ url: image.url, thumbnail: image.thumbnail }] : [],
			),
		};
	});
/** A mod as `/api/mods/{name}/full` returns it (also accepts the short shape, with empty extras). */
export type ModDetails = z.output<typeof ModFullSchema>;

/** `POST /api/search` result entry. Unverified (no public recording exists), so kept loose. */
export const SearchResultSchema = z
	.object({
		results: readableItems(
			z.object({
				name: z.string().min(1),
				title: optionalString,
				owner: optionalString,
				summary: optionalString,
				downloads_count: optionalNumber,
				thumbnail: optionalString,
				factorio_versions: lenientArray(z.string()),
			}),
		),
	})
	.transform(({ results }) =>
		results.map((r) => ({
			name: r.name,
			title: r.title ?? r.name,
			owner: r.owner ?? '',
			summary: r.summary ?? '',
			downloadsCount: r.downloads_count ?? 0,
			thumbnail: r.thumbnail === EMPTY_THUMBNAIL ? undefined : r.thumbnail,
			factorioVersions: r.factorio_versions ?? [],
		})),
	);
/** One result of the portal's own search. */
export type PortalSearchResult = z.output<typeof SearchResultSchema>[number];

/** The portal's 404 body, `{"message":"Mod not found"}`. */
export const NotFoundBodySchema = z.object({ message: z.string() });

/** The portal's current mod categories (portal-api.md, "Categories"); older data has other names, shown as they are. */
export const CATEGORIES = [
	'content',
	'overhaul',
	'tweaks',
	'utilities',
	'scenarios',
	'mod-packs',
	'localizations',
	'internal',
] as const;

/** The portal's current tags (portal-api.md, "Tags"). */
export const TAGS = [
	'transportation',
	'logistics',
	'trains',
	'combat',
	'armor',
	'enemies',
	'environment',
	'mining',
	'fluids',
	'logistic-network',
	'circuit-network',
	'manufacturing',
	'power',
	'storage',
	'blueprints',
	'cheats',
] as const;
