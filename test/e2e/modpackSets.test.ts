import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/app.js';
import type { FakeUserKind } from '../support/fakeDiscord.js';
import { graphClosure, graphEntries } from '../services/modpack/support.js';
import { createHarness, type Harness } from './helpers.js';

interface Embed {
	title?: string;
	description?: string;
	fields?: { name: string; value: string }[];
}
interface MessageData {
	content?: string;
	flags?: number;
	embeds?: Embed[];
	choices?: { name: string; value: string }[];
}

const EPHEMERAL = 64;

let h: Harness;
let bot: Bot;

beforeAll(async () => {
	h = await createHarness({ portal: { mods: graphEntries() }, env: { MAX_MODPACKS_PER_GUILD: '2' } });
	bot = await h.start();
});

afterAll(async () => {
	await h.close();
});

/** Runs `/modpack <sub>` and returns the answer: the callback type, whether it is private, and the message. */
async function modpack(
	subcommand: string,
	options: Record<string, string | boolean> = {},
	user: FakeUserKind = 'admin',
): Promise<{ type: number; ephemeral: boolean; data: MessageData }> {
	const { id } = await h.discord.chatInput({ name: 'modpack', subcommand, options, user });
	const callback = await h.discord.interactionResponse(id, 15_000);
	const reply = await h.discord.interactionReply(id, 15_000);
	const flags = (callback.body as { data?: { flags?: number } }).data?.flags ?? 0;
	return { type: reply.type, ephemeral: (flags & EPHEMERAL) === EPHEMERAL, data: reply.data };
}

function guildId(): string {
	return h.discord.guildId;
}

