/**
 * Footprint benchmark (issue 10 §1): the running bot, not a bare catalog. Starts the fake portal serving a synthetic
 * catalogue of 20,000 mods and the fake Discord, then runs the bot exactly as `npm start` does (`node
 * --max-semi-space-size=4 dist/index.js`, built first as `npm start` does) in a child process logged in to the
 * fake Discord, and prints:
 *
 * - after a restart with the catalog and 10,000 subscriptions in the store, the time until the first autocomplete is
 *   answered (issue 7 §4);
 * - RSS of that process when it is ready (catalog loaded, gateway connected: `/readyz` answers 200), 5 s later, and
 *   after 15 s idle ("steady"), read from `/proc/{pid}/status` (VmRSS). V8's memory reducer gives the dead objects of
 *   the load back about 8 s after it (`--gc-memory-reducer-start-delay-ms`, 8000): until then the heap keeps its
 *   load-time size, so an RSS read at 5 s is not the steady one;
 * - under 50 autocompletes a second for 30 s (the bench's fixed query list), the peak RSS and the answer latency
 *   (p50/p99, from the interaction to the fake Discord receiving the callback), and the RSS 15 s after the load;
 * - where the memory is: V8 heap used and total, external and array buffers, from the process's own `/metrics`
 *   (prom-client's default metrics), and with `--heap` the heap snapshot's largest object groups by constructor.
 *
 * `FOOTPRINT_SNAPSHOT=path` keeps the heap snapshot there. Prints figures only; no pass/fail. Run: `npx tsx bench/footprint.ts [mods] [--heap]`, or {@link runFootprintBench}.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openDatabase } from '../src/storage/database.js';
import { FakeDiscord } from '../test/support/fakeDiscord.js';
import { FakePortal } from '../test/support/fakePortal.js';
import { insertRows, matchingRow } from './announcements.js';
import { BENCH_QUERIES } from './synthetic.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixturesDir = process.env.FIXTURES_DIR ?? join(root, '../shared/fixtures');

type RawMod = Record<string, unknown> & { name: string; title: string; downloads_count?: number };

/**
 * `size` raw list entries (snake_case, as the portal answers): the recorded 2018 catalogue, then copies with a name
 * and title suffix and a varied owner and download count. Deterministic.
 */
function rawCatalogue(size: number): RawMod[] {
	const recorded = (
		JSON.parse(readFileSync(join(fixturesDir, 'portal/mods-max-2018-02-18.json'), 'utf8')) as { results: RawMod[] }
	).results;
	const mods: RawMod[] = [];
	for (let copy = 0; mods.length < size; copy++) {
		for (const mod of recorded) {
			if (mods.length >= size) break;
			if (copy === 0) {
				mods.push(mod);
				continue;
			}
			mods.push({
				...mod,
				name: `${mod.name}-${copy}`,
				title: `${mod.title} ${copy}`,
				owner: copy % 2 === 0 ? mod.owner : `${String(mod.owner)}${copy}`,
				downloads_count: Math.floor((mod.downloads_count ?? 0) / (copy + 1)),
			});
		}
	}
	return mods;
}

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => {
				resolve(typeof address === 'object' && address ? address.port : 0);
			});
		});
	});
}

/** VmRSS of a process in MB (Linux `/proc`), or NaN once it is gone. */
function rssMb(pid: number): number {
	try {
		const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return match ? Number(match[1]) / 1024 : Number.NaN;
	} catch {
		return Number.NaN;
	}
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`the bot exited with ${child.exitCode}`);
		try {
			const response = await fetch(url);
			if (response.status === 200) return;
		} catch {
			// not listening yet
		}
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
	throw new Error('the bot was not ready in time');
}

/**
 * Sends an autocomplete for `squeak thr` every 50 ms until one is answered; resolves with the time (ms) since
 * `started` (performance.now()).
 */
async function firstAutocomplete(discord: FakeDiscord, started: number): Promise<number> {
	for (;;) {
		try {
			const { id } = await discord.autocomplete({
				name: 'mod',
				subcommand: 'info',
				options: { name: 'squeak thr' },
				focused: 'name',
			});
			await discord.interactionResponse(id, 1_000);
			return performance.now() - started;
		} catch {
			// no gateway session yet, or no answer in time: try again
		}
		await new Promise((resolve) => setTimeout(resolve, 50));
		if (performance.now() - started > 120_000) throw new Error('no autocomplete was answered in 120 s');
	}
}

/** Sums of a few prom-client default metrics, in MB. */
async function memoryMetrics(url: string): Promise<Record<string, number>> {
	const text = await (await fetch(url)).text();
	const read = (name: string) => {
		let sum = 0;
		for (const line of text.split('\n')) if (line.startsWith(name)) sum += Number(line.split(' ').at(-1));
		return sum / 1024 / 1024;
	};
	return {
		heapUsed: read('nodejs_heap_size_used_bytes'),
		heapTotal: read('nodejs_heap_size_total_bytes'),
		external: read('nodejs_external_memory_bytes'),
		newSpace: read('nodejs_heap_space_size_used_bytes{space="new"}'),
		oldSpace: read('nodejs_heap_space_size_used_bytes{space="old"}'),
		codeSpace: read('nodejs_heap_space_size_used_bytes{space="code"}'),
	};
}

