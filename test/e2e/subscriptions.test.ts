import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/app.js';
import type { FakeMessage } from '../support/fakeDiscord.js';
import { createHarness, type Harness } from './helpers.js';

interface Embed {
	title?: string;
	url?: string;
	description?: string;
	author?: { name: string };
	fields?: { name: string; value: string }[];
}

const NEVER = '0 0 1 1 *';
const EPHEMERAL = 64;

let h: Harness;
let bot: Bot;

/** Messages created in a channel (a nonce repeat does not count), with their embeds typed. */
function posts(channelId: string): { message: FakeMessage; embeds: Embed[] }[] {
	return h.discord.createdMessages(channelId).map((message) => ({ message, embeds: message.embeds }));
}

function titles(channelId: string): string[] {
	return posts(channelId).flatMap((m) => m.embeds.map((e) => e.title ?? ''));
}

/** Forum posts (threads) the bot opened in the forum channel, by name. */
function forumPosts(): string[] {
	return h.discord
		.requestsTo('POST', new RegExp(`^/channels/${h.discord.channels.forum}/threads$`))
		.filter((r) => r.status < 300)
		.map((r) => r.json<{ name: string }>().name);
}

async function command(
	name: string,
	subcommand: string | undefined,
	options: Record<string, string>,
	user: 'admin' | 'member' = 'admin',
) {
	const { id } = await h.discord.chatInput({ name, subcommand, options, user });
	const reply = await h.discord.interactionReply(id);
	// A deferred answer's flags (ephemeral) are those of the reply message, not of the edit that filled it.
	const flags = (reply.data.flags as number | undefined) ?? h.discord.replyMessage(id)?.flags;
	return { ...reply.data, flags } as { content?: string; flags?: number; embeds?: Embed[] };
}

async function tick(): Promise<void> {
	await bot.jobs.releasePoller.run();
}

beforeAll(async () => {
	h = await createHarness({ env: { POLL_CRON: NEVER, CATALOG_CRON: NEVER } });
	bot = await h.start();
});

afterAll(async () => {
	await h.close();
});