describe('/modpack save, list, remove', () => {
	it('is registered with save, list and remove, remove autocompleting the name', async () => {
		const put = await h.discord.waitFor((r) => r.method === 'PUT' && r.path.endsWith('/commands'));
		const command = put
			.json<
				{
					name: string;
					default_member_permissions?: string | null;
					options: { name: string; options?: { name: string; required?: boolean; autocomplete?: boolean }[] }[];
				}[]
			>()
			.find((c) => c.name === 'modpack');
		expect(command?.options.map((o) => o.name)).toEqual(['resolve', 'check', 'save', 'list', 'remove']);
		// resolve and check stay open to everyone: saving and removing are checked per member instead.
		expect(command?.default_member_permissions ?? null).toBeNull();
		const save = command?.options.find((o) => o.name === 'save');
		expect(save?.options?.map((o) => o.name)).toEqual(['name', 'mods', 'factorio_version', 'space_age', 'recommended']);
		const remove = command?.options.find((o) => o.name === 'remove');
		expect(remove?.options?.[0]).toMatchObject({ name: 'name', required: true, autocomplete: true });
	});

	it('refuses members without Manage Server or Manage Channels, privately and before any portal request', async () => {
		const before = h.portal.requests.length;
		const answer = await modpack('save', { name: 'main', mods: 'Krastorio2', factorio_version: '1.1' }, 'member');
		expect(answer.type).toBe(4);
		expect(answer.ephemeral).toBe(true);
		expect(answer.data.content).toBe('Changing saved mod sets needs the Manage Server or Manage Channels permission.');
		const remove = await modpack('remove', { name: 'main' }, 'member');
		expect(remove.data.content).toContain('Manage Server or Manage Channels');
		expect(h.portal.requests.length).toBe(before);
		expect(await bot.context.modpacks.list(guildId())).toEqual([]);
	});

	it('saves a set with its resolved closure, privately, and names what was pulled in', async () => {
		const answer = await modpack('save', {
			name: '  Main   server ',
			mods: 'Krastorio2\nhttps://mods.factorio.com/mod/Flare%20Stack',
			factorio_version: '1.1',
			space_age: false,
		});
		expect(answer.type).toBe(5);
		expect(answer.ephemeral).toBe(true);
		const expected = new Set([...graphClosure('Krastorio2'), 'Flare Stack']);
		expect(answer.data.content).toBe(`Saved the set **Main server**: ${expected.size} mods for Factorio 1.1.`);
		const fields = Object.fromEntries((answer.data.embeds?.[0]?.fields ?? []).map((f) => [f.name, f.value]));
		expect(fields['Listed mods (2)']).toMatch(/^`Flare Stack` [\d.]+\n`Krastorio2` 1\.3\.24$/);
		expect(fields[`Pulled in as dependencies (${expected.size - 2})`]).toContain('`flib`');
		const stored = await bot.context.modpacks.get(guildId(), 'main server');
		expect(new Set(stored?.mods.map((m) => m.name))).toEqual(expected);
		expect(stored).toMatchObject({ name: 'Main server', factorioVersion: '1.1', spaceAge: false });
		expect(stored?.createdBy).toBe(h.discord.adminUserId);
	});

	it('replaces the set saved under the same name in any case, keeping its id', async () => {
		const before = await bot.context.modpacks.get(guildId(), 'Main server');
		const answer = await modpack('save', { name: 'MAIN SERVER', mods: 'Flare Stack', factorio_version: '1.1' });
		expect(answer.data.content).toMatch(/^Updated the set \*\*MAIN SERVER\*\*: 1 mods for Factorio 1\.1\.$/);
		expect(answer.data.embeds?.[0]?.description).toContain('It replaces the set saved earlier under this name.');
		const after = await bot.context.modpacks.get(guildId(), 'main server');
		expect(after?.id).toBe(before?.id);
		expect(after?.mods.map((m) => m.name)).toEqual(['Flare Stack']);
	});

	it('refuses a set that does not resolve with the resolver’s problems, storing nothing', async () => {
		const answer = await modpack('save', {
			name: 'broken',
			mods: 'Krastorio2, -modpack, Krastorio3',
			factorio_version: '1.1',
		});
		expect(answer.type).toBe(5);
		expect(answer.ephemeral).toBe(true);
		const lines = (answer.data.content ?? '').split('\n');
		expect(lines[0]).toBe('Not saved: the set **broken** cannot go on a server as it is. Fix these and save again:');
		expect(lines).toContainEqual(
			expect.stringMatching(/^• Krastorio3 is not on the mod portal\. Closest names: Krastorio2/),
		);
		expect(lines).toContainEqual(
			expect.stringMatching(/^• \\-modpack 0\.0\.1 requires .+, which is not on the mod portal\.$/),
		);
		const tooNew = await modpack('save', { name: 'two-oh', mods: 'flib', factorio_version: '2.0' });
		expect(tooNew.data.content).toContain('• flib has no release for Factorio 2.0.');
		expect(await bot.context.modpacks.get(guildId(), 'broken')).toBeUndefined();
		expect(await bot.context.modpacks.get(guildId(), 'two-oh')).toBeUndefined();
	});

	it('refuses odd and overlong names before deferring, echoing nothing that could ping', async () => {
		const ping = await modpack('save', { name: '@everyone <@&1>', mods: 'flib', factorio_version: '1.1' });
		expect(ping.type).toBe(4);
		expect(ping.data.content).toBe(
			"A set’s name may hold letters, digits, spaces and - _ . + ' ( ) & # ! ? only, not `@` (U+0040).",
		);
		const long = await modpack('save', { name: 'x'.repeat(80), mods: 'flib', factorio_version: '1.1' });
		expect(long.data.content).toBe('A set’s name has at most 50 characters; that one has 80.');
	});

	it('refuses a new set when the server has MAX_MODPACKS_PER_GUILD of them, before asking the portal', async () => {
		const second = await modpack('save', { name: 'Space test', mods: 'Krastorio2', factorio_version: '1.1' });
		expect(second.data.content).toMatch(/^Saved the set \*\*Space test\*\*/);
		const before = h.portal.requests.length;
		const third = await modpack('save', { name: 'third', mods: 'Krastorio2', factorio_version: '1.1' });
		expect(third.ephemeral).toBe(true);
		expect(third.data.content).toContain('This server already has 2 saved sets, the most it may keep.');
		expect(h.portal.requests.length).toBe(before);
		// Replacing one still works at the limit.
		const replaced = await modpack('save', { name: 'space TEST', mods: 'Flare Stack', factorio_version: '1.1' });
		expect(replaced.data.content).toMatch(/^Updated the set/);
	});

	it('lists the server’s sets for anyone, privately', async () => {
		const answer = await modpack('list', {}, 'member');
		expect(answer.ephemeral).toBe(true);
		expect(answer.data.content).toBe('Saved mod sets (2 of at most 2):');
		const lines = (answer.data.embeds?.[0]?.description ?? '').split('\n');
		expect(lines).toHaveLength(2);
		expect(lines[0]).toMatch(
			/^\*\*MAIN SERVER\*\*: Factorio 1\.1, 1 listed \+ 0 dependencies, changed <t:\d+:R> by <@\d+>$/,
		);
		expect(lines[1]).toMatch(/^\*\*space TEST\*\*: /);
	});

	it('completes saved names for remove and removes the chosen set', async () => {
		const { id } = await h.discord.autocomplete({
			name: 'modpack',
			subcommand: 'remove',
			options: { name: 'spa' },
			focused: 'name',
			user: 'admin',
		});
		const reply = await h.discord.interactionReply(id);
		expect((reply.data as MessageData).choices).toEqual([{ name: 'space TEST', value: 'space TEST' }]);

		const removed = await modpack('remove', { name: 'space TEST' });
		expect(removed.ephemeral).toBe(true);
		expect(removed.data.content).toBe('Removed the set **space TEST** (1 mods).');
		expect((await bot.context.modpacks.list(guildId())).map((s) => s.name)).toEqual(['MAIN SERVER']);

		const again = await modpack('remove', { name: 'space TEST' });
		expect(again.data.content).toBe('This server has no saved set named `space TEST`. See `/modpack list`.');
	});
});
