import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { findSection, parseChangelog } from '../../../src/services/factorio/changelog.js';
import { createLogger } from '../../../src/log.js';
import {
	PortalClient,
	PortalError,
	modApiPath,
	portalEndpoint,
	type PortalClientOptions,
	type PortalRequestObservation,
} from '../../../src/services/portal/client.js';
import { FakePortal } from '../../support/fakePortal.js';
import { fixtureJson } from '../../support/fixtures.js';

const USERNAME = 'secret-user-name';
const TOKEN = 'SECRET-TOKEN-0123456789abcdef';

function release(version: string, factorioVersion: string, releasedAt: string) {
	return {
		download_url: `/download/x/${version}`,
		file_name: `x_${version}.zip`,
		info_json: { factorio_version: factorioVersion },
		released_at: releasedAt,
		version,
		sha1: '0'.repeat(40),
	};
}

function smallCatalogue(): Record<string, unknown>[] {
	return [
		{
			name: 'alpha',
			title: 'Alpha',
			owner: 'ann',
			summary: 'The first mod',
			downloads_count: 10,
			category: 'content',
			latest_release: release('1.0.0', '2.0', '2024-01-01T00:00:00.000000Z'),
		},
		{
			name: 'beta mod',
			title: 'Beta',
			owner: 'bob',
			summary: 'A space in its name',
			downloads_count: 500,
			category: 'tweaks',
			latest_release: release('0.5.0', '1.1', '2023-06-01T00:00:00.000000Z'),
		},
		{
			name: 'gamma',
			title: 'Gamma',
			owner: 'cid',
			summary: 'Deprecated by its owner',
			downloads_count: 5,
			deprecated: true,
			latest_release: release('3.0.0', '2.0', '2024-05-01T00:00:00.000000Z'),
		},
	];
}

let portal: FakePortal | undefined;
let agent: Agent | undefined;
const servers: Server[] = [];

afterEach(async () => {
	await portal?.close();
	portal = undefined;
	for (const server of servers.splice(0)) {
		server.closeAllConnections();
		await new Promise((resolve) => server.close(resolve));
	}
	await agent?.close();
	agent = undefined;
});

async function startPortal(options?: Parameters<typeof FakePortal.start>[0]): Promise<FakePortal> {
	portal = await FakePortal.start(options);
	return portal;
}

function clientFor(baseUrl: string, options: Partial<PortalClientOptions> = {}): PortalClient {
	agent ??= new Agent();
	return new PortalClient({ baseUrl, dispatcher: agent, retryBaseMs: 1, retryMaxMs: 20, timeoutMs: 5_000, ...options });
}

