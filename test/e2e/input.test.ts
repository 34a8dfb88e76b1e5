import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/app.js';
import { hasInvisible, isModName } from '../../src/services/factorio/modReference.js';
import { createHarness, type Harness } from './helpers.js';

interface Answer {
	content?: string;
	flags?: number;
	embeds?: { title?: string }[];
}

const EPHEMERAL = 64;
const NEVER = '0 0 1 1 *';

let h: Harness;
let bot: Bot;

beforeAll(async () => {
	h = await createHarness({ env: { POLL_CRON: NEVER, CATALOG_CRON: NEVER } });
	bot = await h.start();
});

afterAll(async () => {
	await h.close();
});

/** Runs a command and returns what the user finally sees, with the flags of the message that shows it. */
async function run(
	name: string,
	subcommand: string | undefined,
	options: Record<string, string>,
	user: 'admin' | 'member' = 'admin',
): Promise<Answer> {
	const { id } = await h.discord.chatInput({ name, subcommand, options, user });
	const reply = await h.discord.interactionReply(id);
	const data = reply.data as Answer;
	return { ...data, flags: data.flags ?? h.discord.replyMessage(id)?.flags };
}

/** Portal requests since `from` that carry a mod name in their path. */
function modRequests(from: number): string[] {
	return h.portal.requests
		.slice(from)
		.map((r) => r.path)
		.filter((path) => path !== '/api/mods');
}

/** Asserts that every request is `/api/mods/{one encoded segment}[/full]` and that the segment is a mod name. */
function expectOnlyModPaths(paths: readonly string[]): void {
	for (const path of paths) {
		const match = /^\/api\/mods\/([^/]+)(?:\/full)?$/.exec(path);
		expect(match, path).not.toBeNull();
		expect(isModName(decodeURIComponent(match![1]!)), path).toBe(true);
	}
}

const NOT_NAMES: [string, RegExp][] = [
	['Squeak/Through', /slash/],
	['..', /only letters/],
	['.', /only letters/],
	['%', /only letters/],
	['%2F', /only letters/],
	['', /Give a mod name/],
	['   ', /Give a mod name/],
	['x'.repeat(200), /at most 100 characters/],
	['flib\u0000', /control or invisible/],
	['bad\nname', /control or invisible/],
	['\u202Eevil', /control or invisible/],
	['zero\u200Bwidth', /control or invisible/],
	['https://mods.factorio.com/mod//full', /names no mod/],
	['https://mods.factorio.com/mod/Squeak%2FThrough/full', /slash/],
	['https://mods.factorio.com/mod/..', /names no mod/],
	['https://mods.factorio.com/mod/%2e%2e/full', /names no mod/],
	['mods.factorio.com/mod/../../api/full', /names no mod/],
	['https://mods.factorio.com/api/full', /names no mod/],
	['https://evil.example/mod/FARL', /does not point to the Factorio mod portal/],
	['https://mods.factorio.com/mod/%E0%A4%A', /malformed/],
];

describe('mod names and links checked before the portal', () => {
	it.each(NOT_NAMES.map(([input, reason]) => [JSON.stringify(input).slice(0, 60), input, reason] as const))(
		'does refuse %s privately with a clear reason and no portal request in /mod info, /mod changelog and /subscribe mod',
		async (_label, input, reason) => {
			const before = h.portal.requests.length;
			for (const [command, sub] of [
				['mod', 'info'],
				['mod', 'changelog'],
				['subscribe', 'mod'],
			] as const) {
				const answer = await run(command, sub, { name: input });
				expect(answer.flags, `${command} ${sub}`).toBe(EPHEMERAL);
				expect(answer.content, `${command} ${sub}`).toMatch(reason);
				expect(answer.content).not.toContain('Something went wrong');
				expect(answer.content!.length).toBeLessThanOrEqual(2000);
				expect(hasInvisible(answer.content!)).toBe(false);
			}
			expect(h.portal.requests.slice(before).map((r) => r.path)).toEqual([]);
			expect(await bot.context.subscriptions.list(h.discord.guildId)).toHaveLength(0);
		},
	);

	it('does suggest the closest catalog names when the input cannot be a name', async () => {
		const answer = await run('mod', 'info', { name: 'Squeak/Through' });
		expect(answer.content).toContain('Closest names: `Squeak Through`');
	});

	it('does suggest no version and ask the portal nothing when the autocomplete gets a name that cannot be one', async () => {
		const before = h.portal.requests.length;
		const { id } = await h.discord.autocomplete({
			name: 'mod',
			subcommand: 'changelog',
			options: { name: '../../api/full', version: '' },
			focused: 'version',
		});
		expect((await h.discord.interactionReply(id)).data).toEqual({ choices: [] });
		expect(h.portal.requests.slice(before)).toHaveLength(0);
	});

	it.each([
		'https://mods.factorio.com/mod/FARL',
		'http://mods.factorio.com/mod/FARL?from=search#top',
		'mods.factorio.com/mod/FARL/changelog',
		'<https://mods.factorio.com/mod/FARL/downloads>',
		'/mod/FARL',
		'https://mods.factorio.com/mod/Fully%20Automated%20Rail%20Layer',
	])('does show the mod when a link of any shape is pasted: %s', async (input) => {
		const before = h.portal.requests.length;
		const answer = await run('mod', 'info', { name: input });
		expect(answer.embeds?.[0]?.title).toBe('Fully Automated Rail Layer 2.0.4');
		const paths = modRequests(before);
		expectOnlyModPaths(paths);
	});

	it('does read a link to the configured portal too, sending its name as one encoded segment', async () => {
		const before = h.portal.requests.length;
		const answer = await run('mod', 'info', { name: `${h.portal.url}/mod/Squeak%20Through/changelog?x=1` });
		expect(answer.embeds?.[0]?.title).toBe('Squeak Through 1.2.1');
		expect(modRequests(before)).toEqual(['/api/mods/Squeak%20Through/full']);
	});

	it('does ask the portal once, with one encoded segment, and answer with close names when a possible name is unknown', async () => {
		const before = h.portal.requests.length;
		const answer = await run('mod', 'info', { name: 'Squeak Thruogh' });
		expect(answer.flags).toBe(EPHEMERAL);
		expect(answer.content).toMatch(
			/^No mod named `Squeak Thruogh` on the mod portal\. Closest names: `Squeak Through`/,
		);
		expect(modRequests(before)).toEqual(['/api/mods/Squeak%20Thruogh/full']);
	});
});