describe('release announcements end to end', () => {
	it('seeds the known releases on the very first run and posts nothing', async () => {
		await tick();
		expect(await bot.tracker.seededAt()).toBeDefined();
		expect(h.discord.requestsTo('POST', /^\/channels\/\d+\/(messages|threads)$/)).toHaveLength(0);
	});

	it('subscribes channels by interaction and reports a repeat instead of duplicating it', async () => {
		const { text, announcement, forum } = h.discord.channels;
		const farl = await command('subscribe', 'mod', { name: 'FARL', channel: text });
		expect(farl.flags).toBe(EPHEMERAL);
		expect(farl.content).toMatch(/^Subscribed mod FARL/);
		const bob = await command('subscribe', 'owner', {
			name: 'bobingabout',
			channel: announcement,
			role: h.discord.guilds[0]!.roles.admin,
			changelog: 'summary',
		});
		expect(bob.content).toMatch(/^Subscribed owner Bobingabout/);
		const all = await command('subscribe', 'all', { factorio_version: '0.16', channel: forum });
		expect(all.content).toMatch(/^Subscribed all/);
		const again = await command('subscribe', 'mod', { name: 'Fully Automated Rail Layer', channel: text });
		expect(again.content).toMatch(/^Already subscribed/);
		expect(await bot.context.subscriptions.list(h.discord.guildId)).toHaveLength(3);
	});

	it('refuses members without Manage Channels and channels the bot cannot post in, naming the permissions', async () => {
		const member = await command('subscribe', 'mod', { name: 'FARL' }, 'member');
		expect(member.flags).toBe(EPHEMERAL);
		expect(member.content).toContain('Manage Channels');
		const noAccess = await command('subscribe', 'mod', { name: 'FARL', channel: h.discord.channels.noAccess });
		expect(noAccess.content).toContain('View Channel');
		expect(noAccess.content).toContain('Send Messages');
		const unknown = await command('subscribe', 'mod', { name: 'no-such-mod-anywhere' });
		expect(unknown.content).toContain('No mod named');
		expect(await bot.context.subscriptions.list(h.discord.guildId)).toHaveLength(3);
	});

	it('posts exactly the new releases into exactly the subscribed channels', async () => {
		const { text, announcement } = h.discord.channels;
		const now = Date.now();
		const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
		h.portal.addRelease(
			'FARL',
			{ version: '2.0.5', factorio_version: '0.16', released_at: at(3) },
			{ changelog: 'Bugfixes:\n    - Fixed placing rails on water.' },
		);
		h.portal.addRelease('FARL', { version: '2.0.6', factorio_version: '0.16', released_at: at(2) });
		h.portal.addRelease('bobplates', { version: '0.16.1', factorio_version: '0.16', released_at: at(2) });
		h.portal.addRelease('bobconfig', { version: '0.14.1', factorio_version: '0.14', released_at: at(1) });
		h.portal.addMod({
			name: 'brand-new-mod',
			title: 'Brand New Mod',
			owner: 'newcomer',
			summary: 'Something new.',
			downloads_count: 0,
			latest_release: { version: '0.1.0', released_at: at(1), info_json: { factorio_version: '0.16' } },
		});
		h.portal.touch('Squeak Through');
		const before = h.portal.requests.length;

		await tick();

		// FARL: two releases between ticks are two embeds, oldest first, in one message.
		expect(posts(text)).toHaveLength(1);
		expect(titles(text)).toEqual(['Fully Automated Rail Layer 2.0.5', 'Fully Automated Rail Layer 2.0.6']);
		expect(posts(text)[0]!.embeds[0]!.description).toContain('Fixed placing rails on water.');
		// Bobingabout: both of his releases, whatever their Factorio version, with the role ping and only that role allowed.
		expect(titles(announcement).sort()).toEqual([
			"Bob's Config mod 0.14.1",
			"Bob's Metals, Chemicals and Intermediates 0.16.1",
		]);
		const bobPost = h.discord.messages(announcement).find((r) => r.status < 300)!.body as {
			content: string;
			allowed_mentions: { roles: string[]; parse: string[] };
		};
		expect(bobPost.content).toContain(`<@&${h.discord.guilds[0]!.roles.admin}>`);
		expect(bobPost.allowed_mentions).toEqual({ parse: [], roles: [h.discord.guilds[0]!.roles.admin] });
		expect(
			h.discord.requestsTo('POST', new RegExp(`^/channels/${announcement}/messages/\\d+/crosspost$`)),
		).toHaveLength(1);
		// All 0.16 releases and new mods: one forum post per mod; not the 0.14 release, not the page-only edit.
		expect(forumPosts().sort()).toEqual([
			"Bob's Metals, Chemicals and Intermediates",
			'Brand New Mod',
			'Fully Automated Rail Layer',
		]);
		// Portal cost: the changed mods' full fetches plus the list pages.
		const fullFetches = h.portal.requests.slice(before).filter((r) => r.path.endsWith('/full'));
		expect(fullFetches.map((r) => decodeURIComponent(r.path)).sort()).toEqual([
			'/api/mods/FARL/full',
			'/api/mods/bobconfig/full',
			'/api/mods/bobplates/full',
			'/api/mods/brand-new-mod/full',
		]);
	});

	it('posts nothing more on the next tick when nothing changed, with one portal request', async () => {
		const created = h.discord.requestsTo('POST', /^\/channels\/\d+\/(messages|threads)$/).length;
		const before = h.portal.requests.length;
		await tick();
		expect(h.discord.requestsTo('POST', /^\/channels\/\d+\/(messages|threads)$/)).toHaveLength(created);
		expect(h.portal.requests.length - before).toBe(1);
	});

	it('puts a later release of the same mod into its existing forum post', async () => {
		h.portal.addRelease('brand-new-mod', { version: '0.1.1', factorio_version: '0.16' });
		await tick();
		expect(forumPosts()).toHaveLength(3);
		const all = (await bot.context.subscriptions.list(h.discord.guildId)).find((s) => s.target.kind === 'all')!;
		const threadId = (
			await bot.database.db
				.selectFrom('forum_threads')
				.select('thread_id')
				.where('subscription_id', '=', all.id)
				.where('mod_name', '=', 'brand-new-mod')
				.executeTakeFirst()
		)?.thread_id;
		expect(threadId).toBeDefined();
		// The post opened with 0.1.0 (its starter message); 0.1.1 went into the same post.
		expect(titles(threadId!)).toEqual(['Brand New Mod 0.1.0', 'Brand New Mod 0.1.1']);
	});

	it('pauses a subscription on 403, shows it in /subscriptions, keeps the others working, and resumes', async () => {
		const { text, announcement } = h.discord.channels;
		h.discord.injectFault({
			method: 'POST',
			path: new RegExp(`^/channels/${text}/messages$`),
			status: 403,
			body: { code: 50013, message: 'Missing Permissions' },
			times: 5,
		});
		h.portal.addRelease('FARL', { version: '2.0.7', factorio_version: '0.16' });
		h.portal.addRelease('bobplates', { version: '0.16.2', factorio_version: '0.16' });
		await tick();
		expect(titles(text)).not.toContain('Fully Automated Rail Layer 2.0.7');
		expect(titles(announcement)).toContain("Bob's Metals, Chemicals and Intermediates 0.16.2");
		const farl = (await bot.context.subscriptions.list(h.discord.guildId)).find((s) => s.target.kind === 'mod')!;
		expect(farl.health.state).toBe('paused');

		const list = await command('subscriptions', undefined, {});
		expect(list.flags).toBe(EPHEMERAL);
		const shown = (list.embeds ?? []).map((e) => e.description).join('\n');
		expect(shown).toMatch(/paused.*Missing Permissions/);
		expect(shown).toContain('active');

		h.discord.clearFaults();
		const resumed = await command('subscribe', 'mod', { name: 'FARL', channel: text });
		expect(resumed.content).toMatch(/^Resumed/);
		await tick();
		expect(titles(text).filter((t) => t === 'Fully Automated Rail Layer 2.0.7')).toHaveLength(1);
	});

	it('announces everything after the portal was down for several ticks', async () => {
		h.portal.addRelease('FARL', { version: '2.0.8', factorio_version: '0.16' });
		h.portal.fault({ kind: '5xx' });
		try {
			await tick();
			await tick();
		} finally {
			h.portal.clearFaults();
		}
		expect(titles(h.discord.channels.text)).not.toContain('Fully Automated Rail Layer 2.0.8');
		const failing = await command('subscriptions', undefined, {});
		expect(failing.content).toMatch(
			/^⚠️ Release checks have been failing since <t:\d+:R> \(the mod portal: unavailable\)/,
		);
		await tick();
		expect(titles(h.discord.channels.text).filter((t) => t === 'Fully Automated Rail Layer 2.0.8')).toHaveLength(1);
		expect((await command('subscriptions', undefined, {})).content).toMatch(/^Release feed: last checked <t:\d+:R>\.$/);
	});

	it('neither loses nor repeats a post when the bot restarts after Discord took it but before the bot knew', async () => {
		const { text } = h.discord.channels;
		// Discord creates the message, but every answer is lost (as if the bot died right after sending).
		h.discord.injectFault({
			method: 'POST',
			path: new RegExp(`^/channels/${text}/messages$`),
			status: 500,
			afterHandling: true,
			times: 10,
		});
		h.portal.addRelease('FARL', { version: '2.0.9', factorio_version: '0.16' });
		await tick();
		expect(titles(text).filter((t) => t === 'Fully Automated Rail Layer 2.0.9')).toHaveLength(1);
		await bot.stop();
		h.discord.clearFaults();

		const registrations = h.discord.requestsTo('PUT', /\/commands$/).length;
		bot = await h.start();
		// Unchanged commands are not uploaded again on restart.
		expect(h.discord.requestsTo('PUT', /\/commands$/)).toHaveLength(registrations);
		// The restarted bot finds the post pending and sends it again with the same nonce: Discord returns the first one.
		await bot.context.feed.deliverDue(new Date(Date.now() + 24 * 3600_000));
		const sends = h.discord.messages(text).filter((r) => JSON.stringify(r.body).includes('2.0.9'));
		expect(sends.length).toBeGreaterThan(1);
		expect(new Set(sends.map((r) => (r.body as { nonce: string }).nonce)).size).toBe(1);
		expect(titles(text).filter((t) => t === 'Fully Automated Rail Layer 2.0.9')).toHaveLength(1);
		expect((await bot.context.feed.outbox.stats()).pending).toBe(0);
	});

	it('announces recent releases found by the catalog refresh reconciliation and records old ones silently', async () => {
		const { announcement } = h.discord.channels;
		const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3600_000).toISOString();
		h.portal.addRelease('bobwarfare', { version: '0.16.4', factorio_version: '0.16', released_at: hoursAgo(72) });
		h.portal.addRelease('bobwarfare', { version: '0.16.5', factorio_version: '0.16', released_at: hoursAgo(2) });
		await bot.jobs.catalogRefresh.run();
		await tick();
		expect(titles(announcement).filter((t) => t.startsWith("Bob's Warfare"))).toEqual(["Bob's Warfare 0.16.5"]);
		expect(await bot.tracker.known('bobwarfare')).toBe('0.16.5');
	});

	it('sends one digest instead of a flood when a channel gets more than DIGEST_THRESHOLD releases', async () => {
		const thread = h.discord.channels.thread;
		await command('subscribe', 'all', { channel: thread, changelog: 'none' });
		const mods = [
			'angelsrefining',
			'angelssmelting',
			'angelspetrochem',
			'bobassembly',
			'bobelectronics',
			'bobenemies',
			'bobgreenhouse',
			'bobinserters',
			'boblibrary',
			'boblogistics',
			'bobmining',
			'bobmodules',
		];
		for (const mod of mods) h.portal.addRelease(mod, { version: '9.9.9', factorio_version: '0.16' });
		await tick();
		const digest = posts(thread);
		expect(digest).toHaveLength(1);
		const text = JSON.stringify(digest[0]!.embeds);
		for (const mod of mods) expect(text).toContain(`/mod/${mod}`);
	});

	it('announces a normal release beside a poisoned mod, skips the poisoned one and shows it in /subscriptions', async () => {
		const { text, announcement } = h.discord.channels;
		// bobconfig's answer fails the schema on every request; FARL is released in the same tick.
		h.portal.fault({ kind: 'garbage', path: /^\/api\/mods\/bobconfig\/full$/ });
		h.portal.addRelease('bobconfig', { version: '0.16.9', factorio_version: '0.16' });
		h.portal.addRelease('FARL', { version: '2.0.10', factorio_version: '0.16' });
		try {
			await tick();
			expect(titles(text).filter((t) => t === 'Fully Automated Rail Layer 2.0.10')).toHaveLength(1);
			expect(titles(announcement).some((t) => t.includes('0.16.9'))).toBe(false);
			// Not recorded as known, so it is detected again once it can be read.
			expect(await bot.tracker.known('bobconfig')).not.toBe('0.16.9');
			const health = await command('subscriptions', undefined, {});
			expect(health.content).toContain('1 mod could not be read');
			expect(health.content).toContain('bobconfig (the mod portal: invalid response)');
			// The next tick inside the mod's backoff does not ask for it again, and the feed goes on.
			const before = h.portal.requests.filter((r) => r.path === '/api/mods/bobconfig/full').length;
			await tick();
			expect(h.portal.requests.filter((r) => r.path === '/api/mods/bobconfig/full')).toHaveLength(before);
		} finally {
			h.portal.clearFaults();
		}
	});

	it('removes the subscriptions of a deleted channel', async () => {
		expect(
			(await bot.context.subscriptions.list(h.discord.guildId)).some((s) => s.channelId === h.discord.channels.forum),
		).toBe(true);
		h.discord.deleteChannel(h.discord.channels.forum);
		await expect
			.poll(async () =>
				(await bot.context.subscriptions.list(h.discord.guildId)).some((s) => s.channelId === h.discord.channels.forum),
			)
			.toBe(false);
		const list = await command('subscriptions', undefined, {});
		expect(JSON.stringify(list.embeds)).not.toContain(h.discord.channels.forum);
	});

	it('lets an admin unsubscribe through the autocomplete of this server’s subscriptions', async () => {
		const { id } = await h.discord.autocomplete({
			name: 'unsubscribe',
			options: { subscription: 'bob' },
			focused: 'subscription',
			user: 'admin',
		});
		const choices = ((await h.discord.interactionReply(id)).data as { choices: { name: string; value: string }[] })
			.choices;
		expect(choices).toHaveLength(1);
		expect(choices[0]!.name).toContain('owner Bobingabout');
		const reply = await command('unsubscribe', undefined, { subscription: choices[0]!.value });
		expect(reply.content).toMatch(/^Unsubscribed: owner Bobingabout/);
		expect((await bot.context.subscriptions.list(h.discord.guildId)).some((s) => s.target.kind === 'owner')).toBe(
			false,
		);
	});

	it('forgets every subscription of a server that removed the bot', async () => {
		expect((await bot.context.subscriptions.list(h.discord.guildId)).length).toBeGreaterThan(0);
		h.discord.removeGuild(h.discord.guildId);
		await expect.poll(() => bot.context.subscriptions.list(h.discord.guildId)).toHaveLength(0);
		expect(await bot.database.db.selectFrom('forum_threads').selectAll().execute()).toHaveLength(0);
		expect((await bot.context.feed.outbox.stats()).pending).toBe(0);
	});
});
