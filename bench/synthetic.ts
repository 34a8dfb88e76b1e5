/**
 * Big synthetic catalogues for benchmarks, made by varying the recorded 2018 catalogue (2,538 mods,
 * `../shared/fixtures/portal/mods-max-2018-02-18.json`): the first copy is the recording itself, each further
 * copy gets a name and title suffix, shuffled title and summary words, a varied owner, download count,
 * Factorio version, category and release date. Deterministic for a given size.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATEGORIES, ModListSchema, type ModSummary } from '../src/services/portal/schemas.js';

const fixturesDir = process.env.FIXTURES_DIR ?? join(import.meta.dirname, '../../shared/fixtures');

const SUFFIXES = ['Plus', 'Redux', 'Continued', 'Extended', 'Lite', 'Fixed', 'Reloaded', 'Classic', 'Ultimate', 'Mini'];
const VERSIONS = ['0.17', '0.18', '1.0', '1.1', '1.1', '2.0', '2.0', '2.0'];

/** The recorded 2018 catalogue, parsed with the portal schema. */
export function recordedCatalogue(): ModSummary[] {
	const text = readFileSync(join(fixturesDir, 'portal/mods-max-2018-02-18.json'), 'utf8');
	return ModListSchema.parse(JSON.parse(text) as unknown).mods;
}

/** mulberry32: a small seeded PRNG so every run builds the same catalogue. Returns floats in [0, 1). */
function random(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function shuffled<T>(items: readonly T[], next: () => number): T[] {
	const copy = [...items];
	for (let i = copy.length - 1; i > 0; i--) {
		const j = Math.floor(next() * (i + 1));
		[copy[i], copy[j]] = [copy[j]!, copy[i]!];
	}
	return copy;
}

/**
 * A catalogue of exactly `size` mods with unique names: the recording, then varied copies of it.
 * Copy k of a mod is named `${name}-${suffix}${k}` with a title of its shuffled words plus the suffix.
 */
export function syntheticCatalogue(size: number, base: readonly ModSummary[] = recordedCatalogue()): ModSummary[] {
	const next = random(20_000);
	const mods: ModSummary[] = [];
	for (let copy = 0; mods.length < size; copy++) {
		for (const mod of base) {
			if (mods.length >= size) break;
			if (copy === 0) {
				mods.push(mod);
				continue;
			}
			const suffix = SUFFIXES[copy % SUFFIXES.length]!;
			const titleWords = shuffled(mod.title.split(/\s+/), next);
			const summaryWords = shuffled(mod.summary.split(/\s+/), next);
			const released = new Date(Date.UTC(2018, 0, 1) + Math.floor(next() * 7 * 365 * 86_400_000));
			const version = VERSIONS[Math.floor(next() * VERSIONS.length)]!;
			mods.push({
				...mod,
				name: `${mod.name}-${suffix}${copy}`,
				title: `${titleWords.join(' ')} ${suffix}`,
				owner: next() < 0.5 ? mod.owner : `${mod.owner}${copy}`,
				summary: summaryWords.join(' '),
				downloadsCount: Math.floor(mod.downloadsCount * next() * next()),
				category: CATEGORIES[Math.floor(next() * CATEGORIES.length)],
				latestRelease: {
					version: `${copy}.0.${Math.floor(next() * 50)}`,
					releasedAt: released.toISOString(),
					factorioVersion: version,
					dependencies: undefined,
					downloadUrl: `/download/${mod.name}-${suffix}${copy}/${copy}`,
					fileName: `${mod.name}-${suffix}${copy}_${copy}.0.0.zip`,
					sha1: undefined,
					featureFlags: version === '2.0' && next() < 0.3 ? ['space-travel'] : [],
				},
			});
		}
	}
	return mods;
}

/**
 * The fixed query list of the benchmarks: 50 queries as people type them, including partial words at every
 * stage (`s`, `sq`, `squ`, `squeak thr`), typos, camelCase, initialisms, owners and multi-word titles.
 */
export const BENCH_QUERIES: readonly string[] = [
	'b',
	'bo',
	'bob',
	'bobs',
	'bobs l',
	'bobs logi',
	'bobs logstics',
	's',
	'sq',
	'squ',
	'squeak',
	'squeak thr',
	'squeak through',
	'l',
	'lo',
	'log',
	'logistic',
	'logistic train',
	'LogisticTrainNetwork',
	'ltn',
	'f',
	'fa',
	'farl',
	'fully automated rail layer',
	'a',
	'an',
	'angel',
	'angels ref',
	'angel refining',
	'helmod',
	'bottlneck',
	'even dist',
	'nexela',
	'warehouse',
	'5dim',
	'rail',
	'train',
	'x',
	'q',
	'the',
	'resource spawner',
	'aai vehicle',
	'factorissimo',
	'yarm',
	'creative mode',
	'upgrade planner',
	'long reach',
	'auto research',
	'nanobtos',
	'orbital ion cannon',
];
