/*
 * Discord's limits end to end: the real client answers `/mod info`, `/mod changelog`, `/mod search` and the
 * autocompletes for every recorded mod and for hostile variants served by the fake portal; the fake Discord refuses
 * (400, 50035) whatever Discord would refuse, so a reply over a limit fails `interactionReply`. What is shown is
 * also checked for invisible characters and non-http links.
 */
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/app.js';
import { fixtureJson } from '../support/fixtures.js';
import { HOSTILE_MARKDOWN, hostileFullBodies, hostileMods } from '../support/hostileMods.js';
import { choiceProblems, payloadProblems } from '../support/shownText.js';
import { createHarness, type Harness } from './helpers.js';

interface Choice {
	name: string;
	value: string;
}

interface ListEntry {
	name: string;
	title?: string;
	owner?: string;
	summary?: string;
}
const recordedMods = (fixtureJson('portal/mods-max-2018-02-18.json') as { results: ListEntry[] }).results;
/**
 * Through the real client every answer waits for discord.js's global limit of 50 requests a second (each deferred
 * answer is one webhook edit): all 2,538 mods x 2 commands took 107 s on the 2-core test machine. So by default the
 * 40 mods with the longest title, owner and summary and every 20th other mod go end to end (the pure render tests
 * check every recorded mod); `E2E_ALL_MODS=1` runs them all.
 */
const sampledNames = (() => {
	if (process.env.E2E_ALL_MODS === '1') return recordedMods.map((m) => m.name);
	const size = (m: ListEntry) => (m.title?.length ?? 0) + (m.owner?.length ?? 0) + (m.summary?.length ?? 0);
	const longest = [...recordedMods].sort((a, b) => size(b) - size(a)).slice(0, 40);
	const every20th = recordedMods.filter((_, i) => i % 20 === 0);
	return [...new Set([...longest, ...every20th].map((m) => m.name))];
})();
const hostile = hostileMods();
/** Interactions in flight at once (the bot answers them concurrently, as in a busy server). */
const CONCURRENCY = 8;

const NEVER = '0 0 1 1 *';

let h: Harness;
let bot: Bot;

beforeAll(async () => {
	h = await createHarness({
		portal: { full: hostileFullBodies() },
		// Releases are polled by hand; all hostile releases of one poll fit below the digest threshold.
		env: { POLL_CRON: NEVER, CATALOG_CRON: NEVER, DIGEST_THRESHOLD: '100' },
	});
	bot = await h.start();
	// Commands are registered once the gateway is ready: interactions can be dispatched from then on.
	await h.discord.waitFor((r) => r.method === 'PUT' && r.path.endsWith('/commands'));
});

afterAll(async () => {
	await h.close();
});

/** Runs `/mod {subcommand} name:{name}` and returns what is wrong with the answer (empty when fine). */
async function answerProblems(subcommand: 'info' | 'changelog', name: string): Promise<string[]> {
	const { id } = await h.discord.chatInput({ name: 'mod', subcommand, options: { name } });
	try {
		const reply = await h.discord.interactionReply(id, 15_000);
		const problems = payloadProblems(reply.data);
		// Every mod here exists and has a changelog; only a name over 100 characters may be refused before the portal.
		const embeds = (reply.data as { embeds?: unknown[] }).embeds ?? [];
		if (embeds.length === 0 && name.length <= 100)
			problems.push(`no embed: ${JSON.stringify(reply.data).slice(0, 200)}`);
		return problems.map((p) => `${subcommand} ${name.slice(0, 40)}: ${p}`);
	} catch (error) {
		return [`${subcommand} ${name.slice(0, 40)}: ${String(error).slice(0, 300)}`];
	}
}

async function everyAnswer(names: readonly string[]): Promise<string[]> {
	const limit = pLimit(CONCURRENCY);
	const results = await Promise.all(
		names.flatMap((name) => [
			limit(() => answerProblems('info', name)),
			limit(() => answerProblems('changelog', name)),
		]),
	);
	return results.flat();
}

