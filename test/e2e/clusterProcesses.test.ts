/**
 * Three bot processes (OS processes, `node --import tsx src/index.ts`) on one embedded PostgreSQL, one fake Discord
 * with two shards and one fake portal (issue 9, Tests): commands are answered on both shards; one process polls; the
 * leader killed (SIGKILL) or frozen (SIGSTOP) is replaced by another, and a frozen one that wakes no longer polls.
 * Takeover times are measured in bench/cluster.ts; here the waits are generous, since a loaded machine is slow.
 * The fan-outs: 1,000 channels subscribed (rows written straight into the store), the leader killed or frozen while
 * it posts, and every channel gets its post exactly once (`DELIVERY_LEASE` short, so the next leader takes the dead
 * one's claimed posts after seconds, not minutes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../src/storage/database.js';
import type { NewSubscriptionRow } from '../../src/storage/schema.js';
import { createTestStoreUrl, type TestStoreUrl } from '../support/database.js';
import { isLeaderLine, spawnBot, type BotProcess, type LogLine } from '../support/botProcess.js';
import { FakeDiscord, shardOf } from '../support/fakeDiscord.js';
import { FakePortal } from '../support/fakePortal.js';
import { TEST_ASSETS_URL } from './helpers.js';
import { subscriptionRow } from '../support/subscriptionRow.js';

/** Seconds between polls (POLL_CRON). */
const POLL_SECONDS = 2;
/** How long a takeover may take here before the test fails: far above the bound, for loaded CI machines. */
const TAKEOVER_WAIT_MS = 30_000;
/** DELIVERY_LEASE of every process, seconds. */
const LEASE_SECONDS = 3;
/** Channels of the SIGKILL fan-out and of the SIGSTOP one (a subset, to keep the file's runtime modest). */
const FAN_OUT = 1_000;
const FROZEN_FAN_OUT = 200;

function guildOnShard(shard: number): string {
	const id = ((1_400_000_000_000n + BigInt(shard)) << 22n).toString();
	expect(shardOf(id, 2)).toBe(shard);
	return id;
}

let discord: FakeDiscord;
let portal: FakePortal;
let store: TestStoreUrl;
/** The test's own connection to the store the bots share. */
let database: OpenDatabase;
const bots = new Map<string, BotProcess>();
const guilds = [guildOnShard(0), guildOnShard(1)];

function start(name: string, shards: string): BotProcess {
	const bot = spawnBot(name, {
		DISCORD_TOKEN: discord.token,
		DISCORD_API_URL: discord.apiUrl,
		DISCORD_GUILD_ID: guilds[0]!,
		FACTORIO_PORTAL_URL: portal.url,
		FACTORIO_ASSETS_URL: TEST_ASSETS_URL,
		STORE_URL: store.url,
		LOG_LEVEL: 'info',
		PORTAL_TIMEOUT_MS: '2000',
		POLL_CRON: `*/${POLL_SECONDS} * * * * *`,
		SHARD_COUNT: '2',
		SHARDS: shards,
		DELIVERY_LEASE: `${LEASE_SECONDS}s`,
		// Discord's whole budget for the one process that delivers: 1,000 posts in about 20 s.
		DISCORD_REQUESTS_PER_SECOND: '50',
	});
	bots.set(name, bot);
	return bot;
}

const isFollowerLine = (line: LogLine) =>
	typeof line.msg === 'string' && line.msg.startsWith('this process is a follower');
const isConnectedLine = (line: LogLine) =>
	line.msg === 'logged in to Discord' || line.msg === 'no gateway connection (SHARDS=none): REST only';
const isPoll = (r: { path: string; query: URLSearchParams }) =>
	r.path === '/api/mods' && r.query.get('sort') === 'updated_at';

/** The one of `candidates` that logs it leads in `term`. */
async function nextLeader(candidates: BotProcess[], term: number): Promise<BotProcess> {
	return Promise.any(
		candidates.map(async (bot) => {
			await bot.waitForLine((line) => isLeaderLine(line) && line.term === term, TAKEOVER_WAIT_MS);
			return bot;
		}),
	);
}

/** Poll requests during `seconds`. */
async function pollsDuring(seconds: number): Promise<number> {
	const before = portal.requests.length;
	await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
	return portal.requests.slice(before).filter(isPoll).length;
}

/** The alive process that logged the highest leader term, and that term. */
function currentLeader(): { bot: BotProcess; term: number } {
	let best: { bot: BotProcess; term: number } | undefined;
	for (const bot of bots.values()) {
		if (bot.child.exitCode !== null || bot.child.signalCode !== null) continue;
		for (const line of bot.lines) {
			if (isLeaderLine(line) && typeof line.term === 'number' && line.term > (best?.term ?? 0))
				best = { bot, term: line.term };
		}
	}
	if (!best) throw new Error('no alive process has led');
	return best;
}

