/**
 * Catalog benchmark: for the recorded 2018 catalogue (2,538 mods) and synthetic ones of 20,000 and 100,000
 * (bench/synthetic.ts), prints load + index build time, heap and RSS after loading, and autocomplete and search
 * latency (p50/p99/max) over {@link BENCH_QUERIES}, and in the same process and rounds the latency of the substring
 * baseline of issue 10 (bench/substringBaseline.ts) with the ratio ours / baseline. Prints, never asserts. Targets
 * (issue 10) at 20,000: RSS ≤ 120 MB after load, autocomplete p99 ≤ 1 ms, search p99 ≤ 5 ms, index build ≤ 1 s; at
 * 100,000: autocomplete p99 ≤ 3 ms, RSS ≤ 300 MB. Search quality is bench/search.ts.
 *
 * Each size runs in fresh processes so RSS is honest: a `prepare` child stores the catalogue in an SQLite file
 * through `Catalog.replace`, then a `measure` child does what a restart does (`Catalog.load`) and is measured.
 * The measure child runs on plain node, without tsx (whose loader thread alone adds about 55 MB of RSS): this
 * file and its local imports are transpiled with TypeScript's `transpileModule` into
 * `node_modules/.cache/catalog-bench/` first, and that folder is removed afterwards.
 *
 * Run: `npx tsx bench/catalog.ts` (or `runCatalogBench()` from another script).
 */
import { execFileSync } from 'node:child_process';
import { runNode } from './child.js';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Catalog } from '../src/services/catalog/catalog.js';
import { CatalogStore } from '../src/storage/catalogStore.js';
import { openDatabase } from '../src/storage/database.js';
import { ModSearchIndex } from '../src/services/catalog/searchIndex.js';
import { SubstringBaseline } from './substringBaseline.js';
import { BENCH_QUERIES, syntheticCatalogue } from './synthetic.js';

/** Figures of one catalogue size. Times in milliseconds, memory in MB (10^6 bytes). */
export interface CatalogBenchResult {
	mods: number;
	/** Extra node flags of the measured process. */
	nodeFlags: string;
	/** `Catalog.load()` from SQLite (`catalog_mods` rows): read, JSON parse, validation and index build. */
	loadMs: number;
	/** `ModSearchIndex.buildSync` alone on the loaded mods (median of 3). */
	indexBuildMs: number;
	/** `Catalog.replace` without persisting: the yielding index build plus sort orders, as a refresh does it. */
	replaceMs: number;
	heapUsedMb: number;
	rssMb: number;
	/** RSS of the same process before loading the catalogue (node + imported modules). */
	rssBeforeMb: number;
	/** Peak RSS of the process up to the end of the load (`process.resourceUsage().maxRSS`). */
	peakRssMb: number;
	/** RSS after all the queries, before the extra index builds. */
	rssAfterQueriesMb: number;
	/**
	 * RSS after {@link IDLE_MS} without work, after the queries: V8's memory reducer returns the load's dead pages
	 * about 8 s after the last burst (`--gc-memory-reducer-start-delay-ms`), which the other RSS figures are too early for.
	 */
	rssIdleMb: number;
	autocomplete: Latency;
	search: Latency;
	/** The same queries, rounds and process through the substring baseline (bench/substringBaseline.ts). */
	baseline: { autocomplete: Latency; search: Latency };
}

/** Latency percentiles in milliseconds over all measured rounds of all queries. */
export interface Latency {
	p50: number;
	p99: number;
	max: number;
	samples: number;
}

const SIZES = [2_538, 20_000, 100_000];
/**
 * Each size is measured with node's defaults and with a smaller young generation: V8 grows it to 2 × 16 MB while
 * the index is built and keeps it, which is a sixth of the RSS at 20,000 mods.
 */
const NODE_FLAG_SETS: readonly (readonly string[])[] = [[], ['--max-semi-space-size=4']];
const WARMUP_ROUNDS = 3;
/** Results of one autocomplete, as Discord shows at most (and Catalog.autocomplete returns by default). */
const AUTOCOMPLETE_LIMIT = 25;
const MEASURED_ROUNDS = 20;
/** Idle wait before {@link CatalogBenchResult.rssIdleMb}. */
const IDLE_MS = 12_000;
const SELF = fileURLToPath(import.meta.url);
const ROOT = resolve(import.meta.dirname, '..');
const PLAIN_DIR = join(ROOT, 'node_modules/.cache/catalog-bench');

const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;

function latency(samples: number[]): Latency {
	const sorted = samples.toSorted((a, b) => a - b);
	const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
	const round = (ms: number) => Math.round(ms * 1000) / 1000;
	return { p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted.at(-1) ?? 0), samples: sorted.length };
}

