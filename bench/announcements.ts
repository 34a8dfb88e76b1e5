/**
 * Release-announcement benchmark: prints figures, never asserts timings.
 *
 * 1. Polling cost: a real {@link PortalClient} against {@link FakePortal} (recorded 2018 catalogue, 2,538 mods) and a
 *    {@link ReleaseTracker} over an SQLite store. Seed, one warm-up poll, then portal requests per tick for: nothing
 *    changed (target 1), 1 new release (target 2), 5 releases of different mods (target 6), one page-only edit
 *    (target 1), and, beyond the brief, 30 page-only edits (more than one 25-mod page) and a release pushed to page 2
 *    by 25 later page edits the last of which edits the newest mod (one of the tracker's anchors): the table shows
 *    the events found next to the releases published, so a missed release shows as a difference.
 * 2. Fan-out: one release to N (default 1,000) subscribed plain text channels through the real discord.js Client
 *    ({@link createClient}) against {@link FakeDiscord} enforcing 50 requests/s, via `SubscriptionStore.add`,
 *    `Outbox.enqueue` and `Delivery.deliverDue()`. Prints the time, the efficiency against the floor N / 50 s, the
 *    429s the fake answered, and checks that exactly one message was created per channel.
 *    2b. The same fan-out with no limit anywhere (fake unlimited, client `globalRequestsPerSecond` lifted): the
 *    bot's own ceiling in messages per second, i.e. the headroom above Discord's 50/s.
 * 3. Memory and store size with 10,000 subscriptions (1,000 guilds × 10) in an SQLite file, measured in a child
 *    process (`--expose-gc`) so other parts do not blur RSS: add time, RSS/heap before and after, file size,
 *    a fresh store's `load()` time, and the outbox after enqueueing one announcement for all of them.
 *
 * Run: `npx tsx bench/announcements.ts [--fanout-only] [--channels N] [--guilds G] [--concurrency C]
 * [--global-rps R] [--offset MS]` (the last three pass Delivery's `concurrency` and the REST options
 * `globalRequestsPerSecond` / `offset` for experiments; they then build the Client directly instead of through
 * `createClient`). Or call {@link runAnnouncementsBench}.
 */
import { runNode } from './child.js';
import { Writable } from 'node:stream';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client, Events, GatewayIntentBits, type RESTOptions } from 'discord.js';
import { createClient } from '../src/app.js';
import { Delivery, type DeliveryResult } from '../src/discord/delivery.js';
import { createLogger } from '../src/log.js';
import { Outbox } from '../src/services/announcements/outbox.js';
import { announcementFromEvent, type Announcement } from '../src/services/announcements/snapshot.js';
import { PortalClient } from '../src/services/portal/client.js';
import { ReleaseTracker, type ReleaseEvent } from '../src/services/announcements/releaseTracker.js';
import { SubscriptionStore, type SubscriptionTarget } from '../src/services/announcements/subscriptions.js';
import { openStore, type Store } from '../src/storage/store.js';
import { readDocuments } from '../src/storage/documents.js';
import { FakeDiscord } from '../test/support/fakeDiscord.js';
import { FakePortal } from '../test/support/fakePortal.js';

/** Portal requests of one poll tick. */
export interface PollCase {
	case: string;
	/** Requests the fake portal received during the tick (retries included). */
	requests: number;
	/** What the issue asks for. */
	target: number | undefined;
	listPages: number;
	fullFetches: number;
	events: number;
	/** Releases published since the previous tick: the events a complete poll finds. */
	expectedEvents: number;
}

/** Figures of one fan-out run. Times in milliseconds. */
export interface FanOutResult {
	/** False for the ceiling run: the fake enforces no limit and the client's global limit is lifted. */
	limited: boolean;
	channels: number;
	guilds: number;
	concurrency: number;
	/** The REST options used; `default` when the client came from `createClient`. */
	rest: string;
	/** `SubscriptionStore.add` for every channel. */
	addMs: number;
	enqueueMs: number;
	deliverMs: number;
	/** `channels / 50` seconds, in ms. */
	floorMs: number;
	/** floorMs / deliverMs. */
	efficiency: number;
	delivery: DeliveryResult;
	/** Warning and error lines Delivery logged (pino JSON). */
	logged: string[];
	/** Messages the fake created (a repeated nonce creates none). */
	created: number;
	/** Channels with exactly one created message. */
	channelsWithOne: number;
	/** `POST /channels/{id}/messages` requests the fake received, 429s included. */
	posts: number;
	/** 429 answers of the fake during delivery. */
	rateLimited: number;
	/** discord.js `rateLimited` events: waits it predicted itself (global and per route). */
	clientWaits: number;
	/** The most requests the fake accepted (non-429) within any 1,000 ms. */
	peakPerSecond: number;
}

