/**
 * Several processes on PostgreSQL (issue 9, figures): `npx tsx bench/cluster.ts` (also part of `npm run bench`).
 *
 * - Failover: three bot processes (`node --import tsx src/index.ts`, test/support/botProcess.ts) on an embedded
 *   PostgreSQL against the fake Discord (two shards) and the fake portal, polling every 2 s. The leader is killed
 *   (SIGKILL) or frozen (SIGSTOP), `ROUNDS` times each; measured from the signal to the new leader's log line and to
 *   the first poll request the fake portal sees afterwards. The bound of the issue is the poll interval plus 5 s.
 * - Claims per second from an outbox-like table with `FOR UPDATE SKIP LOCKED` leases: 20,000 due rows, 4 workers
 *   on connections of their own, each claiming batches (1 and 25 rows) in short transactions and then marking them
 *   sent, until none is left; every row must be claimed exactly once.
 * - Fan-out with three processes: 1,000 channels subscribed (rows written into the store), one release, against the
 *   fake Discord enforcing Discord's global 50 requests a second. Only the leader delivers, so the figure is the
 *   leader's REST budget (`DISCORD_REQUESTS_PER_SECOND`): measured at the default 48 and at 50, from the first
 *   message request to the last created message, against the floor of channels / 50 s; with the share of requests
 *   answered 429 during it. `--fan-out-10k` adds 10,000 channels at the default 48 (about 4 minutes; not part of `npm run bench`).
 */
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import type { NewSubscriptionRow } from '../src/storage/schema.js';
import { isLeaderLine, spawnBot, type BotProcess } from '../test/support/botProcess.js';
import { FakeDiscord } from '../test/support/fakeDiscord.js';
import { FakePortal } from '../test/support/fakePortal.js';
import { startPostgres, type PostgresServer } from '../test/support/postgres.js';
import { subscriptionRow } from '../test/support/subscriptionRow.js';

const POLL_SECONDS = 2;
const ROUNDS = Number(process.env.CLUSTER_BENCH_ROUNDS ?? 3);

/** A new database on `server`; returns its URL. */
async function createDatabase(server: PostgresServer, name: string): Promise<string> {
	const admin = new pg.Client({ connectionString: `${server.url}/postgres` });
	await admin.connect();
	await admin.query(`drop database if exists ${name} with (force)`);
	await admin.query(`create database ${name}`);
	await admin.end();
	return `${server.url}/${name}`;
}

const isPoll = (r: { path: string; query: URLSearchParams }) =>
	r.path === '/api/mods' && r.query.get('sort') === 'updated_at';

function guildOnShard(shard: number): string {
	return ((1_400_000_000_000n + BigInt(shard)) << 22n).toString();
}

interface FailoverFigure {
	signal: 'SIGKILL' | 'SIGSTOP';
	/** ms from the signal to the new leader's log line. */
	leaderMs: number;
	/** ms from the signal to the first poll request of the new leader. */
	pollMs: number;
}