/** Starts a one-off HTTP server on 127.0.0.1 for answers the fake portal does not give. */
async function startServer(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; hits: () => number }> {
	let hits = 0;
	const server = createServer((req, res) => {
		hits++;
		handler?.(req, res);
	});
	servers.push(server);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

async function failure(promise: Promise<unknown>): Promise<PortalError> {
	const error: unknown = await promise.then(
		() => undefined,
		(reason: unknown) => reason,
	);
	expect(error).toBeInstanceOf(PortalError);
	return error as PortalError;
}

function pathsOf(fake: FakePortal): string[] {
	return fake.requests.map((entry) => `${entry.method} ${entry.path}`);
}

describe('PortalClient.listMods', () => {
	it('does list the whole recorded catalogue with its User-Agent when pageSize is max', async () => {
		const fake = await startPortal();
		const list = await clientFor(fake.url).listMods({ pageSize: 'max' });
		expect(list.mods).toHaveLength(2538);
		expect(list.invalid).toBe(0);
		expect(list.pagination).toBeUndefined();
		expect(fake.requests).toHaveLength(1);
		expect(fake.requests[0]?.query.get('page_size')).toBe('max');
		const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
			version: string;
		};
		expect(fake.requests[0]?.headers['user-agent']).toBe(
			`factorio-mod-bot/${version} (+https://github.com/factorio-mod-bot/factorio-mod-bot)`,
		);
	});

	it("does use undici's global dispatcher when none is injected", async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		const list = await new PortalClient({ baseUrl: fake.url }).listMods();
		expect(list.mods.map((mod) => mod.name)).toEqual(['alpha', 'beta mod']);
		expect(fake.requests).toHaveLength(1);
	});

	it('does page through the recorded catalogue in name order when pageSize is a number', async () => {
		const fake = await startPortal();
		const list = await clientFor(fake.url).listMods({ page: 3, pageSize: 100 });
		expect(list.pagination).toEqual({ count: 2538, page: 3, pageCount: 26, pageSize: 100 });
		const recorded = (fixtureJson('portal/mods-max-2018-02-18.json') as { results: { name: string }[] }).results;
		const names = recorded.map((entry) => entry.name).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
		expect(list.mods.map((mod) => mod.name)).toEqual(names.slice(200, 300));
	});

	it("does send every parameter in the portal's spelling when all are given", async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		const client = clientFor(`${fake.url}/`);
		await client.listMods({
			page: 2,
			pageSize: 10,
			sort: 'updated_at',
			sortOrder: 'asc',
			namelist: ['beta mod', 'alpha'],
			hideDeprecated: false,
			version: '2.0',
		});
		await client.listMods({ hideDeprecated: true });
		await client.listMods();
		expect(pathsOf(fake)).toEqual(['GET /api/mods', 'GET /api/mods', 'GET /api/mods']);
		expect(Object.fromEntries(fake.requests[0]!.query)).toEqual({
			page: '2',
			page_size: '10',
			sort: 'updated_at',
			sort_order: 'asc',
			namelist: 'beta mod,alpha',
			hide_deprecated: 'false',
			version: '2.0',
		});
		expect(Object.fromEntries(fake.requests[1]!.query)).toEqual({ hide_deprecated: 'true' });
		expect([...fake.requests[2]!.query]).toEqual([]);
	});

	it('does answer an empty list without a request when namelist is empty', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		expect(await clientFor(fake.url).listMods({ namelist: [] })).toEqual({
			pagination: undefined,
			mods: [],
			invalid: 0,
		});
		expect(fake.requests).toHaveLength(0);
	});

	it('does return every release when namelist names a mod with a recorded /full', async () => {
		const fake = await startPortal({
			full: { bobelectronics: fixtureJson('portal/mod-full-bobelectronics-2021-trimmed.json') },
		});
		const list = await clientFor(fake.url).listMods({ namelist: ['bobelectronics', 'no-such-mod'] });
		expect(list.pagination).toBeUndefined();
		expect(list.mods.map((mod) => mod.name)).toEqual(['bobelectronics']);
		expect(list.mods[0]?.releases).toHaveLength(24);
		expect(list.mods[0]?.latestRelease?.version).toBe('1.1.3');
		// List answers never carry dependencies.
		expect(list.mods[0]?.releases?.every((entry) => entry.dependencies === undefined)).toBe(true);
	});

	it('does leave out deprecated and other-version mods when hideDeprecated is left at its default', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		const client = clientFor(fake.url);
		expect((await client.listMods()).mods.map((mod) => mod.name)).toEqual(['alpha', 'beta mod']);
		expect((await client.listMods({ version: '2.0' })).mods.map((mod) => mod.name)).toEqual(['alpha']);
		expect((await client.listMods({ hideDeprecated: false, version: '2.0' })).mods.map((mod) => mod.name)).toEqual([
			'alpha',
			'beta mod',
			'gamma',
		]);
	});

	it('does put a touched mod first by updated_at without a new release when its page is edited', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		const client = clientFor(fake.url);
		expect((await client.listMods({ sort: 'updated_at' })).mods.map((mod) => mod.name)).toEqual(['alpha', 'beta mod']);
		fake.touch('beta mod');
		const list = await client.listMods({ sort: 'updated_at', sortOrder: 'desc' });
		expect(list.mods.map((mod) => mod.name)).toEqual(['beta mod', 'alpha']);
		expect(list.mods[0]?.latestRelease?.version).toBe('0.5.0');
		expect((await client.listMods({ sort: 'created_at', sortOrder: 'asc' })).mods.map((mod) => mod.name)).toEqual([
			'beta mod',
			'alpha',
		]);
		// Like the real portal, list entries carry no updated_at.
		const raw = (await (await request(`${fake.url}/api/mods?sort=updated_at`, { dispatcher: agent })).body.json()) as {
			results: Record<string, unknown>[];
		};
		expect(raw.results.every((entry) => !('updated_at' in entry) && !('deprecated' in entry))).toBe(true);
	});
});

