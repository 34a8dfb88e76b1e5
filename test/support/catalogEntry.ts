import type { ModSummary } from '../../src/services/portal/schemas.js';

/**
 * `entry` as the catalog keeps it in memory (`catalogEntry` in src/services/catalog/catalog.ts): without the latest
 * release's download fields and feature flags, and without `releases`; the store keeps the entry whole.
 */
export function inMemoryEntry(entry: ModSummary): ModSummary {
	const latest = entry.latestRelease;
	return {
		...entry,
		latestRelease: latest && {
			...latest,
			dependencies: undefined,
			downloadUrl: undefined,
			fileName: undefined,
			sha1: undefined,
			featureFlags: [],
		},
		releases: undefined,
	};
}