async function failover(server: PostgresServer): Promise<FailoverFigure[]> {
	const storeUrl = await createDatabase(server, 'bench_cluster');
	const portal = await FakePortal.start();
	const discord = await FakeDiscord.start({
		heartbeatIntervalMs: 5_000,
		shardCount: 2,
		guilds: [{ id: guildOnShard(0) }, { id: guildOnShard(1) }],
	});
	const bots: BotProcess[] = [];
	let started = 0;
	const start = (shards: string) => {
		const bot = spawnBot(`bot${++started}`, {
			DISCORD_TOKEN: discord.token,
			DISCORD_API_URL: discord.apiUrl,
			DISCORD_GUILD_ID: guildOnShard(0),
			FACTORIO_PORTAL_URL: portal.url,
			FACTORIO_ASSETS_URL: 'https://assets.invalid',
			STORE_URL: storeUrl,
			LOG_LEVEL: 'info',
			POLL_CRON: `*/${POLL_SECONDS} * * * * *`,
			SHARD_COUNT: '2',
			SHARDS: shards,
		});
		bots.push(bot);
		return bot;
	};
	const figures: FailoverFigure[] = [];
	try {
		const first = start('0');
		await first.waitForLine(isLeaderLine, 120_000);
		await Promise.all(
			[start('1'), start('none')].map((bot) =>
				bot.waitForLine((l) => l.msg?.startsWith('this process is a follower') === true, 120_000),
			),
		);
		let term = 1;
		for (const signal of ['SIGKILL', 'SIGSTOP'] as const) {
			for (let round = 0; round < ROUNDS; round++) {
				const alive = bots.filter((bot) => bot.child.exitCode === null && bot.child.signalCode === null);
				const leader = alive.find((bot) => bot.lines.some((line) => isLeaderLine(line) && line.term === term));
				if (!leader) throw new Error(`no leader with term ${term}`);
				const others = alive.filter((bot) => bot !== leader);
				const requestsBefore = portal.requests.length;
				const at = performance.now();
				leader.signal(signal);
				term++;
				const next = await Promise.any(
					others.map((bot) => bot.waitForLine((line) => isLeaderLine(line) && line.term === term, 60_000)),
				);
				let pollAt: number | undefined;
				while (pollAt === undefined) {
					if (portal.requests.slice(requestsBefore).some(isPoll)) pollAt = performance.now();
					else await new Promise((resolve) => setTimeout(resolve, 20));
				}
				figures.push({ signal, leaderMs: Math.round(next.receivedAt - at), pollMs: Math.round(pollAt - at) });
				// Replace the old leader by a fresh follower (a stopped one is killed first), keeping three processes.
				leader.signal('SIGKILL');
				await leader.exited;
				const fresh = start('none');
				await fresh.waitForLine((l) => l.msg?.startsWith('this process is a follower') === true, 120_000);
			}
		}
	} finally {
		for (const bot of bots) {
			bot.signal('SIGCONT');
			bot.signal('SIGKILL');
		}
		await Promise.all(bots.map((bot) => bot.exited));
		await discord.close();
		await portal.close();
	}
	return figures;
}

interface ClaimFigure {
	batch: number;
	workers: number;
	rows: number;
	claimsPerSecond: number;
	duplicates: number;
}

/** Claims from an outbox-like table with leases (`FOR UPDATE SKIP LOCKED`). */
async function claims(server: PostgresServer, batch: number): Promise<ClaimFigure> {
	const url = await createDatabase(server, 'bench_claims');
	const rows = 20_000;
	const workers = 4;
	const setup = new pg.Client({ connectionString: url });
	await setup.connect();
	await setup.query(`create table outbox (
		subscription_id text not null, release_key text not null, state text not null, due_at bigint not null,
		lease_owner text, lease_until bigint, primary key (subscription_id, release_key))`);
	await setup.query('create index outbox_due on outbox (due_at) where state = $$pending$$');
	await setup.query(
		`insert into outbox select 'sub' || i, 'mod@1.0.' || (i % 7), 'pending', i from generate_series(1, $1) i`,
		[rows],
	);
	await setup.query('analyze outbox');
	const claimed = new Map<string, number>();
	const started = performance.now();
	await Promise.all(
		Array.from({ length: workers }, async (_, worker) => {
			const client = new pg.Client({ connectionString: url, statement_timeout: 30_000 });
			await client.connect();
			for (;;) {
				const now = Date.now();
				await client.query('begin');
				const result = await client.query<{ subscription_id: string; release_key: string }>(
					`with next as (
					   select subscription_id, release_key from outbox
					   where state = 'pending' and due_at <= $3 and (lease_until is null or lease_until < $3)
					   order by due_at limit $4 for update skip locked)
					 update outbox o set lease_owner = $1, lease_until = $2 from next
					 where o.subscription_id = next.subscription_id and o.release_key = next.release_key
					 returning o.subscription_id, o.release_key`,
					[`w${worker}`, now + 30_000, now, batch],
				);
				await client.query('commit');
				if (result.rows.length === 0) break;
				// The post is sent: the entry leaves the queue (delivery records it after Discord's answer).
				await client.query(
					`update outbox set state = 'sent', lease_owner = null, lease_until = null
					 where lease_owner = $1 and (subscription_id, release_key) in (select * from unnest($2::text[], $3::text[]))`,
					[`w${worker}`, result.rows.map((row) => row.subscription_id), result.rows.map((row) => row.release_key)],
				);
				for (const row of result.rows) {
					const key = `${row.subscription_id}|${row.release_key}`;
					claimed.set(key, (claimed.get(key) ?? 0) + 1);
				}
			}
			await client.end();
		}),
	);
	const seconds = (performance.now() - started) / 1000;
	await setup.end();
	const duplicates = [...claimed.values()].filter((count) => count > 1).length;
	return { batch, workers, rows: claimed.size, claimsPerSecond: Math.round(claimed.size / seconds), duplicates };
}