describe('PortalClient.getMod and getFullMod', () => {
	it('does URL-encode the name as one path segment when it has spaces and reserved characters', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		const name = 'Weird name ä?#%&+;=';
		fake.addMod({ name, title: 'Weird', latest_release: release('0.1.0', '2.0', '2024-02-02T00:00:00.000000Z') });
		const client = clientFor(fake.url);
		expect((await client.getMod(name)).name).toBe(name);
		expect((await client.getFullMod(name)).name).toBe(name);
		expect(pathsOf(fake)).toEqual([
			'GET /api/mods/Weird%20name%20%C3%A4%3F%23%25%26%2B%3B%3D',
			'GET /api/mods/Weird%20name%20%C3%A4%3F%23%25%26%2B%3B%3D/full',
		]);
	});

	it.each(['', '   ', '.', '..', 'a/b', '../full', '/', 'a\\b', 'x'.repeat(101), 'bad\nname', 'evil\u202Eeman'])(
		'does refuse %j as not_found without any request when it cannot be one path segment',
		async (name) => {
			const fake = await startPortal({ mods: smallCatalogue() });
			const client = clientFor(fake.url);
			for (const call of [
				() => client.getMod(name),
				() => client.getFullMod(name),
				() => client.getFullMod(name, { fresh: true }),
			]) {
				const error = await failure(call());
				expect(error.kind).toBe('not_found');
				expect(error.message).toContain('nothing was requested');
			}
			expect(fake.requests).toEqual([]);
		},
	);

	it('does build every mod path from one segment when asked by modApiPath', () => {
		expect(modApiPath('Squeak Through')).toBe('/api/mods/Squeak%20Through');
		expect(modApiPath('flib', 'full')).toBe('/api/mods/flib/full');
		expect(() => modApiPath('a/b', 'full')).toThrow(PortalError);
	});

	it('does get a synthesised /full with dependencies and a readable changelog when nothing is recorded', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		const mod = await clientFor(fake.url).getFullMod('beta mod');
		expect(mod.releases.map((entry) => entry.version)).toEqual(['0.5.0']);
		expect(mod.latestRelease?.dependencies).toEqual(['base >= 1.1.0']);
		expect(mod.createdAt).toBe('2023-06-01T00:00:00.000000Z');
		expect(mod.updatedAt).toBe('2023-06-01T00:00:00.000000Z');
		expect(findSection(parseChangelog(mod.changelog ?? ''))).toMatchObject({ version: '0.5.0', date: '2023-06-01' });
	});

	it('does get the short form with every release and no dependencies when asked for the mod', async () => {
		const fake = await startPortal({
			mods: smallCatalogue(),
			full: { bobelectronics: fixtureJson('portal/mod-full-bobelectronics-2021-trimmed.json') },
		});
		const mod = await clientFor(fake.url).getMod('bobelectronics');
		expect(mod.releases).toHaveLength(24);
		expect(mod.latestRelease?.dependencies).toBeUndefined();
	});

	it('does see the new release and its changelog section when the portal publishes one', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		const client = clientFor(fake.url);
		expect((await client.getFullMod('alpha')).latestRelease?.version).toBe('1.0.0');
		fake.addRelease(
			'alpha',
			{ version: '1.1.0', dependencies: ['base >= 2.0.0', '? flib'] },
			{ changelog: '  Bugfixes:\n    - Fixed it.' },
		);
		const mod = await client.getFullMod('alpha', { fresh: true });
		expect(mod.releases.map((entry) => entry.version)).toEqual(['1.0.0', '1.1.0']);
		expect(mod.latestRelease).toMatchObject({
			version: '1.1.0',
			factorioVersion: '2.0',
			dependencies: ['base >= 2.0.0', '? flib'],
		});
		const changelog = parseChangelog(mod.changelog ?? '');
		expect(changelog.sections.map((section) => section.version)).toEqual(['1.1.0', '1.0.0']);
		expect(changelog.sections[0]?.categories).toEqual([{ name: 'Bugfixes', entries: ['Fixed it.'] }]);
		const list = await client.listMods({ sort: 'updated_at' });
		expect(list.mods[0]).toMatchObject({ name: 'alpha', latestRelease: { version: '1.1.0' } });
		expect(mod.updatedAt).toBe(mod.latestRelease?.releasedAt);
	});

	it('does throw not_found without retrying when the mod does not exist', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		const error = await failure(clientFor(fake.url).getMod('no-such-mod'));
		expect(error).toMatchObject({ name: 'PortalError', kind: 'not_found', status: 404 });
		expect(error.message).toBe(`Not found on the mod portal: GET ${fake.url}/api/mods/no-such-mod`);
		expect(fake.requests).toHaveLength(1);
	});
});