function percentile(sorted: readonly number[], p: number): number {
	return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

/** The heap snapshot's largest groups by constructor name (self size), from the V8 snapshot format. */
function heapGroups(file: string, top: number): { name: string; mb: number; count: number }[] {
	const snapshot = JSON.parse(readFileSync(file, 'utf8')) as {
		snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
		nodes: number[];
		strings: string[];
	};
	const fields = snapshot.snapshot.meta.node_fields;
	const width = fields.length;
	const typeAt = fields.indexOf('type');
	const nameAt = fields.indexOf('name');
	const sizeAt = fields.indexOf('self_size');
	const types = snapshot.snapshot.meta.node_types[0];
	const groups = new Map<string, { bytes: number; count: number }>();
	for (let i = 0; i < snapshot.nodes.length; i += width) {
		const type = types[snapshot.nodes[i + typeAt]!]!;
		const name = type === 'object' || type === 'closure' ? snapshot.strings[snapshot.nodes[i + nameAt]!]! : `(${type})`;
		const group = groups.get(name) ?? { bytes: 0, count: 0 };
		group.bytes += snapshot.nodes[i + sizeAt]!;
		group.count++;
		groups.set(name, group);
	}
	return [...groups]
		.sort((a, b) => b[1].bytes - a[1].bytes)
		.slice(0, top)
		.map(([name, group]) => ({ name, mb: group.bytes / 1024 / 1024, count: group.count }));
}

/** Idle time after which RSS counts as steady: past V8's memory reducer (8 s after the last allocation burst). */
const STEADY_AFTER_MS = 15_000;

/** Runs the benchmark and prints its figures (see the module comment). */
export async function runFootprintBench(size = 20_000, options: { heap?: boolean } = {}): Promise<void> {
	{
		// What npm start runs: the build of the current sources (npm start's prestart).
		await new Promise<void>((resolve, reject) => {
			spawn('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' }).on('close', (code) => {
				if (code === 0) resolve();
				else reject(new Error('npm run build failed'));
			});
		});
	}
	// The flags `npm start` passes, unless FOOTPRINT_NODE_ARGS names others (to compare).
	const nodeArgs = (process.env.FOOTPRINT_NODE_ARGS ?? '--enable-source-maps --max-semi-space-size=4')
		.split(/\s+/)
		.filter(Boolean);
	const portal = await FakePortal.start({ mods: rawCatalogue(size) });
	const discord = await FakeDiscord.start({ heartbeatIntervalMs: 5_000, interactionDeadlineMs: 60_000 });
	const dir = mkdtempSync(join(tmpdir(), 'fmb-footprint-'));
	const port = await freePort();
	const startChild = () =>
		spawn(process.execPath, [...nodeArgs, ...(options.heap ? heapArgs : []), join(root, 'dist/index.js')], {
			cwd: root,
			stdio: ['ignore', 'ignore', 'inherit'],
			env: {
				PATH: process.env.PATH,
				DISCORD_TOKEN: discord.token,
				DISCORD_API_URL: discord.apiUrl,
				DISCORD_GUILD_ID: discord.guildId,
				FACTORIO_PORTAL_URL: portal.url,
				FACTORIO_ASSETS_URL: 'https://assets.invalid',
				STORE_URL: `sqlite://${join(dir, 'bot.sqlite')}`,
				HTTP_PORT: String(port),
				HTTP_HOST: '127.0.0.1',
				LOG_LEVEL: 'warn',
				...(process.env.MALLOC_ARENA_MAX ? { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX } : {}),
			},
		});
	const stopChild = async (process: ChildProcess) => {
		process.kill('SIGTERM');
		if (process.exitCode === null) await new Promise((resolve) => process.once('close', resolve));
	};
	const heapArgs = ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`];
	const base = `http://127.0.0.1:${port}`;

	// First start: the catalog comes from the portal. Then the restart that every later start is: from the store.
	const first = startChild();
	const firstStarted = performance.now();
	let firstFigures: string;
	try {
		await waitReady(`${base}/readyz`, first, 120_000);
		const readyMs = performance.now() - firstStarted;
		const atReady = rssMb(first.pid ?? 0);
		await new Promise((resolve) => setTimeout(resolve, 5_000));
		const atFive = rssMb(first.pid ?? 0);
		await new Promise((resolve) => setTimeout(resolve, STEADY_AFTER_MS - 5_000));
		firstFigures = `first start (catalog from the portal): ready after ${(readyMs / 1000).toFixed(1)} s; RSS at ready ${atReady.toFixed(0)} MB, 5 s later ${atFive.toFixed(0)} MB, ${STEADY_AFTER_MS / 1000} s later ${rssMb(first.pid ?? 0).toFixed(0)} MB`;
	} finally {
		await stopChild(first);
	}
	// The restart carries 10,000 subscriptions, as a busy bot's store does.
	const store = await openDatabase(`sqlite://${join(dir, 'bot.sqlite')}`);
	try {
		await insertRows(
			store.db,
			Array.from({ length: 10_000 }, (_, index) => matchingRow(index)),
		);
	} finally {
		await store.close();
	}
	const started = performance.now();
	const child = startChild();
	try {
		const firstAnswerMs = await firstAutocomplete(discord, started);
		await waitReady(`${base}/readyz`, child, 120_000);
		const readyMs = performance.now() - started;
		const pid = child.pid ?? 0;
		const atReady = rssMb(pid);
		await new Promise((resolve) => setTimeout(resolve, 5_000));
		const atFive = rssMb(pid);
		await new Promise((resolve) => setTimeout(resolve, STEADY_AFTER_MS - 5_000));
		const steady = rssMb(pid);
		const steadyMemory = await memoryMetrics(`${base}/metrics`);

		// 50 autocompletes a second for 30 s, each timed until the fake Discord has the answer.
		let peak = steady;
		const sampler = setInterval(() => {
			peak = Math.max(peak, rssMb(pid));
		}, 100);
		const latencies: number[] = [];
		const pending: Promise<void>[] = [];
		let failures = 0;
		const total = 50 * 30;
		const loadStarted = performance.now();
		for (let i = 0; i < total; i++) {
			const due = loadStarted + i * 20;
			const wait = due - performance.now();
			if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
			const query = BENCH_QUERIES[i % BENCH_QUERIES.length]!;
			const sent = performance.now();
			pending.push(
				discord
					.autocomplete({ name: 'mod', subcommand: 'info', options: { name: query }, focused: 'name' })
					.then(({ id }) => discord.interactionResponse(id, 10_000))
					.then(() => {
						latencies.push(performance.now() - sent);
					})
					.catch(() => {
						failures++;
					}),
			);
		}
		await Promise.all(pending);
		clearInterval(sampler);
		peak = Math.max(peak, rssMb(pid));
		const loadMemory = await memoryMetrics(`${base}/metrics`);
		latencies.sort((a, b) => a - b);
		await new Promise((resolve) => setTimeout(resolve, STEADY_AFTER_MS));
		const afterLoad = rssMb(pid);

		const fmt = (mb: number) => `${mb.toFixed(0)} MB`;
		console.log(`\nFootprint: the bot as npm start runs it, ${size.toLocaleString('en')} mods, fake Discord + portal`);
		console.log(`  node ${nodeArgs.join(' ')}`);
		console.log(`  ${firstFigures}`);
		console.log(
			`  restart (catalog and 10,000 subscriptions in the store): first autocomplete answered ${(firstAnswerMs / 1000).toFixed(2)} s after the process started; ready after ${(readyMs / 1000).toFixed(1)} s; RSS at ready ${fmt(atReady)}, 5 s later ${fmt(atFive)}, steady (${STEADY_AFTER_MS / 1000} s later) ${fmt(steady)}`,
		);
		console.log(
			`  50 autocompletes/s for 30 s: peak RSS ${fmt(peak)}; answer p50 ${percentile(latencies, 50).toFixed(1)} ms, ` +
				`p99 ${percentile(latencies, 99).toFixed(1)} ms; ${failures} failed of ${total}; RSS ${STEADY_AFTER_MS / 1000} s after the load ${fmt(afterLoad)}`,
		);
		for (const [label, memory] of [
			['steady', steadyMemory],
			['after load', loadMemory],
		] as const) {
			console.log(
				`  ${label}: heap used ${fmt(memory.heapUsed ?? 0)} of ${fmt(memory.heapTotal ?? 0)} ` +
					`(old ${fmt(memory.oldSpace ?? 0)}, new ${fmt(memory.newSpace ?? 0)}, code ${fmt(memory.codeSpace ?? 0)}), ` +
					`external ${fmt(memory.external ?? 0)}`,
			);
		}
		if (options.heap) {
			child.kill('SIGUSR2');
			// The snapshot is written on the child's main thread: once /healthz answers again, the file is complete.
			let file: string | undefined;
			for (let i = 0; i < 600 && !file; i++) {
				await new Promise((resolve) => setTimeout(resolve, 500));
				const found = readdirSync(dir).find((name) => name.endsWith('.heapsnapshot'));
				if (
					found &&
					(await fetch(`${base}/healthz`)
						.then((r) => r.ok)
						.catch(() => false))
				)
					file = join(dir, found);
			}
			if (file) {
				if (process.env.FOOTPRINT_SNAPSHOT) copyFileSync(file, process.env.FOOTPRINT_SNAPSHOT);
				console.log('  heap snapshot, largest groups by self size:');
				for (const group of heapGroups(file, 12)) {
					console.log(`    ${group.name.padEnd(32)} ${group.mb.toFixed(1).padStart(6)} MB  ${group.count} objects`);
				}
			}
		}
	} finally {
		await stopChild(child);
		await discord.close();
		await portal.close();
		rmSync(dir, { recursive: true, force: true });
	}
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	const args = process.argv.slice(2);
	const size = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 20_000);
	await runFootprintBench(size, { heap: args.includes('--heap') });
}