/** Figures of the 10,000-subscription store. Times in ms, sizes in MB (10^6 bytes) or bytes where named. */
export interface MemoryResult {
	subscriptions: number;
	guilds: number;
	addMs: number;
	rssBeforeMb: number;
	rssAfterMb: number;
	heapBeforeMb: number;
	heapAfterMb: number;
	fileMb: number;
	loadMs: number;
	loaded: number;
	enqueueMs: number;
	outboxEntries: number;
	/** Pending entries the outbox holds afterwards (equals outboxEntries). */
	outboxPending: number;
	/** JSON length of the outbox documents (index, per-subscription entries, the announcement). */
	outboxJsonBytes: number;
	fileAfterOutboxMb: number;
	rssAfterOutboxMb: number;
	heapAfterOutboxMb: number;
	/** `process.resourceUsage().maxRSS` at the end. */
	peakRssMb: number;
}

/** Everything {@link runAnnouncementsBench} measured. */
export interface AnnouncementsBenchResult {
	polling: PollCase[];
	fanOut: FanOutResult;
	/** The same fan-out without any rate limit: what the bot itself can push (undefined with `fanOutOnly`). */
	ceiling: FanOutResult | undefined;
	memory: MemoryResult | undefined;
}

/** Options of {@link runAnnouncementsBench}. */
export interface AnnouncementsBenchOptions {
	/** Subscribed channels in the fan-out; default 1,000. */
	channels?: number;
	/** Guilds the channels are spread over (Discord allows 500 channels a guild); default 10. */
	guilds?: number;
	/** Delivery's `concurrency`; default: Delivery's own default. */
	concurrency?: number;
	/** REST options for an experiment; when set the client is built here instead of by `createClient`. */
	rest?: Partial<Pick<RESTOptions, 'globalRequestsPerSecond' | 'offset'>>;
	/** Run only the fan-out part. */
	fanOutOnly?: boolean;
}

const SELF = fileURLToPath(import.meta.url);
const DISCORD_GLOBAL_PER_SECOND = 50;
const LINKS = { portalUrl: 'https://mods.factorio.com', assetsUrl: 'https://assets-mod.factorio.com' };
const MEMORY_SUBSCRIPTIONS = 10_000;
const MEMORY_GUILDS = 1_000;
/** Mods of the 2018 catalogue used for releases and edits. */
const RELEASED = ['FARL', 'bobplates', 'boblogistics', 'angelsrefining', 'Squeak Through', 'bobconfig'];
const CHANGELOG = [
	'Features:',
	'    - Added a setting for the rail layer speed.',
	'    - Added support for elevated rails in blueprints.',
	'  Changes:',
	'    - The layer now stops at water instead of placing landfill.',
	'  Bugfixes:',
	'    - Fixed a crash when the train was removed while laying rails.',
	'    - Fixed signals being placed on the wrong side in left-hand mode.',
].join('\n');

const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;
const ms = (start: number) => Math.round(performance.now() - start);

/** `1.2.3` -> `1.2.4` (the last numeric part + 1). */
function bump(version: string): string {
	const parts = version.split('.');
	const last = Number(parts.at(-1));
	return [...parts.slice(0, -1), String((Number.isNaN(last) ? 0 : last) + 1)].join('.');
}

function latestVersion(portal: FakePortal, name: string): string {
	const entry = portal.mods.find((mod) => mod.name === name);
	const latest = entry?.latest_release as { version?: unknown } | undefined;
	if (typeof latest?.version !== 'string') throw new Error(`bench: no mod ${name} with a release in the catalogue`);
	return latest.version;
}