describe('PortalClient retries and failures', () => {
	it('does succeed after retrying when the portal answers 5xx twice', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		fake.fault({ kind: '5xx', times: 2 });
		expect((await clientFor(fake.url).getMod('alpha')).name).toBe('alpha');
		expect(fake.requests).toHaveLength(3);
	});

	it('does give up as unavailable after maxRetries + 1 attempts when the portal answers 5xx forever', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		fake.fault({ kind: '5xx' });
		const error = await failure(clientFor(fake.url).getMod('alpha'));
		expect(error).toMatchObject({ kind: 'unavailable', status: 503 });
		expect(error.message).toBe(`Mod portal unavailable (HTTP 503) after 4 attempts: GET ${fake.url}/api/mods/alpha`);
		expect(fake.requests).toHaveLength(4);

		fake.requests.length = 0;
		await failure(clientFor(fake.url, { maxRetries: 1 }).listMods());
		expect(fake.requests).toHaveLength(2);
	});

	it('does wait for Retry-After and then succeed when the portal answers 429 once', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		fake.fault({ kind: '429', times: 1, retryAfter: 1 });
		const started = performance.now();
		expect((await clientFor(fake.url, { retryMaxMs: 5_000 }).getMod('alpha')).name).toBe('alpha');
		// A lower bound the client guarantees by waiting, not a speed requirement.
		expect(performance.now() - started).toBeGreaterThanOrEqual(990);
		expect(fake.requests).toHaveLength(2);
	});

	it('does fail as rate_limited at once when Retry-After is longer than retryMaxMs', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		fake.fault({ kind: '429', retryAfter: 1 });
		const error = await failure(clientFor(fake.url, { retryMaxMs: 500 }).getMod('alpha'));
		expect(error).toMatchObject({ kind: 'rate_limited', status: 429 });
		expect(error.message).toContain('asked to wait 1 s');
		expect(fake.requests).toHaveLength(1);
	});

	it('does fail as rate_limited after maxRetries + 1 attempts when the portal answers 429 forever', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		fake.fault({ kind: '429', retryAfter: 0 });
		const error = await failure(clientFor(fake.url, { maxRetries: 2 }).getMod('alpha'));
		expect(error).toMatchObject({ kind: 'rate_limited', status: 429 });
		expect(fake.requests).toHaveLength(3);
	});

	it('does read Retry-After as an HTTP date when the server sends one', async () => {
		const server = await startServer((_req, res) => {
			res.writeHead(429, { 'retry-after': new Date(Date.now() + 120_000).toUTCString() });
			res.end();
		});
		const error = await failure(clientFor(server.url, { retryMaxMs: 5_000 }).getMod('alpha'));
		expect(error.kind).toBe('rate_limited');
		expect(error.message).toMatch(/asked to wait 1[12]\d s/);
		expect(server.hits()).toBe(1);
	});

	it('does give up as unavailable when the portal never answers', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		fake.fault({ kind: 'timeout' });
		const error = await failure(clientFor(fake.url, { timeoutMs: 100, maxRetries: 1 }).getMod('alpha'));
		expect(error.kind).toBe('unavailable');
		expect(error.status).toBeUndefined();
		expect(error.message).toBe(
			`Mod portal unavailable (no complete answer within 100 ms) after 2 attempts: GET ${fake.url}/api/mods/alpha`,
		);
		expect(fake.requests).toHaveLength(2);
	});

	it('does time out as unavailable when the body stalls after the headers', async () => {
		const server = await startServer((_req, res) => {
			res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
			res.write('{"name":');
		});
		const error = await failure(clientFor(server.url, { timeoutMs: 100, maxRetries: 1 }).getMod('alpha'));
		expect(error.kind).toBe('unavailable');
		expect(error.message).toContain('no complete answer within 100 ms');
		expect(server.hits()).toBe(2);
	});

	it('does retry and succeed when the connection is reset once', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		fake.fault({ kind: 'reset', times: 1 });
		expect((await clientFor(fake.url).getMod('alpha')).name).toBe('alpha');
		expect(fake.requests.length).toBeGreaterThanOrEqual(2);
	});

	it('does give up as unavailable when every connection is reset', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		fake.fault({ kind: 'reset' });
		const error = await failure(clientFor(fake.url, { maxRetries: 1 }).getMod('alpha'));
		expect(error.kind).toBe('unavailable');
		expect(error.message).toMatch(/connection failed/);
	});

	it('does give up as unavailable when nothing listens on the port', async () => {
		const server = await startServer(undefined);
		const closed = servers.pop()!;
		await new Promise((resolve) => closed.close(resolve));
		const error = await failure(clientFor(server.url, { maxRetries: 1 }).listMods());
		expect(error.kind).toBe('unavailable');
		expect(error.message).toContain('ECONNREFUSED');
	});

	it('does fail as invalid_response without retrying when the body is not JSON', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		fake.fault({ kind: 'garbage', path: /^\/api\/mods\/alpha$/ });
		const error = await failure(clientFor(fake.url).getMod('alpha'));
		expect(error.kind).toBe('invalid_response');
		expect(error.message).toBe(
			`Unexpected answer from the mod portal (the body is not JSON): GET ${fake.url}/api/mods/alpha`,
		);
		expect(fake.requests).toHaveLength(1);
		// The fault's path does not match other requests.
		expect((await clientFor(fake.url).getMod('beta mod')).name).toBe('beta mod');
	});

	it('does fail as invalid_response when the JSON lacks the essential name', async () => {
		const server = await startServer((_req, res) => {
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ title: 'No name', releases: [] }));
		});
		const error = await failure(clientFor(server.url).getMod('alpha'));
		expect(error.kind).toBe('invalid_response');
		expect(error.message).toContain('unexpected shape at name');
		expect(server.hits()).toBe(1);
	});

	it('does keep the mod and drop the release when one release has a version of another type', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		fake.addMod({ name: 'drifted', latest_release: { version: 5 } });
		const mod = await clientFor(fake.url).getMod('drifted');
		expect(mod.name).toBe('drifted');
		expect(mod.releases).toEqual([]);
	});

	it('does stop failing when the faults are cleared', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		fake.fault({ kind: '5xx' });
		await failure(clientFor(fake.url, { maxRetries: 0 }).getMod('alpha'));
		fake.clearFaults();
		expect((await clientFor(fake.url, { maxRetries: 0 }).getMod('alpha')).name).toBe('alpha');
	});
});

