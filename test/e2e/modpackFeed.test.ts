import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/app.js';
import { graphEntries } from '../services/modpack/support.js';
import { createHarness, type Harness } from './helpers.js';

interface Embed {
	title?: string;
	description?: string;
	fields?: { name: string; value: string }[];
}
interface Reply {
	content?: string;
	flags?: number;
	embeds?: Embed[];
	choices?: { name: string; value: string }[];
}

const NEVER = '0 0 1 1 *';
const EPHEMERAL = 64;

let h: Harness;
let bot: Bot;

beforeAll(async () => {
	h = await createHarness({ portal: { mods: graphEntries() }, env: { POLL_CRON: NEVER, CATALOG_CRON: NEVER } });
	bot = await h.start();
});

afterAll(async () => {
	await h.close();
});

async function command(
	name: string,
	subcommand: string | undefined,
	options: Record<string, string | boolean>,
): Promise<Reply> {
	const { id } = await h.discord.chatInput({ name, subcommand, options, user: 'admin' });
	const reply = await h.discord.interactionReply(id, 15_000);
	// A deferred answer's flags (ephemeral) are those of the reply message, not of the edit that filled it.
	const flags = (reply.data.flags as number | undefined) ?? h.discord.replyMessage(id)?.flags;
	return { ...(reply.data as Reply), flags };
}

/** The embeds the bot posted into a channel, oldest first. */
function embedsIn(channelId: string): Embed[] {
	return h.discord.createdMessages(channelId).flatMap((message) => message.embeds as Embed[]);
}

function verdictOf(embed: Embed | undefined): { name: string; value: string } | undefined {
	return embed?.fields?.find((field) => field.name.startsWith('For “'));
}

async function tick(): Promise<void> {
	await bot.jobs.releasePoller.run();
}

describe('/subscribe modpack end to end', () => {
	it('posts releases of a saved set’s mods and dependencies with their verdict, and nothing else', async () => {
		const { text } = h.discord.channels;
		await tick(); // seeds the known releases
		const saved = await command('modpack', 'save', {
			name: 'Main server',
			mods: 'Krastorio2',
			factorio_version: '1.1',
			space_age: false,
		});
		expect(saved.content).toMatch(/^Saved the set \*\*Main server\*\*/);

		const { id } = await h.discord.autocomplete({
			name: 'subscribe',
			subcommand: 'modpack',
			options: { name: 'serv' },
			focused: 'name',
			user: 'admin',
		});
		expect((await h.discord.interactionReply(id)).data.choices).toEqual([
			{ name: 'Main server', value: 'Main server' },
		]);
		const unknown = await command('subscribe', 'modpack', { name: 'no such set', channel: text });
		expect(unknown.flags).toBe(EPHEMERAL);
		expect(unknown.content).toBe(
			'This server has no saved mod set named `no such set`. Save one with `/modpack save`, or see `/modpack list`.',
		);
		const subscribed = await command('subscribe', 'modpack', { name: 'main SERVER', channel: text });
		expect(subscribed.flags).toBe(EPHEMERAL);
		expect(subscribed.content).toBe(`Subscribed mod set Main server → <#${text}> (changelog: full).`);
		const listed = await command('subscriptions', undefined, {});
		expect(listed.embeds?.[0]?.description).toContain('**mod set Main server**');

		const set = await bot.context.modpacks.get(h.discord.guildId, 'Main server');
		const krastorio = set?.mods.find((mod) => mod.name === 'Krastorio2');
		const flib = set?.mods.find((mod) => mod.name === 'flib');
		expect(flib?.listed).toBe(false);
		const outsider = graphEntries()
			.map((entry) => String(entry.name))
			.find((name) => /^[a-z]+$/i.test(name) && !set?.mods.some((mod) => mod.name === name));
		expect(outsider).toBeDefined();
		h.portal.addRelease('Krastorio2', {
			version: '9.0.0',
			factorio_version: '1.1',
			dependencies: [...(krastorio?.dependencies ?? []), 'base >= 1.1.200'],
		});
		h.portal.addRelease('flib', {
			version: '9.0.0',
			factorio_version: '1.1',
			dependencies: [...(flib?.dependencies ?? []), 'brand-new-requirement >= 1.0'],
		});
		h.portal.addRelease(outsider ?? '', { version: '9.0.0', factorio_version: '1.1' });

		await tick();

		const embeds = embedsIn(text);
		expect(embeds.map((embed) => embed.title?.endsWith(' 9.0.0'))).toEqual([true, true]);
		const byMod = new Map(embeds.map((embed) => [embed.title?.startsWith('flib') ? 'flib' : 'Krastorio2', embed]));
		const k = verdictOf(byMod.get('Krastorio2'));
		expect(k?.name).toBe('For “Main server” (Factorio 1.1)');
		expect(k?.value).toContain('⚠️ Needs action before updating');
		expect(k?.value).toContain('Needs Factorio 1.1.200 or newer (base >= 1.1.200)');
		const f = verdictOf(byMod.get('flib'));
		expect(f?.value).toContain('Adds a required dependency: brand-new-requirement >= 1.0, not in the set');
	});

	it('removes the subscription with the set, so later releases of its mods are not posted', async () => {
		const { text } = h.discord.channels;
		const before = embedsIn(text).length;
		const { id } = await h.discord.autocomplete({
			name: 'unsubscribe',
			options: { subscription: 'mod set' },
			focused: 'subscription',
			user: 'admin',
		});
		const choices = (await h.discord.interactionReply(id)).data.choices as { name: string }[];
		expect(choices.map((choice) => choice.name)).toEqual([expect.stringMatching(/^mod set Main server → #/)]);
		const removed = await command('modpack', 'remove', { name: 'main server' });
		expect(removed.flags).toBe(EPHEMERAL);
		const left = await bot.context.subscriptions.list(h.discord.guildId);
		expect(left.filter((subscription) => subscription.target.kind === 'modpack')).toEqual([]);
		h.portal.addRelease('Krastorio2', { version: '9.0.1', factorio_version: '1.1' });

		await tick();

		expect(embedsIn(text)).toHaveLength(before);
		expect(await bot.context.feed.outbox.stats()).toMatchObject({ pending: 0 });
	});
});
