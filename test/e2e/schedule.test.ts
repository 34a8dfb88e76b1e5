import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/app.js';
import { createHarness, type Harness } from './helpers.js';

let h: Harness;
let bot: Bot;

beforeAll(async () => {
	// A seconds field in POLL_CRON: the poller runs every second, as the README allows for tests.
	h = await createHarness({ env: { POLL_CRON: '* * * * * *', CATALOG_CRON: '0 0 1 1 *' } });
	bot = await h.start();
});

afterAll(async () => {
	await h.close();
});

describe('the release poller on its schedule', () => {
	it('does post a new release by itself, without anyone running a tick', async () => {
		const { id } = await h.discord.chatInput({
			name: 'subscribe',
			subcommand: 'mod',
			options: { name: 'FARL' },
			user: 'admin',
		});
		await h.discord.interactionReply(id);
		await expect.poll(async () => (await bot.tracker.seededAt()) !== undefined, { timeout: 5000 }).toBe(true);
		// Let one tick pass after seeding so the release is found by polling, not by the seed.
		await expect.poll(() => bot.context.feed.status.lastSuccessAt, { timeout: 5000 }).toBeDefined();
		h.portal.addRelease('FARL', { version: '2.1.0', factorio_version: '0.16' });
		const post = await h.discord.waitFor(
			(r) => r.method === 'POST' && r.path === `/channels/${h.discord.channels.text}/messages` && r.status < 300,
			10_000,
		);
		expect(JSON.stringify(post.body)).toContain('Fully Automated Rail Layer 2.1.0');
	});
});