describe('PortalClient /full cache', () => {
	it('does not ask the portal again when the answer is cached', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		const client = clientFor(fake.url);
		const first = await client.getFullMod('alpha');
		expect(await client.getFullMod('alpha')).toBe(first);
		expect(fake.requests).toHaveLength(1);
	});

	it('does bypass and refill the cache when fresh is asked for', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		const client = clientFor(fake.url);
		await client.getFullMod('alpha');
		fake.addRelease('alpha', { version: '1.0.1' });
		expect((await client.getFullMod('alpha')).latestRelease?.version).toBe('1.0.0');
		expect((await client.getFullMod('alpha', { fresh: true })).latestRelease?.version).toBe('1.0.1');
		expect((await client.getFullMod('alpha')).latestRelease?.version).toBe('1.0.1');
		expect(fake.requests).toHaveLength(2);
	});

	it('does share one request when two calls for a mod overlap', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		const client = clientFor(fake.url);
		const [a, b] = await Promise.all([client.getFullMod('alpha'), client.getFullMod('alpha')]);
		expect(a).toBe(b);
		expect(fake.requests).toHaveLength(1);
	});

	it('does remember not_found when a mod does not exist', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		const client = clientFor(fake.url);
		expect((await failure(client.getFullMod('missing'))).kind).toBe('not_found');
		expect((await failure(client.getFullMod('missing'))).kind).toBe('not_found');
		expect(fake.requests).toHaveLength(1);
	});

	it('does not remember other failures when the portal is down', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		const client = clientFor(fake.url, { maxRetries: 0 });
		fake.fault({ kind: '5xx', times: 1 });
		expect((await failure(client.getFullMod('alpha'))).kind).toBe('unavailable');
		expect((await client.getFullMod('alpha')).name).toBe('alpha');
		expect(fake.requests).toHaveLength(2);
	});

	it('does ask every time when the cache TTL is 0', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		const client = clientFor(fake.url, { fullModCacheTtlMs: 0 });
		await client.getFullMod('alpha');
		await client.getFullMod('alpha');
		expect(fake.requests).toHaveLength(2);
	});
});

