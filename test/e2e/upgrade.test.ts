/**
 * The upgrade from the keyv-document store: today's layout written with copies of today's writers
 * (test/support/legacy), then the bot started on it through `startBot`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/app.js';
import { PortalClient } from '../../src/services/portal/client.js';
import { Outbox, type Announcement } from '../support/legacy/outbox.js';
import { ReleaseTracker } from '../support/legacy/releaseTracker.js';
import { openStore } from '../support/legacy/store.js';
import { SubscriptionStore } from '../support/legacy/subscriptions.js';
import { createHarness, type Harness } from './helpers.js';

const NEVER = '0 0 1 1 *';

let h: Harness;
let bot: Bot;
/** The forum post the earlier version opened for FARL, the new release and the subscriptions' ids. */
let threadId: string;
let ids: { text: string; announcement: string; forum: string };
let newVersion: string;

function titles(channelId: string): string[] {
	return h.discord.createdMessages(channelId).flatMap((m) => m.embeds.map((e: { title?: string }) => e.title ?? ''));
}

function snapshot(key: string, title: string): Announcement {
	const at = key.lastIndexOf('@');
	return {
		key,
		mod: key.slice(0, at),
		title,
		owner: 'Choumiko',
		version: key.slice(at + 1),
		factorioVersion: '0.16',
		isNewMod: false,
	};
}

beforeAll(async () => {
	h = await createHarness({ env: { POLL_CRON: NEVER, CATALOG_CRON: NEVER } });
	const { text, announcement, forum } = h.discord.channels;
	// The forum post the earlier version opened for FARL (made through the REST API, as the bot did).
	const opened = await fetch(`${h.discord.apiUrl}/v10/channels/${forum}/threads`, {
		method: 'POST',
		headers: { authorization: `Bot ${h.discord.token}`, 'content-type': 'application/json' },
		body: JSON.stringify({ name: 'Fully Automated Rail Layer', message: { content: 'FARL 2.0.4' } }),
	});
	threadId = ((await opened.json()) as { id: string }).id;

	const store = await openStore(h.config.storeUrl);
	const subscriptions = new SubscriptionStore({ store, maxPerGuild: 50 });
	const outbox = new Outbox({ store, random: () => 0 });
	const tracker = new ReleaseTracker({ store });
	await Promise.all([subscriptions.load(), outbox.load(), tracker.load()]);
	const add = async (input: Parameters<SubscriptionStore['add']>[0]) => (await subscriptions.add(input)).subscription;
	const common = { guildId: h.discord.guildId, changelog: 'full' as const, createdBy: h.discord.adminUserId };
	const onText = await add({ ...common, channelId: text, target: { kind: 'mod', name: 'FARL' } });
	const onAnnouncement = await add({
		...common,
		channelId: announcement,
		target: { kind: 'author', owner: 'Bobingabout' },
	});
	const onForum = await add({ ...common, channelId: forum, target: { kind: 'mod', name: 'FARL' } });
	ids = { text: onText.id, announcement: onAnnouncement.id, forum: onForum.id };
	await subscriptions.pause(onAnnouncement.id, 'Missing Permissions: the bot cannot post there');
	await subscriptions.setForumThread(onForum.id, 'FARL', threadId);

	const portal = new PortalClient({ baseUrl: h.portal.url, timeoutMs: 2_000 });
	await tracker.seed((await portal.listMods({ pageSize: 'max', hideDeprecated: false })).mods, {
		at: new Date(Date.now() - 48 * 3_600_000),
	});
	// A FARL release the earlier version queued and posted to the text channel but had not recorded as known (it
	// stopped in between): the upgraded bot detects it again.
	newVersion = '9.0.0';
	h.portal.addRelease('FARL', { version: newVersion, factorio_version: '0.16' });
	const farl = snapshot(`FARL@${newVersion}`, 'Fully Automated Rail Layer');
	const bob = snapshot('bobplates@9.9.9', "Bob's Metals, Chemicals and Intermediates");
	await outbox.enqueue([
		{ subscription: onText, announcement: farl },
		{ subscription: onForum, announcement: farl },
		{ subscription: onAnnouncement, announcement: bob },
	]);
	const sent = `${onText.id}|${farl.key}`;
	await outbox.assignBatch([sent], outbox.nonce([{ id: sent }]));
	await outbox.markSent([sent], '600000000000000006');
	await store.disconnect();

	bot = await h.start();
});

afterAll(async () => {
	await h.close();
});

describe('upgrading a store of the earlier version', () => {
	it('does keep every subscription, with owner for author, the paused one and its reason', async () => {
		const list = await bot.context.subscriptions.list(h.discord.guildId);
		expect(list.map((s) => [s.id, s.target.kind, s.health.state])).toEqual([
			[ids.text, 'mod', 'active'],
			[ids.announcement, 'owner', 'paused'],
			[ids.forum, 'mod', 'active'],
		]);
		const paused = list.find((s) => s.id === ids.announcement);
		expect(paused?.health).toMatchObject({ reason: 'Missing Permissions: the bot cannot post there' });
	});

	it('does post the pending release once into the forum post opened before, and not again where it was sent', async () => {
		expect(await bot.tracker.seededAt()).toBeDefined();
		await bot.jobs.releasePoller.run();
		await bot.jobs.releasePoller.run();
		expect(titles(threadId)).toEqual([`Fully Automated Rail Layer ${newVersion}`]);
		expect(titles(h.discord.channels.text)).toEqual([]);
		// The paused subscription's post waits; no other forum post was opened.
		expect(titles(h.discord.channels.announcement)).toEqual([]);
		expect(h.discord.requestsTo('POST', new RegExp(`^/channels/${h.discord.channels.forum}/threads$`))).toHaveLength(1);
		expect(await bot.tracker.known('FARL')).toBe(newVersion);
		expect(await bot.context.feed.outbox.stats()).toEqual({ pending: 1, sent: 2, failed: 0 });
	});

	it('does announce nothing for the releases the earlier version knew', async () => {
		const before = h.discord.requestsTo('POST', /^\/channels\/\d+\/(messages|threads)$/).length;
		await bot.jobs.releasePoller.run();
		expect(h.discord.requestsTo('POST', /^\/channels\/\d+\/(messages|threads)$/)).toHaveLength(before);
	});
});
