import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedFile, RecordedRequest } from '../support/fakeDiscord.js';
import { graphClosure, graphEntries, mod, release } from '../services/modpack/support.js';
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
	attachments?: unknown[];
	choices?: { name: string; value: string }[];
}

const EPHEMERAL = 64;

let h: Harness;

beforeAll(async () => {
	h = await createHarness({ portal: { mods: graphEntries() } });
	await h.start();
});

afterAll(async () => {
	await h.close();
});

/** The deferred reply's edit with its attached files. */
async function filledReply(interaction: {
	id: string;
	token: string;
}): Promise<{ data: MessageData; files: RecordedFile[] }> {
	const reply = await h.discord.interactionReply(interaction.id, 15_000);
	expect(reply.type).toBe(5);
	const edit = h.discord.requests.find(
		(r: RecordedRequest) =>
			r.method === 'PATCH' &&
			r.path === `/webhooks/${h.discord.applicationId}/${interaction.token}/messages/@original` &&
			r.status < 300,
	);
	return { data: reply.data, files: [...(edit?.files ?? [])] };
}

function file(files: readonly RecordedFile[], name: string): string {
	const found = files.find((f) => f.filename === name);
	if (!found) throw new Error(`no attachment ${name}; got ${files.map((f) => f.filename).join(', ')}`);
	return found.data.toString('utf8');
}

/** The private error message of an interaction; `deferred` says whether the bot deferred (public) first. */
async function ephemeralAnswer(id: string, deferred = false): Promise<string> {
	const reply = await h.discord.interactionReply(id, 15_000);
	expect(reply.type).toBe(deferred ? 5 : 4);
	const data = reply.data as MessageData;
	expect(data.flags).toBe(EPHEMERAL);
	return data.content ?? '';
}