interface FanOutFigure {
	channels: number;
	requestsPerSecond: number;
	/** ms from the first message request to the last created message. */
	ms: number;
	/** channels / 50 s, in ms. */
	floorMs: number;
	/** Requests to the fake during the fan-out, and those answered 429. */
	requests: number;
	rateLimited: number;
	/** Channels with exactly one post. */
	exactlyOne: number;
}

const DISCORD_GLOBAL_PER_SECOND = 50;

/** One release to `channels` subscribed channels, three processes, the fake enforcing 50 requests a second. */
async function fanOut(server: PostgresServer, channels: number, requestsPerSecond: number): Promise<FanOutFigure> {
	const storeUrl = await createDatabase(server, 'bench_fanout');
	const portal = await FakePortal.start();
	const perGuild = 500;
	const discord = await FakeDiscord.start({
		heartbeatIntervalMs: 5_000,
		shardCount: 2,
		rateLimitPerSecond: DISCORD_GLOBAL_PER_SECOND,
		guilds: [
			{ id: guildOnShard(0) },
			{ id: guildOnShard(1) },
			...Array.from({ length: Math.ceil(channels / perGuild) }, () => ({ extraTextChannels: perGuild })),
		],
	});
	const bots: BotProcess[] = [];
	const start = (name: string, shards: string) => {
		const bot = spawnBot(name, {
			DISCORD_TOKEN: discord.token,
			DISCORD_API_URL: discord.apiUrl,
			DISCORD_GUILD_ID: guildOnShard(0),
			FACTORIO_PORTAL_URL: portal.url,
			FACTORIO_ASSETS_URL: 'https://assets.invalid',
			STORE_URL: storeUrl,
			LOG_LEVEL: 'info',
			POLL_CRON: `*/${POLL_SECONDS} * * * * *`,
			SHARD_COUNT: '2',
			SHARDS: shards,
			DISCORD_REQUESTS_PER_SECOND: String(requestsPerSecond),
		});
		bots.push(bot);
		return bot;
	};
	const store = new pg.Client({ connectionString: storeUrl });
	try {
		const first = start('fan0', '0');
		await first.waitForLine(isLeaderLine, 120_000);
		await Promise.all(
			[start('fan1', '1'), start('fan2', 'none')].map((bot) =>
				bot.waitForLine((l) => l.msg?.startsWith('this process is a follower') === true, 120_000),
			),
		);
		const targets = discord.guilds
			.flatMap((guild) => guild.extraTextChannels.map((channelId) => ({ guildId: guild.id, channelId })))
			.slice(0, channels);
		await store.connect();
		const rows: NewSubscriptionRow[] = targets.map(({ guildId, channelId }, index) =>
			subscriptionRow({
				id: `fan-${index}`,
				guild_id: guildId,
				channel_id: channelId,
				target_kind: 'mod',
				target_key: 'mod:FARL',
				mod_name: 'FARL',
				created_by: discord.adminUserId,
				created_at: index,
			}),
		);
		const columns = Object.keys(rows[0]!) as (keyof NewSubscriptionRow)[];
		for (let at = 0; at < rows.length; at += 1_000) {
			const chunk = rows.slice(at, at + 1_000);
			await store.query(
				`insert into subscriptions (${columns.join(', ')}) select * from json_populate_recordset(null::subscriptions, $1)`,
				[JSON.stringify(chunk)],
			);
		}
		const before = discord.requests.length;
		portal.addRelease('FARL', { version: '9.0.0', factorio_version: '2.0' });
		const isPost = (r: { method: string; path: string }) =>
			r.method === 'POST' && /^\/channels\/\d+\/messages$/.test(r.path);
		const posted = () => targets.filter(({ channelId }) => discord.createdMessages(channelId).length > 0).length;
		const deadline = performance.now() + (channels / DISCORD_GLOBAL_PER_SECOND) * 4_000 + 60_000;
		while (posted() < channels) {
			if (performance.now() > deadline)
				throw new Error(`fan-out: ${posted()} of ${channels} channels after the deadline`);
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
		const during = discord.requests.slice(before).filter(isPost);
		const firstAt = during[0]?.at ?? 0;
		const lastAt = Math.max(...during.filter((r) => r.status < 300).map((r) => r.at));
		const window = discord.requests.slice(before).filter((r) => r.at >= firstAt && r.at <= lastAt);
		return {
			channels,
			requestsPerSecond,
			ms: lastAt - firstAt,
			floorMs: (channels / DISCORD_GLOBAL_PER_SECOND) * 1000,
			requests: window.length,
			rateLimited: window.filter((r) => r.status === 429).length,
			exactlyOne: targets.filter(({ channelId }) => discord.createdMessages(channelId).length === 1).length,
		};
	} finally {
		await store.end().catch(() => undefined);
		for (const bot of bots) bot.signal('SIGKILL');
		await Promise.all(bots.map((bot) => bot.exited));
		await discord.close();
		await portal.close();
	}
}

function printFanOut(figure: FanOutFigure): void {
	const share = figure.requests === 0 ? 0 : (figure.rateLimited / figure.requests) * 100;
	console.log(
		`fan-out to ${figure.channels} channels, three processes, DISCORD_REQUESTS_PER_SECOND=${figure.requestsPerSecond}, ` +
			`fake Discord at ${DISCORD_GLOBAL_PER_SECOND}/s: ${(figure.ms / 1000).toFixed(1)} s vs the ${figure.floorMs / 1000} s floor = ` +
			`${Math.round((figure.floorMs / figure.ms) * 100)} % (target ≥ 90 %); ${figure.rateLimited} of ${figure.requests} requests ` +
			`answered 429 = ${share.toFixed(2)} % (target ≤ 1 %); ${figure.exactlyOne} channels with exactly one post`,
	);
}

/** Runs every part and prints the figures; `tenThousand` adds the 10,000-channel fan-out. */
export async function runClusterBench(options: { tenThousand?: boolean; only?: 'fan-out' } = {}): Promise<void> {
	const server = await startPostgres();
	try {
		console.log('\n## Cluster: several processes on PostgreSQL\n');
		for (const requestsPerSecond of [48, 50]) printFanOut(await fanOut(server, 1_000, requestsPerSecond));
		if (options.tenThousand === true) {
			const figure = await fanOut(server, 10_000, 48);
			printFanOut(figure);
			console.log(`10,000 channels: ${(figure.ms / 1000).toFixed(1)} s in all (target ≤ 222 s)`);
		}
		if (options.only === 'fan-out') return;
		for (const batch of [1, 25]) {
			const figure = await claims(server, batch);
			console.log(
				`claims with FOR UPDATE SKIP LOCKED: ${figure.claimsPerSecond}/s (${figure.workers} workers, batches of ${figure.batch}, ` +
					`${figure.rows} rows, ${figure.duplicates} claimed twice)`,
			);
		}
		const figures = await failover(server);
		for (const signal of ['SIGKILL', 'SIGSTOP'] as const) {
			const mine = figures.filter((figure) => figure.signal === signal);
			console.log(
				`failover after ${signal} (poll every ${POLL_SECONDS} s, bound ${POLL_SECONDS + 5} s): new leader after ` +
					`${mine.map((f) => `${f.leaderMs}`).join(', ')} ms; its first poll after ${mine.map((f) => `${f.pollMs}`).join(', ')} ms`,
			);
		}
	} finally {
		await server.stop();
	}
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	const args = process.argv.slice(2);
	await runClusterBench({
		tenThousand: args.includes('--fan-out-10k'),
		...(args.includes('--fan-out-only') ? { only: 'fan-out' as const } : {}),
	});
}