/** Part 1: portal requests per poll tick. Returns the cases and the event of the single release (for the fan-out). */
async function benchPolling(dir: string): Promise<{ cases: PollCase[]; event: ReleaseEvent }> {
	const portal = await FakePortal.start();
	const store = await openStore(`sqlite://${join(dir, 'poll.sqlite')}`);
	try {
		const client = new PortalClient({ baseUrl: portal.url, fullModCacheTtlMs: 0 });
		const tracker = new ReleaseTracker({ store, portal: client });
		const cases: PollCase[] = [];
		const tick = async (name: string, target: number | undefined, expectedEvents: number) => {
			const before = portal.requests.length;
			const result = await tracker.poll();
			await tracker.commit(result.events);
			const requests = portal.requests.slice(before);
			const full = requests.filter((r) => r.path.endsWith('/full')).length;
			cases.push({
				case: name,
				requests: requests.length,
				target,
				listPages: requests.filter((r) => r.path === '/api/mods').length,
				fullFetches: full,
				events: result.events.length,
				expectedEvents,
			});
			return result.events;
		};
		const release = (name: string, options: { changelog?: string } = {}) => {
			portal.addRelease(name, { version: bump(latestVersion(portal, name)) }, options);
		};
		// Mods not on the first `updated_at` page (the tracker's anchors), read outside the measured ticks.
		const notOnFirstPage = async (count: number, skip: number) => {
			const first = await client.listMods({ sort: 'updated_at', sortOrder: 'desc', hideDeprecated: false, page: 1 });
			const anchors = new Set(first.mods.map((mod) => mod.name));
			const names = portal.mods.map((mod) => mod.name).filter((name): name is string => typeof name === 'string');
			return {
				top: first.mods[0]?.name ?? '',
				others: names.filter((name) => !anchors.has(name)).slice(skip, skip + count),
			};
		};
		const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

		await tick('seed (unseeded poll: whole catalogue)', 1, 0);
		await tick('warm-up poll', undefined, 0);
		await tick('nothing changed', 1, 0);
		release(RELEASED[0]!, { changelog: CHANGELOG });
		const single = (await tick('1 new release', 2, 1))[0];
		for (const name of RELEASED.slice(1, 6)) release(name);
		await tick('5 releases of different mods', 6, 5);
		portal.touch('Warehousing');
		await tick('1 page-only edit (touch)', 1, 0);
		for (const name of (await notOnFirstPage(30, 100)).others) portal.touch(name);
		await tick('extra: 30 page-only edits (> 1 page)', undefined, 0);
		await tick('nothing changed again', 1, 0);
		// A release pushed to page 2 by 25 later edits, the last of them of the newest mod (an anchor).
		const { top, others } = await notOnFirstPage(25, 200);
		release(RELEASED[0]!);
		await pause();
		for (const name of others) portal.touch(name);
		await pause();
		portal.touch(top);
		await tick('extra: 1 release, then 25 edits, then an edit of the newest mod', undefined, 1);
		await tick('extra: next tick', undefined, 0);
		if (!single) throw new Error('bench: the single release produced no event');
		return { cases, event: single };
	} finally {
		await store.disconnect();
		await portal.close();
	}
}

function peakPerSecond(times: number[]): number {
	let peak = 0;
	let start = 0;
	for (let end = 0; end < times.length; end++) {
		while ((times[end] ?? 0) - (times[start] ?? 0) >= 1000) start++;
		peak = Math.max(peak, end - start + 1);
	}
	return peak;
}