function time(samples: number[], run: () => void): void {
	const started = performance.now();
	run();
	samples.push(performance.now() - started);
}

function collectGarbage(): void {
	const gc = (globalThis as { gc?: () => void }).gc;
	if (gc) {
		gc();
		gc();
	}
}

/** Child 1: build the catalogue of `size` mods and store it as a refresh would. */
async function prepare(size: number, file: string): Promise<void> {
	const database = await openDatabase(`sqlite://${file}`);
	const catalog = new Catalog({ store: new CatalogStore(database.db) });
	await catalog.replace(syntheticCatalogue(size), { createdOrder: [] });
	await database.close();
}

/** Child 2: a restart. Loads the stored catalogue and measures. */
async function measure(file: string): Promise<CatalogBenchResult> {
	collectGarbage();
	const rssBefore = process.memoryUsage().rss;
	const database = await openDatabase(`sqlite://${file}`);
	const catalog = new Catalog({ store: new CatalogStore(database.db) });
	let started = performance.now();
	const loaded = await catalog.load();
	const loadMs = performance.now() - started;
	if (!loaded) throw new Error(`nothing stored in ${file}`);
	collectGarbage();
	const memory = process.memoryUsage();
	const peakRss = process.resourceUsage().maxRSS * 1024;

	const autocomplete: number[] = [];
	const search: number[] = [];
	const baselineAutocomplete: number[] = [];
	const baselineSearch: number[] = [];
	const baseline = new SubstringBaseline(catalog.all());
	for (let round = 0; round < WARMUP_ROUNDS + MEASURED_ROUNDS; round++) {
		const keep = round >= WARMUP_ROUNDS;
		for (const query of BENCH_QUERIES) {
			const a: number[] = [];
			const s: number[] = [];
			const ba: number[] = [];
			const bs: number[] = [];
			time(a, () => catalog.autocomplete(query));
			time(ba, () => baseline.autocomplete(query, AUTOCOMPLETE_LIMIT));
			time(s, () => catalog.search({ query, limit: 10 }));
			time(bs, () => baseline.match(query, 10));
			if (keep) {
				autocomplete.push(...a);
				search.push(...s);
				baselineAutocomplete.push(...ba);
				baselineSearch.push(...bs);
			}
		}
	}

	collectGarbage();
	const rssAfterQueries = process.memoryUsage().rss;
	await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
	const rssIdle = process.memoryUsage().rss;
	const builds: number[] = [];
	for (let i = 0; i < 3; i++) time(builds, () => ModSearchIndex.buildSync(catalog.all()));
	started = performance.now();
	await catalog.replace(catalog.all(), { persist: false });
	const replaceMs = performance.now() - started;
	await database.close();
	return {
		mods: catalog.size,
		nodeFlags: process.execArgv.filter((flag) => flag !== '--expose-gc').join(' '),
		loadMs: Math.round(loadMs),
		indexBuildMs: Math.round(builds.toSorted((a, b) => a - b)[1] ?? 0),
		replaceMs: Math.round(replaceMs),
		heapUsedMb: mb(memory.heapUsed),
		rssMb: mb(memory.rss),
		rssBeforeMb: mb(rssBefore),
		peakRssMb: mb(peakRss),
		rssAfterQueriesMb: mb(rssAfterQueries),
		rssIdleMb: mb(rssIdle),
		autocomplete: latency(autocomplete),
		search: latency(search),
		baseline: { autocomplete: latency(baselineAutocomplete), search: latency(baselineSearch) },
	};
}

/**
 * Transpiles this file and every local module it imports (relative `./x.js` specifiers) to JavaScript under
 * {@link PLAIN_DIR}, keeping paths relative to the project so package imports still resolve from node_modules.
 *
 * @returns the path of the transpiled copy of this file.
 */
async function transpileForPlainNode(): Promise<string> {
	// Imported here, not at the top: the measured child must not carry the compiler in its heap.
	const { default: ts } = await import('typescript');
	rmSync(PLAIN_DIR, { recursive: true, force: true });
	const pending = [SELF];
	const done = new Set<string>();
	while (pending.length > 0) {
		const file = pending.pop();
		if (!file || done.has(file)) continue;
		done.add(file);
		const source = readFileSync(file, 'utf8');
		for (const match of source.matchAll(/from '(\.\.?\/[^']+)\.js'/g)) {
			if (match[1]) pending.push(resolve(dirname(file), `${match[1]}.ts`));
		}
		const output = ts.transpileModule(source, {
			compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
			fileName: file,
		}).outputText;
		const target = join(PLAIN_DIR, relative(ROOT, file)).replace(/\.ts$/, '.js');
		mkdirSync(dirname(target), { recursive: true });
		writeFileSync(target, output);
	}
	return join(PLAIN_DIR, relative(ROOT, SELF)).replace(/\.ts$/, '.js');
}

