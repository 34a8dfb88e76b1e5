/**
 * Search quality benchmark (issues 10 and 11): top-1, top-3 and MRR@10 of `/mod search` rankings on the judged
 * queries over the recorded 2018 catalogue (2,538 mods): the name-like queries of
 * test/fixtures/catalog-search-judgements.json, the descriptive ones of catalog-search-descriptive.json (its
 * held-out part apart) and partly typed titles of the most downloaded mods ({@link typedTitles}). Three rankings in one run: the current index, the previous one ("before": searchIndex.ts
 * as of {@link PREVIOUS_COMMIT}, read from git and transpiled, so the comparison needs no old code in src/), and
 * the substring baseline (bench/substringBaseline.ts). Then the cost of the change: build time, heap and latency of
 * the index before and after at 20,000 and 100,000 synthetic mods (bench/synthetic.ts). Prints, never asserts; the
 * quality floors are tests.
 *
 * Run: `npx tsx bench/search.ts` (or `runSearchBench()` from another script).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ModSearchIndex } from '../src/services/catalog/searchIndex.js';
import type { ModSummary } from '../src/services/portal/schemas.js';
import { SubstringBaseline } from './substringBaseline.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BENCH_QUERIES, recordedCatalogue, syntheticCatalogue } from './synthetic.js';

/** The last commit of the index before issue 11 (stems and summaries in MiniSearch). */
export const PREVIOUS_COMMIT = 'fcd1a97ebbe792af8ac547f4a5416c2951686836';
const ROOT = resolve(import.meta.dirname, '..');
const CACHE_DIR = join(ROOT, 'node_modules/.cache/search-bench');

/** A judged query: the mods that count as the right answer. */
export interface Judgement {
	query: string;
	expect?: string;
	expectAny?: string[];
	heldOut?: boolean;
}

/** A ranking under test: a query to the names of its first 10 results. */
export type Ranker = (query: string) => string[];

/** Quality of a ranker on a set of judged queries, as fractions (0..1). */
export interface Quality {
	queries: number;
	top1: number;
	top3: number;
	mrr10: number;
	/** Queries whose accepted answer is not in the first 3 (printed for the current index only, held-out ones never). */
	misses: string[];
}

/** Reads a judged set of test/fixtures by file name. */
export function judgedSet(file: string): Judgement[] {
	const text = readFileSync(join(ROOT, 'test/fixtures', file), 'utf8');
	return (JSON.parse(text) as { queries: Judgement[] }).queries;
}

/**
 * Queries made from the titles of the 400 most downloaded mods as someone types them (the title less its last two
 * letters, and its first two words less the last letter), each meaning its mod: a broad check that names do not
 * regress. Generated, not judged, so a title shared by two mods counts either.
 */
export function typedTitles(mods: readonly ModSummary[]): Judgement[] {
	const popular = mods.toSorted((a, b) => b.downloadsCount - a.downloadsCount).slice(0, 400);
	return popular.flatMap((mod) => {
		const words = mod.title.split(/\s+/);
		const same = mods.filter((other) => other.title === mod.title).map((other) => other.name);
		return [
			mod.title.slice(0, Math.max(4, mod.title.length - 2)),
			words.length > 1 ? words.slice(0, 2).join(' ').slice(0, -1) : mod.title.slice(0, 5),
		].map((query) => ({ query, expectAny: same }));
	});
}

export const accepted = (j: Judgement): string[] => j.expectAny ?? (j.expect ? [j.expect] : []);

/** Top-1, top-3 and MRR@10 (mean of 1/rank of the first accepted answer in the first 10, 0 if none). */
export function quality(judgements: readonly Judgement[], rank: Ranker): Quality {
	let top1 = 0;
	let top3 = 0;
	let reciprocal = 0;
	const misses: string[] = [];
	for (const judgement of judgements) {
		const good = accepted(judgement);
		const at = rank(judgement.query)
			.slice(0, 10)
			.findIndex((name) => good.includes(name));
		if (at === 0) top1++;
		if (at >= 0 && at < 3) top3++;
		else misses.push(judgement.query);
		if (at >= 0) reciprocal += 1 / (at + 1);
	}
	const n = Math.max(1, judgements.length);
	return { queries: judgements.length, top1: top1 / n, top3: top3 / n, mrr10: reciprocal / n, misses };
}