/** Part 2: one release to `channels` subscribed channels through the real discord.js client. */
async function benchFanOut(
	dir: string,
	announcement: Announcement,
	options: AnnouncementsBenchOptions,
	limited: boolean,
): Promise<FanOutResult> {
	const channels = options.channels ?? 1_000;
	const guilds = options.guilds ?? 10;
	const perGuild = Math.ceil(channels / guilds);
	const discord = await FakeDiscord.start({
		...(limited ? { rateLimitPerSecond: DISCORD_GLOBAL_PER_SECOND } : {}),
		guilds: Array.from({ length: guilds }, () => ({ extraTextChannels: perGuild })),
	});
	// Without the fake's limit the client's own 50/s must go too, to see what the bot itself can push.
	const rest = limited ? options.rest : { ...options.rest, globalRequestsPerSecond: 1_000_000 };
	const client = rest
		? new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiUrl, ...rest } })
		: createClient({ discordApiUrl: discord.apiUrl });
	const store = await openStore(`sqlite://${join(dir, limited ? 'fanout.sqlite' : 'fanout-unlimited.sqlite')}`);
	try {
		const ready = once(client, Events.ClientReady);
		await client.login(discord.token);
		await ready;

		const subscriptions = new SubscriptionStore({ store, maxPerGuild: perGuild });
		const targets = discord.guilds
			.flatMap((guild) => guild.extraTextChannels.map((channelId) => ({ guildId: guild.id, channelId })))
			.slice(0, channels);
		let started = performance.now();
		for (const { guildId, channelId } of targets) {
			await subscriptions.add({
				guildId,
				channelId,
				target: { kind: 'mod', name: announcement.mod },
				changelog: 'full',
				createdBy: discord.adminUserId,
			});
		}
		const addMs = ms(started);
		const outbox = new Outbox({ store });
		started = performance.now();
		await outbox.enqueue(subscriptions.all().map((subscription) => ({ subscription, announcement })));
		const enqueueMs = ms(started);
		// Delivery's warnings and errors (a failure it swallows shows only there), kept to be printed.
		const logged: string[] = [];
		const logLines = new Writable({
			write(chunk: Buffer, _encoding, done) {
				logged.push(
					...chunk
						.toString('utf8')
						.split('\n')
						.filter((line) => line !== ''),
				);
				done();
			},
		});
		const delivery = new Delivery({
			client,
			subscriptions,
			outbox,
			links: LINKS,
			log: createLogger('warn', logLines),
			digestThreshold: 10,
			...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
		});

		// Start with both the client's and the fake's global window expired, so login does not count.
		await new Promise((resolve) => setTimeout(resolve, 1_100));
		let clientWaits = 0;
		client.rest.on('rateLimited', () => {
			clientWaits++;
		});
		const before = discord.requests.length;
		started = performance.now();
		const result = await delivery.deliverDue();
		const deliverMs = ms(started);
		const during = discord.requests.slice(before);

		const created = targets.map(({ channelId }) => discord.createdMessages(channelId).length);
		const floorMs = (channels / DISCORD_GLOBAL_PER_SECOND) * 1000;
		return {
			channels,
			guilds,
			concurrency: options.concurrency ?? 16,
			limited,
			rest: rest ? JSON.stringify(rest) : 'default (createClient)',
			addMs,
			enqueueMs,
			deliverMs,
			floorMs,
			efficiency: floorMs / deliverMs,
			delivery: result,
			logged,
			created: created.reduce((sum, n) => sum + n, 0),
			channelsWithOne: created.filter((n) => n === 1).length,
			posts: during.filter((r) => r.method === 'POST' && /^\/channels\/\d+\/messages$/.test(r.path)).length,
			rateLimited: during.filter((r) => r.status === 429).length,
			clientWaits,
			peakPerSecond: peakPerSecond(during.filter((r) => r.status !== 429).map((r) => r.at)),
		};
	} finally {
		await client.destroy();
		await store.disconnect();
		await discord.close();
	}
}

function memory(): { rss: number; heap: number } {
	(globalThis as { gc?: () => void }).gc?.();
	const usage = process.memoryUsage();
	return { rss: usage.rss, heap: usage.heapUsed };
}

/** A spread of targets: 70 % one mod, 20 % an author, 10 % all mods with a filter. */
function targetFor(index: number): SubscriptionTarget {
	if (index % 10 < 7) return { kind: 'mod', name: `synthetic-mod-${index % 2_000}` };
	if (index % 10 < 9) return { kind: 'author', owner: `author${index % 300}` };
	return { kind: 'all', filters: { factorioVersion: '2.0', ...(index % 20 === 9 ? { tag: 'trains' } : {}) } };
}