/** The fan-out's channels: the extra text channels of the extra guilds, `count` of them, with their guild. */
function fanOutChannels(count: number): { guildId: string; channelId: string }[] {
	return discord.guilds
		.flatMap((guild) => guild.extraTextChannels.map((channelId) => ({ guildId: guild.id, channelId })))
		.slice(0, count);
}

/** Subscribes `channels` to `mod` by writing the rows into the store (the interaction path is covered elsewhere). */
async function subscribeDirectly(channels: { guildId: string; channelId: string }[], mod: string): Promise<void> {
	const rows: NewSubscriptionRow[] = channels.map(({ guildId, channelId }, index) =>
		subscriptionRow({
			id: `fan-${mod}-${index}`,
			guild_id: guildId,
			channel_id: channelId,
			target_kind: 'mod',
			target_key: `mod:${mod}`,
			mod_name: mod,
			created_by: discord.adminUserId,
			created_at: Date.now(),
		}),
	);
	await database.db.insertInto('subscriptions').values(rows).execute();
}

/** Channels of `channels` with at least one created message about `mod`, and the most such messages one has. */
function postedTo(channels: { channelId: string }[], mod: string): { reached: number; most: number } {
	const counts = channels.map(
		({ channelId }) =>
			discord.createdMessages(channelId).filter((message) => JSON.stringify(message.embeds).includes(`/mod/${mod}`))
				.length,
	);
	return { reached: counts.filter((n) => n > 0).length, most: Math.max(0, ...counts) };
}

/** Outbox rows of `mod` not sent yet (pending or failed). */
async function unsent(mod: string): Promise<number> {
	const row = await database.db
		.selectFrom('outbox')
		.select((eb) => eb.fn.countAll<string | number>().as('count'))
		.where('release_key', 'like', `${mod}@%`)
		.where('state', '!=', 'sent')
		.executeTakeFirstOrThrow();
	return Number(row.count);
}

/** Waits until `count` posts of a fan-out went out (the leader is in its middle). */
async function waitForPosts(channels: { channelId: string }[], mod: string, count: number): Promise<void> {
	await expect
		.poll(() => postedTo(channels, mod).reached, { timeout: TAKEOVER_WAIT_MS, interval: 50 })
		.toBeGreaterThanOrEqual(count);
}

beforeAll(async () => {
	store = await createTestStoreUrl('postgres');
	portal = await FakePortal.start();
	discord = await FakeDiscord.start({
		heartbeatIntervalMs: 5_000,
		shardCount: 2,
		guilds: [
			...guilds.map((id) => ({ id })),
			...Array.from({ length: FAN_OUT / 100 }, () => ({ extraTextChannels: 100 })),
		],
	});
	database = await openDatabase(store.url);
}, 60_000);

afterAll(async () => {
	for (const bot of bots.values()) {
		bot.signal('SIGCONT');
		bot.signal('SIGKILL');
	}
	await Promise.all([...bots.values()].map((bot) => bot.exited));
	await database.close();
	await discord.close();
	await portal.close();
	await store.drop();
});