/** A search index's `search` ranking over `mods` as a {@link Ranker}. */
export function indexRanker(
	index: { match(query: string, mode: 'search', limit?: number): number[] },
	mods: readonly ModSummary[],
): Ranker {
	return (query) => index.match(query, 'search', 10).map((position) => mods[position]?.name ?? '');
}

interface PreviousIndexClass {
	buildSync(mods: readonly ModSummary[]): {
		match(query: string, mode: 'search' | 'autocomplete', limit?: number): number[];
	};
}

/**
 * The index class as it was at {@link PREVIOUS_COMMIT}, or undefined when git or that commit is not there (a
 * copy without history).
 */
export async function previousIndexClass(): Promise<PreviousIndexClass | undefined> {
	let source: string;
	try {
		source = execFileSync('git', ['show', `${PREVIOUS_COMMIT}:src/services/catalog/searchIndex.ts`], {
			cwd: ROOT,
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'ignore'],
		});
	} catch {
		return undefined;
	}
	const { default: ts } = await import('typescript');
	const output = ts.transpileModule(source, {
		compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
	}).outputText;
	mkdirSync(CACHE_DIR, { recursive: true });
	const file = join(CACHE_DIR, `searchIndex-${PREVIOUS_COMMIT.slice(0, 7)}.js`);
	writeFileSync(file, output);
	try {
		const module = (await import(pathToFileURL(file).href)) as { ModSearchIndex: PreviousIndexClass };
		return module.ModSearchIndex;
	} finally {
		rmSync(CACHE_DIR, { recursive: true, force: true });
	}
}

/** Build time, heap and latency of one index class on one catalogue. Times in ms, memory in MB. */
export interface IndexCost {
	ranking: string;
	mods: number;
	buildMs: number;
	buildCpuMs: number;
	heapMb: number;
	autocomplete: { p50: number; p99: number };
	search: { p50: number; p99: number };
}

type IndexClass = PreviousIndexClass;

/** V8's gc(), made available without starting node with --expose-gc. */
function garbageCollector(): () => void {
	setFlagsFromString('--expose-gc');
	const gc = runInNewContext('gc') as () => void;
	return () => {
		gc();
		gc();
	};
}

function percentiles(samples: number[]): { p50: number; p99: number } {
	const sorted = samples.toSorted((a, b) => a - b);
	const at = (q: number) =>
		Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 1000) / 1000;
	return { p50: at(0.5), p99: at(0.99) };
}

/**
 * Builds `Index` on `mods` and measures it: build wall and CPU time, the heap it keeps (after GC), and match()
 * latency over the bench queries (autocomplete with 25 results, search with all), 3 warm-up and 10 measured rounds.
 */
function measureIndex(ranking: string, Index: IndexClass, mods: readonly ModSummary[], gc: () => void): IndexCost {
	gc();
	const heapBefore = process.memoryUsage().heapUsed;
	const cpu = process.cpuUsage();
	const started = performance.now();
	const index = Index.buildSync(mods);
	const buildMs = performance.now() - started;
	const buildCpuMs = process.cpuUsage(cpu).user / 1000;
	gc();
	const heapMb = Math.round((process.memoryUsage().heapUsed - heapBefore) / 1e5) / 10;
	const autocomplete: number[] = [];
	const search: number[] = [];
	for (let round = 0; round < 13; round++) {
		for (const query of BENCH_QUERIES) {
			let at = performance.now();
			index.match(query, 'autocomplete', 25);
			const a = performance.now() - at;
			at = performance.now();
			index.match(query, 'search');
			const s = performance.now() - at;
			if (round >= 3) {
				autocomplete.push(a);
				search.push(s);
			}
		}
	}
	return {
		ranking,
		mods: mods.length,
		buildMs: Math.round(buildMs),
		buildCpuMs: Math.round(buildCpuMs),
		heapMb,
		autocomplete: percentiles(autocomplete),
		search: percentiles(search),
	};
}