describe('/modpack', () => {
	it('is registered with resolve, check and the saved-set subcommands, check taking an attachment', async () => {
		const put = await h.discord.waitFor((r) => r.method === 'PUT' && r.path.endsWith('/commands'));
		const modpack = put
			.json<
				{ name: string; options: { name: string; options: { name: string; type: number; required?: boolean }[] }[] }[]
			>()
			.find((c) => c.name === 'modpack');
		expect(modpack?.options.map((o) => o.name)).toEqual(['resolve', 'check', 'save', 'list', 'remove']);
		const check = modpack?.options.find((o) => o.name === 'check');
		expect(check?.options[0]).toMatchObject({ name: 'file', type: 11, required: true });
	});

	it('resolves a list into a kit with its four files attached, names with spaces and links included', async () => {
		const mods = 'Krastorio2\nFlare Stack, https://mods.factorio.com/mod/Evolution%20Reduction?from=search\nkrastorio2';
		const interaction = await h.discord.chatInput({
			name: 'modpack',
			subcommand: 'resolve',
			options: { mods, factorio_version: '1.1', space_age: false },
		});
		const { data, files } = await filledReply(interaction);
		expect(files.map((f) => f.filename)).toEqual([
			'mod-list.json',
			'mods.lock.json',
			'install-mods.sh',
			'install-mods.ps1',
		]);
		const lock = JSON.parse(file(files, 'mods.lock.json')) as {
			factorio_version: string;
			mods: { name: string; sha1: string }[];
		};
		const expected = new Set([...graphClosure('Krastorio2'), 'Flare Stack', 'Evolution Reduction']);
		expect(new Set(lock.mods.map((m) => m.name))).toEqual(expected);
		expect(lock.factorio_version).toBe('1.1');
		const modList = JSON.parse(file(files, 'mod-list.json')) as { mods: { name: string; enabled: boolean }[] };
		expect(modList.mods[0]).toEqual({ name: 'base', enabled: true });
		expect(modList.mods).toHaveLength(expected.size + 1);
		expect(file(files, 'install-mods.sh')).toMatch(/^#!\/bin\/sh\n/);
		const embed = data.embeds?.[0];
		expect(embed?.title).toBe(`Mod kit: ${expected.size} mods for Factorio 1.1`);
		const fields = Object.fromEntries((embed?.fields ?? []).map((f) => [f.name, f.value]));
		expect(fields['Listed mods (3)']).toContain('`Krastorio2` 1.3.24');
		expect(fields['Pulled in as dependencies (2)']).toContain('`flib`');
		expect(fields.Warnings).toBe('• Krastorio2 was listed more than once; counted once.');
		// The portal answered /full once per mod of the kit.
		const fulls = h.portal.requests.filter((r) => r.path.endsWith('/full'));
		expect(new Set(fulls.map((r) => r.path)).size).toBe(fulls.length);
	});

	it('says which listed mods are left out and why, and which names are unknown, still attaching the kit', async () => {
		const interaction = await h.discord.chatInput({
			name: 'modpack',
			subcommand: 'resolve',
			options: { mods: 'Krastorio2, Krastorio3, -modpack', factorio_version: '1.1' },
		});
		const { data, files } = await filledReply(interaction);
		expect(files).toHaveLength(4);
		const embed = data.embeds?.[0];
		expect(embed?.title).toBe('Mod kit: 3 mods for Factorio 1.1');
		expect(embed?.description).toContain('**1 listed mod left out**');
		const fields = Object.fromEntries((embed?.fields ?? []).map((f) => [f.name, f.value]));
		expect(fields['Left out (1)']).toMatch(/^• \\-modpack 0\.0\.1 requires .+, which is not on the mod portal\.$/);
		expect(fields['Not on the mod portal (1)']).toMatch(
			/^• Krastorio3 is not on the mod portal\. Closest names: Krastorio2, /,
		);
	});

	it('answers with the reasons and no files when nothing can go on the server', async () => {
		const interaction = await h.discord.chatInput({
			name: 'modpack',
			subcommand: 'resolve',
			options: { mods: 'flib', factorio_version: '2.0' },
		});
		const { data, files } = await filledReply(interaction);
		expect(files).toEqual([]);
		expect(data.embeds?.[0]?.title).toBe('Mod kit: 0 mods for Factorio 2.0, Space Age on');
		expect(data.embeds?.[0]?.fields?.[0]?.value).toBe(
			'• flib has no release for Factorio 2.0. Its newest release is 0.14.2 for Factorio 1.1.',
		);
	});

	it('refuses 500 mods and a pasted token privately, before deferring', async () => {
		const many = Array.from({ length: 500 }, (_, i) => `mod-${i}`).join(', ');
		const tooMany = await h.discord.chatInput({
			name: 'modpack',
			subcommand: 'resolve',
			options: { mods: many, factorio_version: '1.1' },
		});
		expect(await ephemeralAnswer(tooMany.id)).toContain('That is more than 300 mods');
		const token = await h.discord.chatInput({
			name: 'modpack',
			subcommand: 'resolve',
			options: { mods: 'flib?username=me&token=0123456789abcdef0123456789abcdef', factorio_version: '1.1' },
		});
		expect(await ephemeralAnswer(token.id)).toContain('never takes portal credentials');
		const version = await h.discord.chatInput({
			name: 'modpack',
			subcommand: 'resolve',
			options: { mods: 'flib', factorio_version: 'latest' },
		});
		expect(await ephemeralAnswer(version.id)).toContain('`2.0` or `2.0.28`');
	});

	it('suggests the catalog’s Factorio versions while typing', async () => {
		const { id } = await h.discord.autocomplete({
			name: 'modpack',
			subcommand: 'resolve',
			options: { mods: 'flib', factorio_version: '1' },
			focused: 'factorio_version',
		});
		const reply = await h.discord.interactionReply(id);
		expect((reply.data as MessageData).choices).toEqual([{ name: '1.1', value: '1.1' }]);
	});

	it('checks an attached mod-list.json: downloads it from Discord, reports per mod, attaches the fixed kit', async () => {
		const modList = {
			mods: [
				{ name: 'base', enabled: true },
				{ name: 'Krastorio2', enabled: true },
				{ name: 'Flare Stack', enabled: true },
				{ name: 'YARM', enabled: false },
				{ name: 'not-a-real-mod', enabled: true },
			],
		};
		const attachment = h.discord.addAttachment('mod-list.json', JSON.stringify(modList, null, 2), {
			contentType: 'application/json',
		});
		const before = h.discord.attachmentDownloads().length;
		const interaction = await h.discord.chatInput({
			name: 'modpack',
			subcommand: 'check',
			options: { file: attachment, factorio_version: '1.1' },
		});
		const { data, files } = await filledReply(interaction);
		expect(h.discord.attachmentDownloads().length - before).toBe(1);
		expect(files.map((f) => f.filename)).toEqual([
			'mod-list.json',
			'mods.lock.json',
			'install-mods.sh',
			'install-mods.ps1',
			'check-report.txt',
		]);
		const embed = data.embeds?.[0];
		expect(embed?.title).toBe('Server check: 3 mods for Factorio 1.1');
		const fields = Object.fromEntries((embed?.fields ?? []).map((f) => [f.name, f.value]));
		expect(fields['Needs attention (2)']).toContain('`Krastorio2`: missing required dependency Krastorio2Assets');
		expect(fields['Needs attention (2)']).toContain('`not-a-real-mod`: not on the mod portal');
		expect(fields['Fixed kit: changes (3)']).toContain('adds `flib`');
		expect(file(files, 'check-report.txt')).toContain(
			'FIX  Krastorio2: newest release for Factorio 1.1: 1.3.24; missing required dependency Krastorio2Assets; missing required dependency flib',
		);
		const lock = JSON.parse(file(files, 'mods.lock.json')) as { mods: { name: string }[] };
		expect(lock.mods.map((m) => m.name)).toEqual(['Flare Stack', 'flib', 'Krastorio2', 'Krastorio2Assets']);
	});

	it('checks a factorio-current.log with the game version it names', async () => {
		h.portal.setFull('YARM', mod('YARM', [release('YARM', '1.0.4', '1.1'), release('YARM', '1.0.5', '1.1')]));
		const log = [
			'   0.000 2024-08-01 10:00:00; Factorio 1.1.110 (build 62000, linux64, headless)',
			'   0.389 Loading mod core 0.0.0 (data.lua)',
			'   0.422 Loading mod base 1.1.110 (data.lua)',
			'   0.926 Loading mod YARM 1.0.4 (data.lua)',
			'   0.959 Loading mod Krastorio2Assets 1.2.3 (data.lua)',
		].join('\n');
		const attachment = h.discord.addAttachment('factorio-current.log', log);
		const interaction = await h.discord.chatInput({
			name: 'modpack',
			subcommand: 'check',
			options: { file: attachment },
		});
		const { data } = await filledReply(interaction);
		const embed = data.embeds?.[0];
		expect(embed?.title).toBe('Server check: 2 mods for Factorio 1.1.110');
		expect(embed?.description).toContain('Factorio version read from the log: 1.1.110.');
		const fields = Object.fromEntries((embed?.fields ?? []).map((f) => [f.name, f.value]));
		expect(Object.values(fields).join('\n')).toContain(
			'`YARM` 1.0.4: newer release 1.0.5 for Factorio 1.1 (installed 1.0.4)',
		);
	});

	it('answers bad files privately: not JSON, 10 MB, a log without mod lines', async () => {
		const broken = h.discord.addAttachment('mod-list.json', '{"mods": [ {"name": "flib", ');
		const notJson = await h.discord.chatInput({ name: 'modpack', subcommand: 'check', options: { file: broken } });
		expect(await ephemeralAnswer(notJson.id, true)).toContain('mod-list.json is not valid JSON');

		const big = h.discord.addAttachment('mod-list.json', Buffer.alloc(10 * 1024 * 1024, 0x20));
		const before = h.discord.attachmentDownloads().length;
		const tooBig = await h.discord.chatInput({ name: 'modpack', subcommand: 'check', options: { file: big } });
		expect(await ephemeralAnswer(tooBig.id)).toContain('mod-list.json is 10.0 MB; the bot reads files up to 4.0 MB');
		expect(h.discord.attachmentDownloads().length).toBe(before);

		const quiet = h.discord.addAttachment(
			'factorio-current.log',
			'   0.000 2024-08-01 10:00:00; Factorio 1.1.110\n   0.007 Running in headless mode\n',
		);
		const noMods = await h.discord.chatInput({ name: 'modpack', subcommand: 'check', options: { file: quiet } });
		expect(await ephemeralAnswer(noMods.id, true)).toContain('That log has no lines naming the mods');
	});

	it('reads only the start of a log of 10 MB, where the mod lines are', async () => {
		const head = '   0.422 Loading mod base 1.1.110 (data.lua)\n   0.926 Loading mod flib 0.14.0 (data.lua)\n';
		const filler = '  10.000 Info something happened on the server\n'.repeat(230_000);
		const attachment = h.discord.addAttachment('factorio-current.log', head + filler);
		const interaction = await h.discord.chatInput({
			name: 'modpack',
			subcommand: 'check',
			options: { file: attachment },
		});
		const { data } = await filledReply(interaction);
		expect(data.embeds?.[0]?.description).toContain('Only the first 4.0 MB of the log were read.');
		expect(data.embeds?.[0]?.title).toBe('Server check: 1 mods for Factorio 1.1.110');
	});
});