describe('three bot processes on one PostgreSQL store', () => {
	it('does start one leader and two followers, one of them without a gateway connection', async () => {
		const a = start('a', '0');
		await a.waitForLine(isLeaderLine, 60_000);
		// Started together: their identifies take turns through the store.
		const others = [start('b', '1'), start('c', 'none')];
		await Promise.all(others.map((bot) => bot.waitForLine(isFollowerLine, 60_000)));
		await Promise.all([a, ...others].map((bot) => bot.waitForLine(isConnectedLine, 60_000)));
		expect(a.lines.find(isLeaderLine)?.term).toBe(1);
	}, 90_000);

	it('does answer commands in the guilds of both shards', async () => {
		for (const guild of discord.guilds.filter((g) => guilds.includes(g.id))) {
			const { id } = await discord.chatInput({
				name: 'mod',
				subcommand: 'search',
				options: { query: 'train' },
				guildId: guild.id,
				channelId: guild.channels.text,
			});
			expect((await discord.interactionReply(id)).type).toBe(4);
		}
	});

	it('does poll the portal from one process only', async () => {
		const seconds = 3 * POLL_SECONDS;
		const polls = await pollsDuring(seconds);
		// One poller ticks at most once per interval (plus one at the edges); three would poll about three times as often.
		expect(polls).toBeGreaterThanOrEqual(1);
		expect(polls).toBeLessThanOrEqual(seconds / POLL_SECONDS + 1);
	}, 30_000);

	it(
		'does hand the leadership to another process when the leader is killed (SIGKILL)',
		async () => {
			bots.get('a')!.signal('SIGKILL');
			await bots.get('a')!.exited;
			await nextLeader([bots.get('b')!, bots.get('c')!], 2);
			// The new leader polls: the portal sees the poller again.
			const before = portal.requests.length;
			await expect.poll(() => portal.requests.slice(before).some(isPoll), { timeout: TAKEOVER_WAIT_MS }).toBe(true);
		},
		2 * TAKEOVER_WAIT_MS + 10_000,
	);

	it(
		'does hand the leadership over when the leader is frozen (SIGSTOP), and the woken one does not poll',
		async () => {
			const frozen = [bots.get('b')!, bots.get('c')!].find((bot) =>
				bot.lines.some((line) => isLeaderLine(line) && line.term === 2),
			)!;
			const other = frozen === bots.get('b') ? bots.get('c')! : bots.get('b')!;
			frozen.signal('SIGSTOP');
			await nextLeader([other], 3);
			frozen.signal('SIGCONT');
			await frozen.waitForLine(
				(line) => line.msg === 'this process lost the leadership (its database session ended)',
				TAKEOVER_WAIT_MS,
			);
			const seconds = 3 * POLL_SECONDS;
			expect(await pollsDuring(seconds)).toBeLessThanOrEqual(seconds / POLL_SECONDS + 1);
			expect(frozen.lines.filter((line) => isLeaderLine(line) && line.term === 4)).toEqual([]);
		},
		2 * TAKEOVER_WAIT_MS + 20_000,
	);

	it('does post to every channel of a 1,000-channel fan-out exactly once when the leader is killed in its middle', async () => {
		// A third process again, so that two remain for the SIGSTOP fan-out below.
		await start('d', 'none').waitForLine(isFollowerLine, 60_000);
		const channels = fanOutChannels(FAN_OUT);
		expect(channels).toHaveLength(FAN_OUT);
		await subscribeDirectly(channels, 'FARL');
		const { bot: leader, term } = currentLeader();
		portal.addRelease('FARL', { version: '9.0.0', factorio_version: '2.0' });
		await waitForPosts(channels, 'FARL', FAN_OUT / 4);
		leader.signal('SIGKILL');
		await leader.exited;
		expect(postedTo(channels, 'FARL').reached).toBeLessThan(FAN_OUT);
		await nextLeader(
			[...bots.values()].filter((bot) => bot !== leader && bot.child.exitCode === null),
			term + 1,
		);
		await expect.poll(() => postedTo(channels, 'FARL').reached, { timeout: 60_000, interval: 200 }).toBe(FAN_OUT);
		await expect.poll(() => unsent('FARL'), { timeout: TAKEOVER_WAIT_MS }).toBe(0);
		expect(postedTo(channels, 'FARL').most).toBe(1);
	}, 150_000);

	it('does not post twice when a leader frozen (SIGSTOP) in the middle of a fan-out wakes after the takeover', async () => {
		const channels = fanOutChannels(FROZEN_FAN_OUT);
		await subscribeDirectly(channels, 'bobplates');
		const { bot: frozen, term } = currentLeader();
		portal.addRelease('bobplates', { version: '9.0.0', factorio_version: '2.0' });
		await waitForPosts(channels, 'bobplates', FROZEN_FAN_OUT / 4);
		frozen.signal('SIGSTOP');
		const others = [...bots.values()].filter((bot) => bot !== frozen && bot.child.exitCode === null);
		await nextLeader(others, term + 1);
		await expect
			.poll(() => postedTo(channels, 'bobplates').reached, { timeout: 60_000, interval: 200 })
			.toBe(FROZEN_FAN_OUT);
		frozen.signal('SIGCONT');
		await frozen.waitForLine(
			(line) => line.msg === 'this process lost the leadership (its database session ended)',
			TAKEOVER_WAIT_MS,
		);
		// The woken process had posts claimed and requests under way: give them time to go out, if they do.
		await new Promise((resolve) => setTimeout(resolve, 2 * LEASE_SECONDS * 1000));
		expect(postedTo(channels, 'bobplates').most).toBe(1);
		expect(await unsent('bobplates')).toBe(0);
		// The FARL fan-out was not touched again either.
		expect(postedTo(fanOutChannels(FAN_OUT), 'FARL').most).toBe(1);
	}, 150_000);
});
