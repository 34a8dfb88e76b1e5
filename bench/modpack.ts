/**
 * Modpack benchmark: prints figures, never asserts timings.
 *
 * A real {@link PortalClient} against {@link FakePortal} serving the recorded 2024 dependency graph (9,174 mods,
 * `../shared/fixtures/portal/mods-deps-2024-08-26.json`), resolved with the real resolver through
 * {@link PortalReleaseSource} (one `/full` per mod, 4 in flight, the client's cache):
 * 1. a large overhaul: `AngelBob` (a closure of 27 mods) and `SeaBlock` plus `AngelBob`;
 * 2. a 200-mod server list: every 45th mod of the graph by name (some have required dependencies missing from the
 *    graph and are left out, as on a real server);
 * each cold (a new client, empty cache) and warm (the same client again). Printed: wall time, portal requests
 * (counted by the fake), kit size, listed mods left out, search steps, fetch rounds.
 *
 * Run: `npx tsx bench/modpack.ts` (or `runModpackBench()` from another script).
 */
import { pathToFileURL } from 'node:url';
import { listOfMods } from '../src/services/modpack/input.js';
import { checkServer } from '../src/services/modpack/modpack.js';
import { PortalReleaseSource } from '../src/services/modpack/releaseSource.js';
import { resolveMods, type ListedMod } from '../src/services/modpack/resolver.js';
import { PortalClient } from '../src/services/portal/client.js';
import { fixtureJson } from '../test/support/fixtures.js';
import { FakePortal } from '../test/support/fakePortal.js';

/** Figures of one resolution. Times in milliseconds. */
export interface ModpackBenchRow {
	case: string;
	cache: 'cold' | 'warm';
	listed: number;
	ms: number;
	portalRequests: number;
	kit: number;
	leftOut: number;
	steps: number;
	fetchRounds: number;
}

const GAME = { version: '1.1', spaceAge: false };

function serverList(names: readonly string[], count: number): ListedMod[] {
	const sorted = [...names].sort();
	const step = Math.floor(sorted.length / count);
	return Array.from({ length: count }, (_, i) => ({ name: sorted[i * step] ?? '' }));
}

/** Runs the benchmark and prints its table; returns the rows. */
export async function runModpackBench(): Promise<ModpackBenchRow[]> {
	const recorded = fixtureJson('portal/mods-deps-2024-08-26.json') as { results: { name: string }[] };
	const portal = await FakePortal.start({ mods: recorded.results });
	const cases: { name: string; mods: ListedMod[]; check?: boolean }[] = [
		{ name: 'overhaul AngelBob', mods: [{ name: 'AngelBob' }] },
		{ name: 'overhauls SeaBlock + AngelBob', mods: [{ name: 'SeaBlock' }, { name: 'AngelBob' }] },
		{
			name: '200-mod server list',
			mods: serverList(
				recorded.results.map((m) => m.name),
				200,
			),
		},
		{
			name: '200-mod server check',
			mods: serverList(
				recorded.results.map((m) => m.name),
				200,
			),
			check: true,
		},
	];
	const rows: ModpackBenchRow[] = [];
	try {
		for (const test of cases) {
			const client = new PortalClient({ baseUrl: portal.url, retryBaseMs: 10 });
			for (const cache of ['cold', 'warm'] as const) {
				const before = portal.requests.length;
				const started = performance.now();
				const source = new PortalReleaseSource(client);
				const resolution = test.check
					? (await checkServer(listOfMods(test.mods), GAME, true, source)).kit.resolution
					: await resolveMods({ mods: test.mods, game: GAME }, source);
				rows.push({
					case: test.name,
					cache,
					listed: test.mods.length,
					ms: Math.round(performance.now() - started),
					portalRequests: portal.requests.length - before,
					kit: resolution.mods.length,
					leftOut: resolution.excluded.length,
					steps: resolution.stats.steps,
					fetchRounds: resolution.stats.fetchRounds,
				});
			}
		}
	} finally {
		await portal.close();
	}
	console.log(
		'\nModpack: resolve against the fake portal serving the 2024 dependency graph (9,174 mods), Factorio 1.1',
	);
	console.table(rows);
	return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	await runModpackBench();
}
