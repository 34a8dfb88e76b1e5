import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/app.js';
import { createHarness, type Harness } from './helpers.js';

const NEVER = '0 0 1 1 *';
const EPHEMERAL = 64;

let h: Harness;
let bot: Bot;

beforeAll(async () => {
	h = await createHarness({ env: { POLL_CRON: NEVER, CATALOG_CRON: NEVER } });
	bot = await h.start();
	await bot.jobs.releasePoller.run();
	expect(await bot.tracker.seededAt()).toBeDefined();
});

afterAll(async () => {
	await h.close();
});

async function run(name: string, subcommand: string | undefined, options: Record<string, string>) {
	const { id } = await h.discord.chatInput({ name, subcommand, options, user: 'admin' });
	const reply = await h.discord.interactionReply(id);
	const data = reply.data as { content?: string; flags?: number };
	return { ...data, flags: data.flags ?? h.discord.replyMessage(id)?.flags };
}

describe('a 429 with a long Retry-After', () => {
	it('does pause every portal request for 120 s and tell users and admins when the portal is asked again', async () => {
		h.portal.addMod({
			name: 'newer-than-catalog',
			title: 'Newer',
			latest_release: { version: '0.1.0', info_json: { factorio_version: '0.16' } },
		});
		h.portal.fault({ kind: '429', retryAfter: 120, times: 1 });
		const before = h.portal.requests.length;
		const startedAt = Date.now();

		const first = await run('mod', 'info', { name: 'FARL' });
		expect(h.portal.requests.length - before).toBe(1);
		expect(first.flags).toBe(EPHEMERAL);
		const match = /^The Factorio mod portal asked the bot to slow down\. Try again <t:(\d+):R>\.$/.exec(
			first.content ?? '',
		);
		expect(match).not.toBeNull();
		expect(Number(match![1]) * 1000).toBeGreaterThanOrEqual(startedAt + 119_000);

		// Inside the pause: other mods, a mod only the portal knows, the poller, the catalog refresh, autocomplete.
		for (const [command, sub, options] of [
			['mod', 'info', { name: 'bobplates' }],
			['mod', 'changelog', { name: 'Squeak Through' }],
			['subscribe', 'mod', { name: 'newer-than-catalog' }],
		] as const) {
			const answer = await run(command, sub, options);
			expect(answer.flags).toBe(EPHEMERAL);
			expect(answer.content).toMatch(/^The Factorio mod portal asked the bot to slow down\. Try again <t:\d+:R>\.$/);
		}
		await bot.jobs.releasePoller.run();
		await bot.jobs.catalogRefresh.run();
		const { id } = await h.discord.autocomplete({
			name: 'mod',
			subcommand: 'changelog',
			options: { name: 'bobplates', version: '' },
			focused: 'version',
		});
		expect((await h.discord.interactionReply(id)).data).toEqual({ choices: [] });

		// Not one more request went out inside the 120 s.
		expect(h.portal.requests.length - before).toBe(1);
		expect(await bot.context.subscriptions.list(h.discord.guildId)).toHaveLength(0);

		const health = await run('subscriptions', undefined, {});
		expect(health.content).toMatch(
			/\(the mod portal: rate limited\); the bot backs off, next check <t:\d+:R>\. Nothing is lost/,
		);
		expect(bot.context.feed.status.nextCheckAt!.getTime()).toBeGreaterThanOrEqual(startedAt + 119_000);
	});
});
