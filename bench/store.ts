/**
 * Store benchmark: prints figures, never asserts. For a synthetic catalogue of 20,000 mods (bench/synthetic.ts) on
 * SQLite (a file) and on PostgreSQL (`TEST_POSTGRES_URL`, or an embedded server started here):
 *
 * - catalog writes (`CatalogStore.replace` in one transaction, as `Catalog.replace` does after a refresh): the first
 *   write, a refresh where nothing changed, one where 1 % of the mods changed, and one where a new mod lands first
 *   in the portal's order, so every position moves;
 * - restart: open the store (migrations checked) and `Catalog.load()` until search answers (read, validation, index
 *   build), in a fresh child process so the heap is cold;
 * - store size: the SQLite file after a checkpoint, or the PostgreSQL relations of `catalog_mods`.
 *
 * The earlier keyv layout kept the catalog as one gzipped value of about 2.5 MB at 20,000 mods, rewritten whole at
 * every refresh.
 *
 * Run: `npx tsx bench/store.ts [mods]`, or call {@link runStoreBench}.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import pg from 'pg';
import { Catalog } from '../src/services/catalog/catalog.js';
import type { ModSummary } from '../src/services/portal/schemas.js';
import { CatalogStore, type CatalogRow } from '../src/storage/catalogStore.js';
import { openDatabase, type Engine } from '../src/storage/database.js';
import { startPostgres } from '../test/support/postgres.js';
import { runNode } from './child.js';
import { syntheticCatalogue } from './synthetic.js';

/** Figures of one engine. Times in milliseconds, sizes in MB (10^6 bytes). */
export interface StoreBenchResult {
	engine: Engine;
	mods: number;
	firstWriteMs: number;
	unchangedRefreshMs: number;
	onePercentRefreshMs: number;
	/** Rows written by the 1 % refresh. */
	onePercentWritten: number;
	shiftedRefreshMs: number;
	/** Rows written when every position moved. */
	shiftedWritten: number;
	/** Open + migrations checked, in the child. */
	openMs: number;
	/** `Catalog.load()` in the child: read, validate, build the index. */
	loadMs: number;
	/** From the child's start of `openDatabase` until the first search answered. */
	searchableMs: number;
	storeMb: number;
}

const SELF = fileURLToPath(import.meta.url);
const mb = (bytes: number) => Math.round(bytes / 1e4) / 100;

const rowsOf = (mods: readonly ModSummary[]): CatalogRow[] =>
	mods.map((mod) => ({ name: mod.name, data: JSON.stringify(mod) }));

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
	const started = performance.now();
	const result = await run();
	return [result, Math.round(performance.now() - started)];
}

/** Child: a restart. Opens the store, loads the catalog, answers one search; prints the times as JSON. */
async function restart(url: string): Promise<void> {
	const started = performance.now();
	const database = await openDatabase(url);
	const openMs = performance.now() - started;
	const catalog = new Catalog({ store: new CatalogStore(database.db) });
	const loadStarted = performance.now();
	if (!(await catalog.load())) throw new Error('nothing stored');
	const loadMs = performance.now() - loadStarted;
	catalog.search({ query: 'logistic train' });
	const searchableMs = performance.now() - started;
	await database.close();
	process.stdout.write(
		JSON.stringify({ openMs: Math.round(openMs), loadMs: Math.round(loadMs), searchableMs: Math.round(searchableMs) }),
	);
}

async function storeSize(engine: Engine, url: string, file: string | undefined): Promise<number> {
	const database = await openDatabase(url, { lock: false, migrate: false });
	try {
		if (engine === 'sqlite') {
			await sql`pragma wal_checkpoint(TRUNCATE)`.execute(database.db);
			return statSync(file ?? '').size;
		}
		const { rows } = await sql<{
			size: number;
		}>`select pg_total_relation_size('catalog_mods')::bigint as size`.execute(database.db);
		return rows[0]?.size ?? 0;
	} finally {
		await database.close();
	}
}

async function measure(engine: Engine, url: string, mods: readonly ModSummary[]): Promise<StoreBenchResult> {
	const database = await openDatabase(url);
	const store = new CatalogStore(database.db);
	const meta = { fetchedAt: Date.now(), createdOrder: [] };
	const [, firstWriteMs] = await timed(() => store.replace(rowsOf(mods), meta));
	const [, unchangedRefreshMs] = await timed(() => store.replace(rowsOf(mods), meta));
	const changed = mods.map((mod, index) =>
		index % 100 === 0 ? { ...mod, downloadsCount: mod.downloadsCount + 1 } : mod,
	);
	const [onePercent, onePercentRefreshMs] = await timed(() => store.replace(rowsOf(changed), meta));
	const first = { ...mods[0]!, name: '0-brand-new-mod' };
	const [shifted, shiftedRefreshMs] = await timed(() => store.replace(rowsOf([first, ...changed]), meta));
	const file = database.file;
	await database.close();
	const child = JSON.parse(await runNode([...process.execArgv, SELF, 'restart', url])) as Pick<
		StoreBenchResult,
		'openMs' | 'loadMs' | 'searchableMs'
	>;
	return {
		engine,
		mods: mods.length,
		firstWriteMs,
		unchangedRefreshMs,
		onePercentRefreshMs,
		onePercentWritten: onePercent.written,
		shiftedRefreshMs,
		shiftedWritten: shifted.written,
		...child,
		storeMb: mb(await storeSize(engine, url, file)),
	};
}

/** Runs the store benchmark with `size` synthetic mods (default 20,000), prints a table and returns the figures. */
export async function runStoreBench(size = 20_000): Promise<StoreBenchResult[]> {
	const mods = syntheticCatalogue(size);
	const dir = mkdtempSync(join(tmpdir(), 'store-bench-'));
	const results: StoreBenchResult[] = [];
	try {
		results.push(await measure('sqlite', `sqlite://${join(dir, 'bot.sqlite')}`, mods));
		const server = await startPostgres();
		const name = `bench_${randomBytes(4).toString('hex')}`;
		const admin = new pg.Client({ connectionString: `${server.url}/postgres` });
		await admin.connect();
		await admin.query(`create database ${name}`);
		try {
			results.push(await measure('postgres', `${server.url}/${name}`, mods));
		} finally {
			await admin.query(`drop database if exists ${name} with (force)`);
			await admin.end();
			await server.stop();
		}
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
	console.log(`Store benchmark (${size} synthetic mods; node ${process.version})`);
	console.table(
		results.map((r) => ({
			engine: r.engine,
			'first write ms': r.firstWriteMs,
			'refresh, unchanged ms': r.unchangedRefreshMs,
			'refresh, 1 % changed ms (rows)': `${r.onePercentRefreshMs} (${r.onePercentWritten})`,
			'refresh, all positions moved ms (rows)': `${r.shiftedRefreshMs} (${r.shiftedWritten})`,
			'restart: open ms': r.openMs,
			'restart: load ms': r.loadMs,
			'restart: searchable after ms': r.searchableMs,
			'catalog size MB': r.storeMb,
		})),
	);
	return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	const [mode, argument] = process.argv.slice(2);
	if (mode === 'restart' && argument) await restart(argument);
	else await runStoreBench(mode ? Number(mode) : undefined);
}