/** The cost of the change: the index before and after, one after the other in this process, at each size. */
export async function runIndexCostBench(sizes: readonly number[] = [20_000, 100_000]): Promise<IndexCost[]> {
	const Previous = await previousIndexClass();
	const gc = garbageCollector();
	const costs: IndexCost[] = [];
	for (const size of sizes) {
		const mods = syntheticCatalogue(size);
		costs.push(measureIndex('after', ModSearchIndex, mods, gc));
		if (Previous) costs.push(measureIndex('before', Previous, mods, gc));
	}
	console.log('Search index before and after (one process; heap kept by the index after GC; match() latency):');
	console.table(
		costs.map((c) => ({
			ranking: c.ranking,
			mods: c.mods,
			'build ms (CPU ms)': `${c.buildMs} (${c.buildCpuMs})`,
			'index heap MB': c.heapMb,
			'autocomplete p50/p99 ms': `${c.autocomplete.p50} / ${c.autocomplete.p99}`,
			'search p50/p99 ms': `${c.search.p50} / ${c.search.p99}`,
		})),
	);
	return costs;
}

const percent = (fraction: number) => `${Math.round(fraction * 1000) / 10} %`;

/** Runs the quality benchmark, prints a table (and the misses of each ranking) and returns the figures. */
export async function runSearchBench(): Promise<Record<string, Record<string, Quality>>> {
	const mods = recordedCatalogue();
	const names = judgedSet('catalog-search-judgements.json');
	const descriptive = judgedSet('catalog-search-descriptive.json');
	const sets: Record<string, Judgement[]> = {
		names,
		'typed titles': typedTitles(mods),
		'descriptive (tuned)': descriptive.filter((j) => !j.heldOut),
		'descriptive (held out)': descriptive.filter((j) => j.heldOut),
	};
	const baseline = new SubstringBaseline(mods);
	const rankers: Record<string, Ranker> = { after: indexRanker(ModSearchIndex.buildSync(mods), mods) };
	const Previous = await previousIndexClass();
	if (Previous) rankers.before = indexRanker(Previous.buildSync(mods), mods);
	rankers.baseline = (query) => baseline.match(query, 10).mods.map((mod) => mod.name);

	const results: Record<string, Record<string, Quality>> = {};
	const rows: Record<string, string | number>[] = [];
	for (const [rankerName, rank] of Object.entries(rankers)) {
		results[rankerName] = {};
		for (const [setName, set] of Object.entries(sets)) {
			const figures = quality(set, rank);
			results[rankerName][setName] = figures;
			rows.push({
				ranking: rankerName,
				'judged set': setName,
				queries: figures.queries,
				'top-1': percent(figures.top1),
				'top-3': percent(figures.top3),
				'MRR@10': Math.round(figures.mrr10 * 1000) / 1000,
			});
		}
	}
	console.log(
		`Search quality on the recorded 2018 catalogue (${mods.length} mods), /mod search ranking; before = searchIndex.ts @${PREVIOUS_COMMIT.slice(0, 7)}${Previous ? '' : ' (not available: no git history)'}, baseline = substring scan of name and title by downloads`,
	);
	console.table(rows);
	for (const [rankerName, bySet] of Object.entries(results)) {
		for (const [setName, figures] of Object.entries(bySet)) {
			// The held-out queries' misses are not printed: they are not for tuning.
			const printed = setName === 'names' || setName.startsWith('descriptive (tuned');
			if (rankerName === 'after' && figures.misses.length > 0 && printed)
				console.log(`  ${rankerName}, ${setName}, not in top 3: ${figures.misses.join(' | ')}`);
		}
	}
	return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	await runSearchBench();
	await runIndexCostBench();
}
