/**
 * Issue 6 #8 and #9 through the real bot: a post whose outcome is unknown is looked for before it is sent again
 * past the nonce window; a payload Discord refuses is sent once in the reduced form, then given up on with the
 * reason shown in /subscriptions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/app.js';
import { createHarness, type Harness } from './helpers.js';

const NEVER = '0 0 1 1 *';
const DAY = 24 * 3_600_000;

let h: Harness;
let bot: Bot;

function titles(channelId: string): string[] {
	return h.discord.createdMessages(channelId).flatMap((m) => m.embeds.map((e: { title?: string }) => e.title ?? ''));
}

async function command(name: string, subcommand: string | undefined, options: Record<string, string>) {
	const { id } = await h.discord.chatInput({ name, subcommand, options, user: 'admin' });
	const reply = await h.discord.interactionReply(id);
	return reply.data as { content?: string; embeds?: { description?: string }[] };
}

const tick = () => bot.jobs.releasePoller.run();

/** Discord refuses the next `times` messages into `channelId` as an invalid form body. */
function refuseMessages(channelId: string, times: number): void {
	h.discord.injectFault({
		method: 'POST',
		path: new RegExp(`^/channels/${channelId}/messages$`),
		status: 400,
		body: { code: 50035, message: 'Invalid Form Body' },
		times,
	});
}

beforeAll(async () => {
	h = await createHarness({ env: { POLL_CRON: NEVER, CATALOG_CRON: NEVER } });
	bot = await h.start();
	await tick();
	await command('subscribe', 'mod', { name: 'FARL', channel: h.discord.channels.text });
});

afterAll(async () => {
	await h.close();
});

describe('exactly once and refused posts', () => {
	it('does not post again past the nonce window when Discord took the message but the answer was lost', async () => {
		const { text } = h.discord.channels;
		h.discord.injectFault({
			method: 'POST',
			path: new RegExp(`^/channels/${text}/messages$`),
			status: 500,
			afterHandling: true,
			times: 10,
		});
		h.portal.addRelease('FARL', { version: '3.0.0', factorio_version: '0.16' });
		await tick();
		expect(titles(text).filter((t) => t === 'Fully Automated Rail Layer 3.0.0')).toHaveLength(1);
		h.discord.clearFaults();
		// Discord forgets the nonce; the retry comes a day later and looks in the channel first.
		h.discord.passTime(DAY);
		const before = h.discord.messages(text).length;
		await bot.context.feed.deliverDue(new Date(Date.now() + DAY));
		expect(h.discord.messages(text)).toHaveLength(before);
		expect(titles(text).filter((t) => t === 'Fully Automated Rail Layer 3.0.0')).toHaveLength(1);
		expect((await bot.context.feed.outbox.stats()).pending).toBe(0);
	});

	it('does open the forum post once when the bot crashed while opening it and restarts past the nonce window', async () => {
		const { forum } = h.discord.channels;
		await command('subscribe', 'mod', { name: 'Squeak Through', channel: forum });
		// Discord opens the post, then the connection drops: the bot never learns it exists (a crash mid-request).
		h.discord.injectFault({
			method: 'POST',
			path: new RegExp(`^/channels/${forum}/threads$`),
			connection: 'drop',
			afterHandling: true,
		});
		h.portal.addRelease('Squeak Through', { version: '9.0.0', factorio_version: '0.16' });
		await tick();
		const opened = () => h.discord.requestsTo('POST', new RegExp(`^/channels/${forum}/threads$`));
		expect(opened()).toHaveLength(1);
		expect((await bot.context.feed.outbox.stats()).pending).toBe(1);
		// The bot stops and starts again a day later: Discord has forgotten every nonce.
		await bot.stop();
		h.discord.passTime(DAY);
		bot = await h.start();
		await bot.context.feed.deliverDue(new Date(Date.now() + DAY));
		expect(opened()).toHaveLength(1);
		expect(
			h.discord.forumPosts(forum).filter((post) => String(post.thread.name).includes('Squeak Through')),
		).toHaveLength(1);
		expect((await bot.context.feed.outbox.stats()).pending).toBe(0);
		const thread = await bot.database.db
			.selectFrom('forum_threads')
			.select('thread_id')
			.where('mod_name', '=', 'Squeak Through')
			.executeTakeFirst();
		expect(thread?.thread_id).toBeDefined();
	});

	it('does send a refused post once in the reduced form', async () => {
		const { text } = h.discord.channels;
		refuseMessages(text, 1);
		h.portal.addRelease('FARL', { version: '3.0.1', factorio_version: '0.16' }, { changelog: 'Changes:\n  - A lot.' });
		await tick();
		const posted = h.discord.createdMessages(text).filter((m) => JSON.stringify(m.embeds).includes('3.0.1'));
		expect(posted).toHaveLength(1);
		expect(JSON.stringify(posted[0]!.embeds)).not.toContain('A lot.');
	});

	it('does give up on a post refused in the reduced form too and shows why in /subscriptions', async () => {
		const { text } = h.discord.channels;
		refuseMessages(text, 2);
		h.portal.addRelease('FARL', { version: '3.0.2', factorio_version: '0.16' });
		await tick();
		expect(titles(text)).not.toContain('Fully Automated Rail Layer 3.0.2');
		expect(await bot.context.feed.outbox.stats()).toMatchObject({ pending: 0, failed: 1 });
		const shown = ((await command('subscriptions', undefined, {})).embeds ?? []).map((e) => e.description).join('\n');
		expect(shown).toContain('1 post could not be sent: refused in the reduced form too');
		// Not retried: the next pass sends nothing.
		const before = h.discord.messages(text).length;
		await bot.context.feed.deliverDue(new Date(Date.now() + DAY));
		expect(h.discord.messages(text)).toHaveLength(before);
	});
});