describe('PortalClient.search', () => {
	it('does refuse without a request when no account is set', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		const client = clientFor(fake.url, { username: USERNAME });
		expect(client.canSearch).toBe(false);
		expect((await failure(client.search({ query: 'alpha' }))).kind).toBe('unavailable');
		expect(fake.requests).toHaveLength(0);
	});

	it('does POST the query with the account when one is set', async () => {
		const fake = await startPortal({ mods: smallCatalogue(), credentials: { username: USERNAME, token: TOKEN } });
		const client = clientFor(fake.url, { username: USERNAME, token: TOKEN });
		expect(client.canSearch).toBe(true);
		const results = await client.search({
			query: 'mod',
			sort: 'most_downloads',
			page: 1,
			pageSize: 5,
			category: 'tweaks',
		});
		expect(results.map((result) => result.name)).toEqual(['beta mod']);
		expect(results[0]).toMatchObject({ title: 'Beta', downloadsCount: 500, factorioVersions: ['1.1'] });
		const sent = fake.requests[0]!;
		expect(sent.method).toBe('POST');
		expect(sent.path).toBe('/api/search');
		expect(Object.fromEntries(sent.query)).toEqual({
			query: 'mod',
			sort_attribute: 'most_downloads',
			page: '1',
			page_size: '5',
			'category[]': 'tweaks',
			username: USERNAME,
			token: TOKEN,
		});
	});

	it('does keep the account out of errors and logs when the search fails', async () => {
		const fake = await startPortal({ mods: smallCatalogue(), credentials: { username: USERNAME, token: TOKEN } });
		let logged = '';
		const log = createLogger(
			'debug',
			new Writable({
				write(chunk: Buffer, _encoding, callback) {
					logged += chunk.toString();
					callback();
				},
			}),
		);
		fake.fault({ kind: '5xx', path: /^\/api\/search$/ });
		const failed = await failure(
			clientFor(fake.url, { username: USERNAME, token: TOKEN, log }).search({ query: 'alpha' }),
		);
		expect(failed.kind).toBe('unavailable');
		expect(logged).toContain('retrying');
		fake.clearFaults();
		const refused = await failure(
			clientFor(fake.url, { username: USERNAME, token: 'wrong-token' }).search({ query: 'x' }),
		);
		expect(refused).toMatchObject({ kind: 'unavailable', status: 403 });
		for (const text of [logged, inspect(failed, { depth: 10 }), inspect(refused, { depth: 10 }), failed.message]) {
			expect(text).not.toContain(TOKEN);
			expect(text).not.toContain(USERNAME);
			expect(text).not.toContain('wrong-token');
		}
		expect(failed.message).toBe(`Mod portal unavailable (HTTP 503) after 4 attempts: POST ${fake.url}/api/search`);
	});

	it('does refuse as unavailable when the search is sent without an account', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		const response = await request(`${fake.url}/api/search?query=alpha`, {
			method: 'POST',
			dispatcher: (agent ??= new Agent()),
		});
		expect(response.statusCode).toBe(401);
		await response.body.dump();
	});
});

