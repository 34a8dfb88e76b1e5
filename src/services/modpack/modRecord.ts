/**
 * A mod as the resolver sees it: every release with its info.json dependencies, download file and sha1, read
 * defensively from the portal's `/api/mods/{name}/full` answer.
 *
 * Source: `../shared/portal-api.md` ("GET /api/mods/{name} and /api/mods/{name}/full": only `/full` carries
 * `info_json.dependencies` in every release; a release has `download_url` `/download/{name}/{id}`, `file_name`,
 * `sha1`). Portal data is untrusted: whatever would be unsafe inside the generated install scripts (a file name with
 * a slash or a quote, a sha1 that is not 40 hex digits, a download path outside `/download/`) is dropped here, and a
 * release without it cannot be put into a kit.
 */
import { parseDependencies, type Dependency } from '../factorio/dependencies.js';
import { compareVersions, factorioMinor, hasVersionNumber } from '../factorio/version.js';
import type { ModDetails, Release } from '../portal/schemas.js';

/** One release of a mod, as the resolver and the kit use it. */
export interface KitRelease {
	version: string;
	/** `major.minor` of the release's info.json `factorio_version`; undefined when the portal gave none. */
	factorioVersion: string | undefined;
	/** Parsed info.json dependencies (unreadable strings dropped), at most {@link MAX_DEPENDENCIES}. */
	dependencies: Dependency[];
	/** The zip's file name, e.g. `flib_0.16.4.zip`; undefined when missing or unsafe. */
	fileName: string | undefined;
	/** Lower-case hex sha1 of the zip; undefined when missing or malformed. */
	sha1: string | undefined;
	/** Download path below the portal, percent-encoded, e.g. `/download/flib/5ecac7e44d121d000cd77c76`. */
	downloadPath: string | undefined;
	/** RFC 3339 upload time, when given. */
	releasedAt: string | undefined;
	/** The release's `feature_flags`, e.g. `space-travel`. */
	featureFlags: string[];
}

/** A mod with its releases, newest version first. */
export interface ModRecord {
	name: string;
	title: string;
	/** Flagged deprecated by its owner on the portal. */
	deprecated: boolean;
	releases: KitRelease[];
}

/** Bounds on hostile data: more releases or dependency strings than these are cut. */
export const MAX_RELEASES = 500;
export const MAX_DEPENDENCIES = 200;
/** The game accepts mod names of at most 100 characters (wiki, "Tutorial:Mod structure", info.json `name`). */
const MAX_NAME_LENGTH = 100;

/**
 * Mod names that can be written into `mod-list.json`, the lock file and both install scripts without quoting
 * trouble: letters, digits, space, `_`, `-`, `.`, `+`. The portal allows only letters, digits, `_` and `-` for new
 * mods; old mods have spaces (`Squeak Through`).
 */
export function isSafeModName(name: string): boolean {
	return (
		name.length > 0 &&
		name.length <= MAX_NAME_LENGTH &&
		/^[A-Za-z0-9_.+-](?:[A-Za-z0-9 _.+-]*[A-Za-z0-9_.+-])?$/.test(name)
	);
}

const SAFE_FILE_NAME = /^[A-Za-z0-9_.+-](?:[A-Za-z0-9 _.+-]*[A-Za-z0-9_.+-])?\.zip$/;
const SHA1 = /^[0-9a-fA-F]{40}$/;

/** Control characters, quotes and backslashes: nothing a download path segment may hold. */
function hasUnsafeCharacter(text: string): boolean {
	for (const char of text) {
		const code = char.codePointAt(0) ?? 0;
		if (code < 0x20 || code === 0x7f || `"'\`\\`.includes(char)) return true;
	}
	return false;
}

/** A file name the install scripts may create: a zip, no path separators, quotes or control characters. */
export function safeFileName(fileName: string | undefined): string | undefined {
	if (!fileName || fileName.length > 200 || !SAFE_FILE_NAME.test(fileName) || fileName.includes('..')) return undefined;
	return fileName;
}

/**
 * The portal's `download_url` as a path that is safe to paste after the base URL: `/download/` and then segments,
 * each percent-encoded (an already encoded segment is not encoded twice). Undefined for anything else.
 */
export function safeDownloadPath(downloadUrl: string | undefined): string | undefined {
	if (!downloadUrl || downloadUrl.length > 500) return undefined;
	const segments = downloadUrl.split('/');
	if (segments[0] !== '' || segments[1] !== 'download' || segments.length < 4) return undefined;
	const encoded: string[] = [];
	for (const segment of segments.slice(2)) {
		let decoded: string;
		try {
			decoded = decodeURIComponent(segment);
		} catch {
			return undefined;
		}
		if (decoded === '' || decoded === '.' || decoded === '..' || hasUnsafeCharacter(decoded)) return undefined;
		encoded.push(encodeURIComponent(decoded));
	}
	return `/download/${encoded.join('/')}`;
}

/** Versions that can be written into the kit files: dotted numbers, as the game requires (`1.2.3`). */
const SAFE_VERSION = /^\d{1,5}(?:\.\d{1,5}){0,3}$/;

function kitRelease(release: Release): KitRelease {
	const version = release.version.trim();
	const writable = SAFE_VERSION.test(version);
	const dependencies = parseDependencies((release.dependencies ?? []).slice(0, MAX_DEPENDENCIES)).filter(
		(dependency) => dependency.name.length <= MAX_NAME_LENGTH,
	);
	return {
		version,
		factorioVersion: factorioMinor(release.factorioVersion),
		dependencies,
		fileName: writable ? safeFileName(release.fileName) : undefined,
		sha1: release.sha1 && SHA1.test(release.sha1) ? release.sha1.toLowerCase() : undefined,
		downloadPath: safeDownloadPath(release.downloadUrl),
		releasedAt: release.releasedAt,
		featureFlags: release.featureFlags.filter((flag) => typeof flag === 'string' && flag.length <= 50).slice(0, 20),
	};
}

/**
 * Releases newest version first; equal versions (a re-upload) by `released_at`, newest first; releases whose
 * version holds no number are dropped. Deterministic for the same input.
 */
function sortReleases(releases: KitRelease[]): KitRelease[] {
	return releases
		.filter((release) => hasVersionNumber(release.version))
		.map((release, index) => ({ release, index }))
		.sort(
			(a, b) =>
				compareVersions(b.release.version, a.release.version) ||
				(b.release.releasedAt ?? '').localeCompare(a.release.releasedAt ?? '') ||
				a.index - b.index,
		)
		.map(({ release }) => release)
		.filter((release, i, all) => i === 0 || compareVersions(all[i - 1]?.version ?? '', release.version) !== 0);
}

/**
 * Turns a `/full` answer into a {@link ModRecord}: at most {@link MAX_RELEASES} releases (the newest ones),
 * newest first, one per version. Never throws.
 */
export function modRecordFromDetails(details: ModDetails): ModRecord {
	const releases = sortReleases(details.releases.map(kitRelease)).slice(0, MAX_RELEASES);
	return { name: details.name, title: details.title, deprecated: details.deprecated, releases };
}
