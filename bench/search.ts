/**
 * Search quality benchmark (issues 10 and 11): top-1, top-3 and MRR@10 of `/mod search` rankings on the judged
 * queries over the recorded 2018 catalogue (2,538 mods): the name-like queries of
 * test/fixtures/catalog-search-judgements.json and the descriptive ones of catalog-search-descriptive.json (its
 * held-out part apart). Three rankings in one run: the current index, the previous one ("before": searchIndex.ts
 * as of {@link PREVIOUS_COMMIT}, read from git and transpiled, so the comparison needs no old code in src/), and
 * the substring baseline (bench/substringBaseline.ts). Prints, never asserts; the quality floors are tests.
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
import { recordedCatalogue } from './synthetic.js';

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
	/** Queries whose accepted answer is not in the first 3. */
	misses: string[];
}

/** Reads a judged set of test/fixtures by file name. */
export function judgedSet(file: string): Judgement[] {
	const text = readFileSync(join(ROOT, 'test/fixtures', file), 'utf8');
	return (JSON.parse(text) as { queries: Judgement[] }).queries;
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
	buildSync(mods: readonly ModSummary[]): { match(query: string, mode: 'search', limit?: number): number[] };
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

const percent = (fraction: number) => `${Math.round(fraction * 1000) / 10} %`;

/** Runs the quality benchmark, prints a table (and the misses of each ranking) and returns the figures. */
export async function runSearchBench(): Promise<Record<string, Record<string, Quality>>> {
	const mods = recordedCatalogue();
	const names = judgedSet('catalog-search-judgements.json');
	const descriptive = judgedSet('catalog-search-descriptive.json');
	const sets: Record<string, Judgement[]> = {
		names,
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
			if (figures.misses.length > 0 && !setName.includes('held out'))
				console.log(`  ${rankerName}, ${setName}, not in top 3: ${figures.misses.join(' | ')}`);
		}
	}
	return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	await runSearchBench();
}