/** Part 3, run in a child process: 10,000 subscriptions in an SQLite file, and their outbox. */
async function measureMemory(dir: string, announcementFile: string): Promise<MemoryResult> {
	const file = join(dir, 'memory.sqlite');
	const url = `sqlite://${file}`;
	let store: Store = await openStore(url);
	const before = memory();
	const subscriptions = new SubscriptionStore({ store, maxPerGuild: 50 });
	let started = performance.now();
	for (let i = 0; i < MEMORY_SUBSCRIPTIONS; i++) {
		const guild = i % MEMORY_GUILDS;
		await subscriptions.add({
			guildId: `${100_000_000_000_000_000n + BigInt(guild)}`,
			channelId: `${200_000_000_000_000_000n + BigInt(i)}`,
			target: targetFor(i),
			changelog: i % 3 === 0 ? 'summary' : 'full',
			createdBy: '300000000000000000',
			...(i % 4 === 0 ? { roleId: `${400_000_000_000_000_000n + BigInt(guild)}` } : {}),
		});
	}
	const addMs = ms(started);
	const after = memory();
	// Keeps the store alive up to here: V8 may collect objects of locals that are not used any more.
	const added = subscriptions.all().length;
	const fileBytes = statSync(file).size;
	await store.disconnect();

	store = await openStore(url);
	const fresh = new SubscriptionStore({ store, maxPerGuild: 50 });
	started = performance.now();
	await fresh.load();
	const loadMs = ms(started);
	const loaded = fresh.all().length;

	const announcement = JSON.parse(readFileSync(announcementFile, 'utf8')) as Announcement;
	const outbox = new Outbox({ store });
	started = performance.now();
	const entries = await outbox.enqueue(fresh.all().map((subscription) => ({ subscription, announcement })));
	const enqueueMs = ms(started);
	const afterOutbox = memory();
	const peakRss = process.resourceUsage().maxRSS * 1024;
	const pending = outbox.stats().pending;
	const keys = [
		'outbox:index',
		`outbox:announcement:${announcement.key}`,
		...fresh.all().map((s) => `outbox:subscription:${s.id}`),
	];
	const documents = await readDocuments(store, keys);
	const outboxJsonBytes = documents.reduce<number>(
		(sum, doc) => sum + (doc === undefined ? 0 : JSON.stringify(doc).length),
		0,
	);
	const fileAfterOutbox = statSync(file).size;
	await store.disconnect();
	return {
		subscriptions: added,
		guilds: MEMORY_GUILDS,
		addMs,
		rssBeforeMb: mb(before.rss),
		rssAfterMb: mb(after.rss),
		heapBeforeMb: mb(before.heap),
		heapAfterMb: mb(after.heap),
		fileMb: mb(fileBytes),
		loadMs,
		loaded,
		enqueueMs,
		outboxEntries: entries.length,
		outboxPending: pending,
		outboxJsonBytes,
		fileAfterOutboxMb: mb(fileAfterOutbox),
		rssAfterOutboxMb: mb(afterOutbox.rss),
		heapAfterOutboxMb: mb(afterOutbox.heap),
		peakRssMb: mb(peakRss),
	};
}

/** Runs this file again under the same loader (tsx) with `--expose-gc` and returns its stdout. */
function runChild(args: string[]): Promise<string> {
	return runNode([...process.execArgv, '--expose-gc', SELF, ...args]);
}

function printPolling(cases: readonly PollCase[]): void {
	console.log('\n1. Portal requests per poll tick (real PortalClient -> FakePortal, recorded 2018 catalogue)');
	console.table(
		cases.map((c) => ({
			case: c.case,
			requests: c.requests,
			target: c.target ?? '-',
			'list pages': c.listPages,
			'/full': c.fullFetches,
			events: c.events,
			'releases published': c.expectedEvents,
		})),
	);
}

function printFanOut(r: FanOutResult): void {
	console.log(
		`\n2. Fan-out: 1 release -> ${r.channels} text channels in ${r.guilds} guilds, real discord.js Client -> FakeDiscord at ${DISCORD_GLOBAL_PER_SECOND} req/s`,
	);
	console.table({
		'REST options': r.rest,
		'Delivery concurrency': r.concurrency,
		'subscriptions added (ms)': r.addMs,
		'outbox enqueue (ms)': r.enqueueMs,
		'deliver all (ms)': r.deliverMs,
		'floor (ms)': r.floorMs,
		efficiency: `${(r.efficiency * 100).toFixed(1)} % (target >= 90 %)`,
		'messages sent (Delivery)': r.delivery.messages,
		'retried / paused': `${r.delivery.retried} / ${r.delivery.paused}`,
		'messages created (fake)': r.created,
		'channels with exactly 1': r.channelsWithOne,
		'POST /messages requests': r.posts,
		'429s from the fake': r.rateLimited,
		'client-side rate-limit waits': r.clientWaits,
		'peak accepted req in 1 s': r.peakPerSecond,
	});
	if (r.logged.length > 0) console.log(`Delivery logged ${r.logged.length} warnings/errors; first:\n${r.logged[0]}`);
	const ok = r.created === r.channels && r.channelsWithOne === r.channels;
	console.log(
		ok ? `check: exactly ${r.channels} messages, one per channel` : 'CHECK FAILED: not one message per channel',
	);
}