describe('PortalClient rate-limit pause', () => {
	/** A clock the test moves by hand, epoch milliseconds. */
	function manualClock(start = Date.parse('2025-01-01T00:00:00Z')) {
		const clock = { at: start, now: () => clock.at };
		return clock;
	}

	it('does send no request at all during a long Retry-After and resumes once the clock has passed it', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		const clock = manualClock();
		fake.fault({ kind: '429', retryAfter: 120, times: 1 });
		const client = clientFor(fake.url, { now: clock.now, retryMaxMs: 5_000 });

		const first = await failure(client.getMod('alpha'));
		expect(first).toMatchObject({ kind: 'rate_limited', status: 429 });
		expect(first.message).toContain('asked to wait 120 s');
		expect(first.retryAt?.getTime()).toBe(clock.at + 120_000);
		expect(fake.requests).toHaveLength(1);

		// Every kind of call, for any mod, fails at once inside the pause, saying when to retry.
		for (const seconds of [0, 60, 110]) {
			clock.at = Date.parse('2025-01-01T00:00:00Z') + seconds * 1000;
			for (const call of [
				() => client.getMod('beta mod'),
				() => client.getFullMod('alpha'),
				() => client.listMods({ pageSize: 'max' }),
				() => client.getMod('alpha', { retries: 5, maxWaitMs: 0 }),
				() => client.getMod('alpha', { maxWaitMs: 9_000 }),
			]) {
				const error = await failure(call());
				expect(error.kind).toBe('rate_limited');
				expect(error.retryAt).toEqual(first.retryAt);
				expect(error.message).toMatch(/no requests for \d+ s more/);
			}
		}
		expect(fake.requests).toHaveLength(1);

		clock.at = first.retryAt!.getTime() + 1;
		expect((await client.getMod('alpha')).name).toBe('alpha');
		expect(pathsOf(fake)).toEqual(['GET /api/mods/alpha', 'GET /api/mods/alpha']);
	});

	it('does wait out a short pause when the call may wait that long, then sends its request', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		fake.fault({ kind: '429', retryAfter: 0.3, times: 1 });
		const client = clientFor(fake.url);
		const refused = await failure(client.getMod('alpha', { retries: 0 }));
		expect(refused.kind).toBe('rate_limited');
		const started = performance.now();
		expect((await client.getMod('beta mod', { maxWaitMs: 5_000 })).name).toBe('beta mod');
		// A lower bound the client guarantees by waiting, not a speed requirement.
		expect(performance.now() - started).toBeGreaterThanOrEqual(200);
		expect(fake.requests).toHaveLength(2);
	});

	it('does pause for the default 60 s when a 429 carries no Retry-After', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		const clock = manualClock();
		fake.fault({ kind: '429', retryAfter: null, times: 1 });
		const client = clientFor(fake.url, { now: clock.now });
		const error = await failure(client.getMod('alpha'));
		expect(error.retryAt?.getTime()).toBe(clock.at + 60_000);
		await failure(client.getMod('alpha'));
		expect(fake.requests).toHaveLength(1);
	});

	it('does cap the pause at one hour when Retry-After is absurdly long', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		const clock = manualClock();
		fake.fault({ kind: '429', retryAfter: 1e9, times: 1 });
		const error = await failure(clientFor(fake.url, { now: clock.now }).getMod('alpha'));
		expect(error.retryAt?.getTime()).toBe(clock.at + 3_600_000);
	});

	it('does make one attempt only when a call asks for no retries', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		fake.fault({ kind: '5xx' });
		const client = clientFor(fake.url);
		expect((await failure(client.listMods({}, { retries: 0 }))).kind).toBe('unavailable');
		expect((await failure(client.getFullMod('alpha', { fresh: true, retries: 0 }))).kind).toBe('unavailable');
		expect(fake.requests).toHaveLength(2);
	});
});