/**
 * Runs `script` (this file under tsx, or its plain copy under node with `nodeFlags`) with `args` and returns its
 * stdout.
 */
function runChild(script: string, args: string[], plain: boolean, nodeFlags: readonly string[] = []): Promise<string> {
	const flags = plain ? ['--expose-gc', ...nodeFlags] : [...process.execArgv, '--expose-gc'];
	return runNode([...flags, script, ...args]);
}

function plainNodeRssMb(): number {
	return (
		Number(
			execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.memoryUsage().rss))']).toString(),
		) / 1e6
	);
}

/**
 * Runs the catalog benchmark for each size in `sizes` (default 2,538, 20,000 and 100,000), each in fresh child
 * processes, prints a table to stdout and returns the figures.
 */
export async function runCatalogBench(sizes: readonly number[] = SIZES): Promise<CatalogBenchResult[]> {
	const dir = mkdtempSync(join(tmpdir(), 'catalog-bench-'));
	const results: CatalogBenchResult[] = [];
	try {
		const plain = await transpileForPlainNode();
		for (const size of sizes) {
			const file = join(dir, `catalog-${size}.sqlite`);
			await runChild(SELF, ['prepare', String(size), file], false);
			for (const flags of NODE_FLAG_SETS) {
				results.push(JSON.parse(await runChild(plain, ['measure', file], true, flags)) as CatalogBenchResult);
			}
		}
	} finally {
		rmSync(dir, { recursive: true, force: true });
		rmSync(PLAIN_DIR, { recursive: true, force: true });
	}
	const baseline = Math.round(plainNodeRssMb());
	console.log(
		`Catalog benchmark (${BENCH_QUERIES.length} queries × ${MEASURED_ROUNDS} rounds after ${WARMUP_ROUNDS} warm-up rounds; node ${process.version}; plain node RSS ${baseline} MB)`,
	);
	console.table(
		results.map((r) => ({
			mods: r.mods,
			'node flags': r.nodeFlags,
			'load ms': r.loadMs,
			'index build ms': r.indexBuildMs,
			'replace ms': r.replaceMs,
			'heap MB': r.heapUsedMb,
			'RSS MB': r.rssMb,
			'RSS before MB': r.rssBeforeMb,
			'peak RSS MB': r.peakRssMb,
			'RSS after queries MB': r.rssAfterQueriesMb,
			[`RSS ${IDLE_MS / 1000} s idle MB`]: r.rssIdleMb,
			'autocomplete p50/p99/max ms': `${r.autocomplete.p50} / ${r.autocomplete.p99} / ${r.autocomplete.max}`,
			'search p50/p99/max ms': `${r.search.p50} / ${r.search.p99} / ${r.search.max}`,
		})),
	);
	console.log(
		'Same queries in the same processes through the baseline (a lowercased substring scan over name and title, by downloads), and ours / baseline:',
	);
	const ratio = (ours: number, theirs: number) =>
		theirs > 0 ? (Math.round((ours / theirs) * 10) / 10).toString() : '-';
	console.table(
		results.map((r) => ({
			mods: r.mods,
			'node flags': r.nodeFlags,
			'baseline autocomplete p50/p99 ms': `${r.baseline.autocomplete.p50} / ${r.baseline.autocomplete.p99}`,
			'baseline search p50/p99 ms': `${r.baseline.search.p50} / ${r.baseline.search.p99}`,
			'autocomplete ours/baseline p50, p99': `${ratio(r.autocomplete.p50, r.baseline.autocomplete.p50)}, ${ratio(r.autocomplete.p99, r.baseline.autocomplete.p99)}`,
			'search ours/baseline p50, p99': `${ratio(r.search.p50, r.baseline.search.p50)}, ${ratio(r.search.p99, r.baseline.search.p99)}`,
		})),
	);
	return results;
}

async function main(args: string[]): Promise<void> {
	const [mode, first, second] = args;
	if (mode === 'prepare' && first && second) await prepare(Number(first), second);
	else if (mode === 'measure' && first) process.stdout.write(JSON.stringify(await measure(first)));
	else await runCatalogBench(args.length > 0 ? args.map(Number) : SIZES);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	await main(process.argv.slice(2));
}