function printCeiling(r: FanOutResult): void {
	const perSecond = Math.round((r.channels / r.deliverMs) * 1000);
	console.log(
		`\n2b. Same fan-out with no rate limit anywhere (fake unlimited, client ${r.rest}): the bot's own ceiling`,
	);
	console.table({
		'Delivery concurrency': r.concurrency,
		'deliver all (ms)': r.deliverMs,
		'messages / s': `${perSecond} (${(perSecond / DISCORD_GLOBAL_PER_SECOND).toFixed(1)}× Discord's 50/s)`,
		'messages created (fake)': r.created,
		'channels with exactly 1': r.channelsWithOne,
	});
}

function printMemory(r: MemoryResult): void {
	console.log(`\n3. ${r.subscriptions} subscriptions in ${r.guilds} guilds, SubscriptionStore over an SQLite file`);
	console.table({
		'add all (ms)': r.addMs,
		'add per subscription (ms)': Math.round((r.addMs / r.subscriptions) * 100) / 100,
		'RSS before / after (MB)': `${r.rssBeforeMb} / ${r.rssAfterMb}`,
		'heap before / after (MB)': `${r.heapBeforeMb} / ${r.heapAfterMb}`,
		'SQLite file (MB)': r.fileMb,
		'fresh store load() (ms)': r.loadMs,
		'loaded subscriptions': r.loaded,
		'outbox enqueue, 1 release for all (ms)': r.enqueueMs,
		'outbox entries (pending)': `${r.outboxEntries} (${r.outboxPending})`,
		'outbox JSON (MB)': mb(r.outboxJsonBytes),
		'SQLite file after outbox (MB)': r.fileAfterOutboxMb,
		'RSS / heap after outbox (MB)': `${r.rssAfterOutboxMb} / ${r.heapAfterOutboxMb}`,
		'peak RSS of the process (MB)': r.peakRssMb,
	});
	console.log('(RSS "before" includes tsx, discord.js and the fakes imported by this file: compare the differences.)');
}

/**
 * Runs the three parts (see the module comment), prints their tables to stdout and returns the figures. Closes every
 * server, client and store it opened and removes its temp folder, also when a part throws.
 *
 * @throws when a part fails (e.g. a fixture mod is missing); the figures printed so far stay printed.
 */
export async function runAnnouncementsBench(
	options: AnnouncementsBenchOptions = {},
): Promise<AnnouncementsBenchResult> {
	const dir = mkdtempSync(join(tmpdir(), 'announcements-bench-'));
	try {
		console.log(`Announcements benchmark (node ${process.version})`);
		const { cases, event } = await benchPolling(dir);
		if (!options.fanOutOnly) printPolling(cases);
		const announcement = announcementFromEvent(event);
		const fanOut = await benchFanOut(dir, announcement, options, true);
		printFanOut(fanOut);
		let memoryResult: MemoryResult | undefined;
		let ceiling: FanOutResult | undefined;
		if (!options.fanOutOnly) {
			ceiling = await benchFanOut(dir, announcement, options, false);
			printCeiling(ceiling);
			const announcementFile = join(dir, 'announcement.json');
			writeFileSync(announcementFile, JSON.stringify(announcement));
			memoryResult = JSON.parse(await runChild(['--memory-child', dir, announcementFile])) as MemoryResult;
			printMemory(memoryResult);
		}
		return { polling: cases, fanOut, ceiling, memory: memoryResult };
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

function flag(args: readonly string[], name: string): number | undefined {
	const index = args.indexOf(name);
	const value = index >= 0 ? Number(args[index + 1]) : Number.NaN;
	return Number.isFinite(value) ? value : undefined;
}

async function main(args: string[]): Promise<void> {
	if (args[0] === '--memory-child' && args[1] && args[2]) {
		process.stdout.write(JSON.stringify(await measureMemory(args[1], args[2])));
		return;
	}
	const globalRequestsPerSecond = flag(args, '--global-rps');
	const offset = flag(args, '--offset');
	const rest =
		globalRequestsPerSecond === undefined && offset === undefined
			? undefined
			: {
					...(globalRequestsPerSecond === undefined ? {} : { globalRequestsPerSecond }),
					...(offset === undefined ? {} : { offset }),
				};
	const channels = flag(args, '--channels');
	const guilds = flag(args, '--guilds');
	const concurrency = flag(args, '--concurrency');
	await runAnnouncementsBench({
		...(channels === undefined ? {} : { channels }),
		...(guilds === undefined ? {} : { guilds }),
		...(concurrency === undefined ? {} : { concurrency }),
		...(rest === undefined ? {} : { rest }),
		fanOutOnly: args.includes('--fanout-only'),
	});
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	await main(process.argv.slice(2));
}