function refusedRequests(): string[] {
	return h.discord.requests
		.filter((r) => r.status === 400)
		.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.response)}`);
}

describe('answers within Discord’s limits', () => {
	it('does answer /mod info and /mod changelog for every hostile mod with its embed', async () => {
		expect(await everyAnswer(hostile.map((m) => m.name))).toEqual([]);
		const { id } = await h.discord.chatInput({
			name: 'mod',
			subcommand: 'changelog',
			options: { name: 'hostile-changelog-game', version: '2.0.7' },
		});
		const embed = (
			(await h.discord.interactionReply(id)).data as { embeds?: { title?: string; description?: string }[] }
		).embeds?.[0];
		expect(embed?.title).toBe('TITLE 2.0.7 changelog');
		expect(embed?.description?.length).toBeGreaterThan(3_500);
		expect(embed?.description).toMatch(
			/\n\n\[… full changelog\]\(http:\/\/127\.0\.0\.1:\d+\/mod\/hostile-changelog-game\/changelog\)$/,
		);
		expect(refusedRequests()).toEqual([]);
	});

	it('does answer /mod info and /mod changelog for recorded mods', async () => {
		expect(sampledNames.length).toBeGreaterThan(150);
		const started = performance.now();
		expect(await everyAnswer(sampledNames)).toEqual([]);
		// A figure, not a threshold.
		console.info(`${sampledNames.length * 2} interactions in ${Math.round(performance.now() - started)} ms`);
		expect(refusedRequests()).toEqual([]);
	}, 240_000);

	it('does list hostile mods on a search page and in autocomplete within the limits, leaving out long names', async () => {
		const search = await h.discord.chatInput({ name: 'mod', subcommand: 'search', options: { query: 'hostile' } });
		const page = await h.discord.interactionReply(search.id);
		expect(payloadProblems(page.data)).toEqual([]);
		const typed = ['hostile', 'hostile-name', 'title', 'A very long mod title', 'Reversed', 'hostile-title-empty'];
		for (const query of typed) {
			const { id } = await h.discord.autocomplete({
				name: 'mod',
				subcommand: 'info',
				options: { name: query },
				focused: 'name',
			});
			const choices = ((await h.discord.interactionReply(id)).data as { choices?: Choice[] }).choices ?? [];
			expect(choiceProblems(choices)).toEqual([]);
			expect(choices.every((c) => c.value.length <= 100)).toBe(true);
		}
		expect(refusedRequests()).toEqual([]);
	});

	it('does suggest only release versions that fit a choice value', async () => {
		const { id } = await h.discord.autocomplete({
			name: 'mod',
			subcommand: 'changelog',
			options: { name: 'hostile-version-long', version: '' },
			focused: 'version',
		});
		const choices = ((await h.discord.interactionReply(id)).data as { choices?: Choice[] }).choices ?? [];
		expect(choices).toEqual([{ name: '0.9.0', value: '0.9.0' }]);
	});

	it('does suggest owners and Factorio versions within the limits when the portal holds hostile ones', async () => {
		for (const [subcommand, focused, typed] of [
			['owner', 'name', 'o'],
			['owner', 'name', 'Owner name'],
			['all', 'factorio_version', ''],
		] as const) {
			const { id } = await h.discord.autocomplete({
				name: 'subscribe',
				subcommand,
				options: { [focused]: typed },
				focused,
				user: 'admin',
			});
			const choices = ((await h.discord.interactionReply(id)).data as { choices?: Choice[] }).choices ?? [];
			expect(choiceProblems(choices)).toEqual([]);
		}
		expect(refusedRequests()).toEqual([]);
	});
});

describe('announcements within Discord’s limits', () => {
	it('does post a release of every hostile mod, in a text channel and as forum posts', async () => {
		await bot.jobs.releasePoller.run();
		const { text, forum } = h.discord.channels;
		for (const channel of [text, forum]) {
			const { id } = await h.discord.chatInput({
				name: 'subscribe',
				subcommand: 'all',
				options: { channel, changelog: 'full' },
				user: 'admin',
			});
			expect(JSON.stringify((await h.discord.interactionReply(id)).data)).toContain('Subscribed');
		}
		const changelog = `  Bugfixes:\n${HOSTILE_MARKDOWN.split('\n')
			.map((line) => `    - ${line}`)
			.join('\n')}`;
		// Fewer releases a poll than a list page holds: all of them are on the first page the poll reads.
		for (let i = 0; i < hostile.length; i += 15) {
			for (const mod of hostile.slice(i, i + 15))
				h.portal.addRelease(mod.name, { version: '9.9.9', factorio_version: '2.0' }, { changelog });
			await bot.jobs.releasePoller.run();
		}

		const sent = h.discord.requestsTo('POST', /^\/channels\/\d+\/(messages|threads)$/);
		const bodies = sent.map((r) => (r.path.endsWith('/threads') ? (r.body as { message: unknown }).message : r.body));
		expect(sent.filter((r) => r.status >= 300).map((r) => JSON.stringify(r.response))).toEqual([]);
		expect(bodies.flatMap((body) => payloadProblems(body))).toEqual([]);
		const announced = h.discord
			.createdMessages(text)
			.flatMap((m) => m.embeds.map((e) => (e as { url?: string }).url ?? ''));
		// A name over 100 characters cannot be a mod's (the game refuses it): the bot never asks the portal for it.
		const announceable = hostile.filter((m) => m.name.length <= 100);
		const missing = announceable.filter((m) => !announced.some((url) => url.endsWith(`/mod/${m.name}`)));
		expect(missing.map((m) => m.label)).toEqual([]);
		expect(announced).toHaveLength(announceable.length);
		// One forum post per mod.
		expect(sent.filter((r) => r.path === `/channels/${forum}/threads`)).toHaveLength(announceable.length);
	});
});
