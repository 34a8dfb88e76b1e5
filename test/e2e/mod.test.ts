import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createHarness, type Harness } from './helpers.js';

interface Embed {
	title?: string;
	url?: string;
	description?: string;
	fields?: { name: string; value: string }[];
	footer?: { text: string };
	thumbnail?: { url: string };
}
interface Component {
	type: number;
	custom_id?: string;
	url?: string;
	label?: string;
	disabled?: boolean;
	options?: { label: string; value: string }[];
	components?: Component[];
}
interface MessageData {
	content?: string;
	flags?: number;
	embeds?: Embed[];
	components?: Component[];
	choices?: { name: string; value: string }[];
}

const EPHEMERAL = 64;

function flatComponents(data: MessageData): Component[] {
	return (data.components ?? []).flatMap((row) => row.components ?? []);
}

let h: Harness;

beforeAll(async () => {
	h = await createHarness();
	await h.start();
});

afterAll(async () => {
	await h.close();
});

describe('the bot started through the composition root', () => {
	it('registers /mod in the configured guild with a bulk overwrite', async () => {
		const put = await h.discord.waitFor(
			(r) =>
				r.method === 'PUT' &&
				r.path === `/applications/${h.discord.applicationId}/guilds/${h.discord.guildId}/commands`,
		);
		const body =
			put.json<{ name: string; options?: { name: string }[]; default_member_permissions?: string | null }[]>();
		expect(body.map((c) => c.name)).toEqual(['mod', 'subscribe', 'unsubscribe', 'subscriptions', 'modpack']);
		expect(body[0]?.options?.map((o) => o.name)).toEqual(['search', 'info', 'changelog']);
		// Subscription commands are for members with Manage Channels (1 << 4) by default.
		expect(body.slice(1, 4).map((c) => c.default_member_permissions)).toEqual(['16', '16', '16']);
	});

	it('loaded the whole recorded catalogue with one max-size request', () => {
		const lists = h.portal.requests.filter((r) => r.path === '/api/mods' && r.query.get('page_size') === 'max');
		expect(lists).toHaveLength(1);
		expect(lists[0]?.query.get('hide_deprecated')).toBe('false');
		expect(h.bots[0]?.context.catalog.size).toBe(2538);
	});

	it('suggests mods while typing a name, labelled with version and owner', async () => {
		const { id } = await h.discord.autocomplete({
			name: 'mod',
			subcommand: 'info',
			options: { name: 'squeak thr' },
			focused: 'name',
		});
		const reply = await h.discord.interactionReply(id);
		expect(reply.type).toBe(8);
		const choices = (reply.data as MessageData).choices ?? [];
		expect(choices[0]).toEqual({ name: 'Squeak Through 1.2.1 · Supercheese', value: 'Squeak Through' });
		expect(choices.length).toBeLessThanOrEqual(25);
		for (const choice of choices) expect(choice.name.length).toBeLessThanOrEqual(100);
	});

	it('answers /mod search with a page of 10, the total, a select menu and page buttons', async () => {
		const { id } = await h.discord.chatInput({ name: 'mod', subcommand: 'search', options: { query: 'train' } });
		const reply = await h.discord.interactionReply(id);
		expect(reply.type).toBe(4);
		const data = reply.data as MessageData;
		const embed = data.embeds?.[0];
		expect(embed?.title).toContain('train');
		expect(embed?.description?.split('\n\n')).toHaveLength(10);
		expect(embed?.description).toContain(`${h.portal.url}/mod/`);
		expect(embed?.footer?.text).toMatch(/^Page 1\/\d+ · \d+ mods/);
		const components = flatComponents(data);
		expect(components.find((c) => c.type === 3)?.options).toHaveLength(10);
		const next = components.find((c) => c.label === 'Next');
		expect(next?.disabled).toBe(false);

		const page2 = await h.discord.component({ customId: next!.custom_id!, componentType: 2 });
		const update = await h.discord.interactionReply(page2.id);
		expect(update.type).toBe(7);
		expect((update.data as MessageData).embeds?.[0]?.footer?.text).toMatch(/^Page 2\//);
		expect((update.data as MessageData).embeds?.[0]?.description).toMatch(/^11\. /);
	});

	it('opens a mod from the search select menu, privately', async () => {
		const { id } = await h.discord.component({ customId: 'mod:open', componentType: 3, values: ['FARL'] });
		const reply = await h.discord.interactionReply(id);
		expect(reply.type).toBe(5);
		expect((reply.data as MessageData).embeds?.[0]?.title).toBe('Fully Automated Rail Layer 2.0.4');
	});

	it('shows /mod info for an internal name with links, versions and dependencies', async () => {
		const { id } = await h.discord.chatInput({ name: 'mod', subcommand: 'info', options: { name: 'Squeak Through' } });
		const reply = await h.discord.interactionReply(id);
		const data = reply.data as MessageData;
		const embed = data.embeds?.[0];
		expect(embed?.title).toBe('Squeak Through 1.2.1');
		expect(embed?.url).toBe(`${h.portal.url}/mod/Squeak%20Through`);
		const fields = Object.fromEntries((embed?.fields ?? []).map((f) => [f.name, f.value]));
		expect(fields.Owner).toContain('Supercheese');
		expect(fields.Downloads).toBe('130,562');
		expect(fields['Factorio versions']).toBe('0.16');
		expect(fields['Required dependencies']).toContain('Factorio');
		const buttons = flatComponents(data).map((c) => c.url);
		expect(buttons).toContain(`${h.portal.url}/mod/Squeak%20Through/changelog`);
		expect(
			h.portal.requests.some(
				(r) => r.path === '/api/mods/Squeak%20Through/full' || r.path === '/api/mods/Squeak Through/full',
			),
		).toBe(true);
	});

	it('finds a mod by its title in any case and by a pasted portal link', async () => {
		const byTitle = await h.discord.chatInput({
			name: 'mod',
			subcommand: 'info',
			options: { name: 'fully automated rail layer' },
		});
		expect(((await h.discord.interactionReply(byTitle.id)).data as MessageData).embeds?.[0]?.title).toBe(
			'Fully Automated Rail Layer 2.0.4',
		);
		const byLink = await h.discord.chatInput({
			name: 'mod',
			subcommand: 'info',
			options: { name: 'https://mods.factorio.com/mod/Squeak%20Through?from=search' },
		});
		expect(((await h.discord.interactionReply(byLink.id)).data as MessageData).embeds?.[0]?.title).toBe(
			'Squeak Through 1.2.1',
		);
	});

	it('tells the user privately, with the closest names, when a mod does not exist', async () => {
		const { id } = await h.discord.chatInput({ name: 'mod', subcommand: 'info', options: { name: 'Squeek Thruogh' } });
		const followUp = await h.discord.waitFor(
			(r) =>
				r.method === 'POST' &&
				r.path.startsWith(`/webhooks/${h.discord.applicationId}/`) &&
				JSON.stringify(r.body).includes('No mod named'),
		);
		const body = followUp.body as MessageData;
		expect(body.flags).toBe(EPHEMERAL);
		expect(body.content).toContain('Squeak Through');
		// The public "thinking…" placeholder was removed, so nothing about the error stays in the channel.
		await h.discord.waitFor((r) => r.method === 'DELETE' && r.path.endsWith('/messages/@original'));
		expect(id).toBeTruthy();
	});

	it('shows the latest changelog section of a mod with categories', async () => {
		const { id } = await h.discord.chatInput({ name: 'mod', subcommand: 'changelog', options: { name: 'FARL' } });
		const embed = ((await h.discord.interactionReply(id)).data as MessageData).embeds?.[0];
		expect(embed?.title).toBe('Fully Automated Rail Layer 2.0.4 changelog');
		expect(embed?.url).toBe(`${h.portal.url}/mod/FARL/changelog`);
		expect(embed?.description).toMatch(/\*\*\w+/);
	});

	it('suggests the chosen mod’s release versions for /mod changelog, newest first', async () => {
		const { id } = await h.discord.autocomplete({
			name: 'mod',
			subcommand: 'changelog',
			options: { name: 'Squeak Through', version: '1.' },
			focused: 'version',
		});
		const choices = ((await h.discord.interactionReply(id)).data as MessageData).choices ?? [];
		expect(choices[0]).toEqual({ name: '1.2.1', value: '1.2.1' });
	});

	it('keeps answering and says "try again" while the portal is failing', async () => {
		h.portal.fault({ kind: '5xx' });
		try {
			const { id } = await h.discord.chatInput({ name: 'mod', subcommand: 'info', options: { name: 'bobplates' } });
			const followUp = await h.discord.waitFor(
				(r) =>
					r.method === 'POST' &&
					r.path.startsWith(`/webhooks/${h.discord.applicationId}/`) &&
					JSON.stringify(r.body).includes('not answering'),
				15_000,
			);
			expect((followUp.body as MessageData).flags).toBe(EPHEMERAL);
			expect(id).toBeTruthy();
		} finally {
			h.portal.clearFaults();
		}
		const { id } = await h.discord.chatInput({ name: 'mod', subcommand: 'info', options: { name: 'bobplates' } });
		expect(((await h.discord.interactionReply(id)).data as MessageData).embeds?.[0]?.title).toContain("Bob's Metals");
	});
});

describe('with a portal account configured', () => {
	let account: Harness;
	const logLines: string[] = [];

	beforeAll(async () => {
		account = await createHarness({
			portal: { credentials: { username: 'modder', token: 'portal-secret-token' } },
			env: { FACTORIO_USERNAME: 'modder', FACTORIO_TOKEN: 'portal-secret-token' },
		});
		const sink = new Writable({
			write(chunk: Buffer, _encoding, done) {
				logLines.push(chunk.toString());
				done();
			},
		});
		await account.start({ LOG_LEVEL: 'trace' }, createLogger('trace', sink));
	});

	afterAll(async () => {
		await account.close();
	});

	it('asks the portal’s own search when the local catalog finds nothing, and never shows the token', async () => {
		// The owner edited the summary after the last catalog refresh: only the portal knows the new words yet.
		const entry = account.portal.mods.find((m) => m.name === 'Squeak Through')!;
		entry.summary = 'Now with zyxwvq support.';
		const { id } = await account.discord.chatInput({ name: 'mod', subcommand: 'search', options: { query: 'zyxwvq' } });
		const reply = await account.discord.interactionReply(id);
		expect(JSON.stringify(reply.data)).toContain('Squeak Through');
		expect(JSON.stringify(reply.data)).not.toContain('portal-secret-token');
		const search = account.portal.requests.find((r) => r.method === 'POST' && r.path === '/api/search');
		expect(search?.query.get('username')).toBe('modder');
		expect(search?.query.get('query')).toBe('zyxwvq');
	});

	it('does never write the Discord token or the portal token to the log, even at trace level and on errors', async () => {
		account.portal.fault({ kind: 'garbage', path: /\/api\/search/ });
		const { id } = await account.discord.chatInput({
			name: 'mod',
			subcommand: 'search',
			options: { query: 'qqqzzzxxv' },
		});
		await account.discord.interactionReply(id);
		expect(logLines.length).toBeGreaterThan(3);
		const all = logLines.join('');
		expect(all).toContain('logged in to Discord');
		expect(all).not.toContain(account.discord.token);
		expect(all).not.toContain('portal-secret-token');
	});
});