describe('PortalClient onRequest', () => {
	it('does report each attempt with its endpoint template and outcome when requests succeed, fail and retry', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		const seen: PortalRequestObservation[] = [];
		const client = clientFor(fake.url, { onRequest: (observation) => seen.push(observation) });
		fake.fault({ kind: '5xx', times: 1, path: /^\/api\/mods\/beta%20mod$/ });
		await client.listMods({ pageSize: 'max' });
		await client.getMod('beta mod');
		await failure(client.getFullMod('no such mod'));
		await failure(client.getFullMod('no such mod'));
		fake.fault({ kind: 'garbage', times: 1 });
		await failure(client.listMods());
		expect(seen.map(({ endpoint, outcome }) => `${endpoint} ${outcome}`)).toEqual([
			'/api/mods ok',
			'/api/mods/{name} unavailable',
			'/api/mods/{name} ok',
			// The second not_found comes from the cache: no request, nothing reported.
			'/api/mods/{name}/full not_found',
			'/api/mods invalid_response',
		]);
		expect(seen.every(({ ms }) => ms >= 0)).toBe(true);
	});

	it('does report nothing when a call is refused inside a rate-limit pause', async () => {
		const fake = await startPortal({ mods: smallCatalogue() });
		const seen: PortalRequestObservation[] = [];
		const client = clientFor(fake.url, { onRequest: (observation) => seen.push(observation), maxRetries: 0 });
		fake.fault({ kind: '429', times: 1, retryAfter: 600 });
		await failure(client.getMod('alpha'));
		await failure(client.getMod('alpha'));
		expect(seen.map(({ outcome }) => outcome)).toEqual(['rate_limited']);
		expect(fake.requests).toHaveLength(1);
	});

	it('does map every path the client builds to its template when given one', () => {
		expect(portalEndpoint('/api/mods')).toBe('/api/mods');
		expect(portalEndpoint(modApiPath('a b%2Fc'))).toBe('/api/mods/{name}');
		expect(portalEndpoint(modApiPath('full', 'full'))).toBe('/api/mods/{name}/full');
		expect(portalEndpoint('/api/search')).toBe('/api/search');
	});
});
