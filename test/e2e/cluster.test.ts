/**
 * Several bots on one PostgreSQL store against one fake Discord with two shards (issue 9), in this test process:
 * each bot runs the real composition root with its own `SHARDS`. The same with separate OS processes, killed and
 * frozen, is in `clusterProcesses.test.ts`.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Bot } from '../../src/app.js';
import { createTestStoreUrl, type TestStoreUrl } from '../support/database.js';
import { shardOf } from '../support/fakeDiscord.js';
import { createHarness, type Harness } from './helpers.js';

/** A guild id whose shard (of two) is `shard`. */
function guildOnShard(shard: number): string {
	const id = (1_400_000_000_000n + BigInt(shard)) << 22n;
	expect(shardOf(id.toString(), 2)).toBe(shard);
	return id.toString();
}

let h: Harness;
let store: TestStoreUrl;
let bots: Bot[];
const guilds = [guildOnShard(0), guildOnShard(1)];

beforeAll(async () => {
	store = await createTestStoreUrl('postgres');
	h = await createHarness({
		discord: { shardCount: 2, guilds: guilds.map((id) => ({ id })) },
		env: { STORE_URL: store.url, SHARD_COUNT: '2' },
	});
	// Sequential starts: the first is the leader (it seeds the store with the catalog), the others follow.
	bots = [await h.start({ SHARDS: '0' }), await h.start({ SHARDS: '1' }), await h.start({ SHARDS: 'none' })];
}, 60_000);

afterAll(async () => {
	// @keyv/postgres keeps one pool per URL for the whole process, shared by these bots: the first bot to stop ends
	// it, and the others' stop then fails on it (one bot per process, as in production, is not affected).
	for (const bot of h.bots.splice(0)) await bot.stop().catch(() => undefined);
	await h.close();
	await store.drop();
});

/** Requests of the release poller (the list sorted by last update) since `from`. */
function pollRequests(from: number): number {
	return h.portal.requests.slice(from).filter((r) => r.path === '/api/mods' && r.query.get('sort') === 'updated_at')
		.length;
}

describe('three bots on one PostgreSQL store', () => {
	it('does make exactly one of them the leader', () => {
		expect(bots.map((bot) => bot.leader.isLeader)).toEqual([true, false, false]);
	});

	it('does answer commands in the guilds of both shards, each from the bot connected to its shard', async () => {
		for (const guildId of guilds) {
			const { id } = await h.discord.chatInput({
				name: 'mod',
				subcommand: 'search',
				options: { query: 'train' },
				guildId,
				channelId: h.discord.guilds.find((guild) => guild.id === guildId)!.channels.text,
			});
			const reply = await h.discord.interactionReply(id);
			expect(reply.type).toBe(4);
		}
		expect(bots[0]!.client.guilds.cache.map((guild) => guild.id)).toEqual([guilds[0]]);
		expect(bots[1]!.client.guilds.cache.map((guild) => guild.id)).toEqual([guilds[1]]);
	});

	it('does give every follower the catalog the leader stored, and the refreshed one after a refresh', async () => {
		const leader = bots[0]!;
		expect(bots.map((bot) => bot.context.catalog.size)).toEqual(bots.map(() => leader.context.catalog.size));
		await leader.jobs.catalogRefresh.run();
		const refreshed = leader.context.catalog.fetchedAt?.getTime();
		await vi.waitFor(() => {
			expect(bots.map((bot) => bot.context.catalog.fetchedAt?.getTime())).toEqual([refreshed, refreshed, refreshed]);
		});
	});

	it('does poll the portal from the leader only', async () => {
		const before = h.portal.requests.length;
		await Promise.all(bots.map((bot) => bot.jobs.releasePoller.run()));
		expect(pollRequests(before)).toBe(1);
	});

	it('does hand the leadership to another bot when the leader gives it up, which then polls alone', async () => {
		await bots[0]!.leader.stop();
		await vi.waitFor(
			() => {
				expect(bots.slice(1).filter((bot) => bot.leader.isLeader)).toHaveLength(1);
			},
			{ timeout: 10_000 },
		);
		const before = h.portal.requests.length;
		await Promise.all(bots.map((bot) => bot.jobs.releasePoller.run()));
		expect(pollRequests(before)).toBe(1);
	});
});