describe('filters checked on the server side', () => {
	const hostileVersions: [string, string][] = [
		['a letter', 'a'],
		['100 characters', '9'.repeat(100)],
		['a new line', '0.16\n0.15'],
		['a right-to-left override', '\u202E61.0'],
		['6,000 characters', 'x'.repeat(6000)],
		['a version no mod in the catalog is for', '2.0'],
		['a full version instead of major.minor', '0.16.0'],
	];

	it.each(hostileVersions)(
		'does refuse factorio_version with %s privately and create no subscription',
		async (_label, value) => {
			for (const [command, sub, extra] of [
				['subscribe', 'all', {}],
				['mod', 'search', { query: 'rail' }],
			] as const) {
				const answer = await run(command, sub, { ...extra, factorio_version: value });
				expect(answer.flags).toBe(EPHEMERAL);
				expect(answer.content).toMatch(/is not a Factorio version|No mod on the portal is for Factorio/);
				expect(answer.content!.length).toBeLessThanOrEqual(300);
				expect(answer.content).not.toMatch(/[\n\u202e]/);
			}
			expect(await bot.context.subscriptions.list(h.discord.guildId)).toHaveLength(0);
		},
	);

	it.each([
		['category', 'an unknown name', 'not-a-category', /is not a mod portal category\. Pick one of: content, overhaul/],
		['category', '6,000 characters', 'c'.repeat(6000), /is not a mod portal category/],
		['tag', 'an unknown name', 'railways', /is not a mod portal tag\. Pick one of: transportation/],
		['tag', 'a right-to-left override', '\u202Etrains', /is not a mod portal tag/],
	])('does refuse a %s of %s, not among the known values', async (option, _label, value, message) => {
		const answer = await run('subscribe', 'all', { [option]: value });
		expect(answer.flags).toBe(EPHEMERAL);
		expect(answer.content).toMatch(message);
		expect(answer.content!.length).toBeLessThanOrEqual(500);
		expect(await bot.context.subscriptions.list(h.discord.guildId)).toHaveLength(0);
	});

	it('does refuse a category that is not in the list in /mod search too', async () => {
		const answer = await run('mod', 'search', { query: 'rail', category: 'rails\nrails' });
		expect(answer.flags).toBe(EPHEMERAL);
		expect(answer.content).toMatch(/^`rails rails` is not a mod portal category/);
	});

	it('does subscribe when every filter is a known value', async () => {
		const answer = await run('subscribe', 'all', { factorio_version: '0.16', category: 'content', tag: 'trains' });
		expect(answer.flags).toBe(EPHEMERAL);
		expect(answer.content).toMatch(/^Subscribed all/);
		const [subscription] = await bot.context.subscriptions.list(h.discord.guildId);
		expect(subscription?.target).toEqual({
			kind: 'all',
			filters: { factorioVersion: '0.16', category: 'content', tag: 'trains' },
		});
	});

	it('does search for a cleaned query cut to 60 characters and echo it when nothing matches', async () => {
		const answer = await run('mod', 'search', { query: `zzqqxx\u202E${'y'.repeat(6000)}\nmore` });
		expect(answer.flags).toBe(EPHEMERAL);
		expect(answer.content).toMatch(new RegExp(`^No mods match \`zzqqxx${'y'.repeat(54)}\`\\.`));
		expect(answer.content!.length).toBeLessThanOrEqual(200);
	});

	it('does cut the echo of a long owner name when no such owner exists', async () => {
		const answer = await run('subscribe', 'owner', { name: `nobody\n${'z'.repeat(6000)}` });
		expect(answer.content).toMatch(/^No mod portal user `nobody z+…` owns a mod\./);
		expect(answer.content!.length).toBeLessThanOrEqual(300);
	});
});
