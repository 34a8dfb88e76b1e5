import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Bot } from '../../src/app.js';
import { createHarness, type Harness } from './helpers.js';

const NEVER = '0 0 1 1 *';

/** A TCP port nothing listens on right now (the system picks it; it is free again once this resolves). */
async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	await new Promise<void>((resolve) => {
		server.close(() => {
			resolve();
		});
	});
	if (address === null || typeof address === 'string') throw new Error('no port');
	return address.port;
}

/** One scrape of `/metrics`: sample values by name and labels (`name{a="x",b="y"}`, labels sorted by name). */
type Samples = Map<string, number>;

function sampleKey(name: string, labels: Record<string, string> = {}): string {
	const pairs = Object.entries(labels)
		.sort(([a], [b]) => a.localeCompare(b))
		.map(([key, value]) => `${key}="${value}"`);
	return pairs.length === 0 ? name : `${name}{${pairs.join(',')}}`;
}

/** Parses Prometheus's text format (the subset prom-client writes: no timestamps, no escaped quotes in our labels). */
function parseSamples(text: string): Samples {
	const samples: Samples = new Map();
	for (const line of text.split('\n')) {
		if (line === '' || line.startsWith('#')) continue;
		const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
		if (!match) throw new Error(`not a sample line: ${line}`);
		const labels: Record<string, string> = {};
		for (const pair of (match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) labels[pair[1]!] = pair[2]!;
		samples.set(sampleKey(match[1]!, labels), Number(match[3]));
	}
	return samples;
}

let h: Harness;
let bot: Bot;
let base: string;

async function get(path: string): Promise<{ status: number; text: string; type: string | null }> {
	const response = await fetch(`${base}${path}`);
	return { status: response.status, text: await response.text(), type: response.headers.get('content-type') };
}

async function scrape(): Promise<Samples> {
	const { status, text } = await get('/metrics');
	expect(status).toBe(200);
	return parseSamples(text);
}

function value(samples: Samples, name: string, labels?: Record<string, string>): number {
	return samples.get(sampleKey(name, labels)) ?? 0;
}

const M = 'factorio_mod_bot_';

beforeAll(async () => {
	const port = await freePort();
	base = `http://127.0.0.1:${port}`;
	h = await createHarness({
		env: { POLL_CRON: NEVER, CATALOG_CRON: NEVER, HTTP_PORT: String(port), HTTP_HOST: '127.0.0.1' },
	});
});

afterAll(async () => {
	await h.close();
});

describe('the operations endpoints of the running bot', () => {
	it('does answer /readyz with 503 naming the gateway while the gateway is not ready, and 200 once it is', async () => {
		// Discord asks the bot to wait a second before it may ask for the gateway: login is held there.
		h.discord.injectFault({
			method: 'GET',
			path: /^\/gateway\/bot$/,
			status: 429,
			body: { message: 'You are being rate limited.', retry_after: 1, global: false },
		});
		const starting = h.start();
		await h.discord.waitFor((r) => r.path === '/gateway/bot' && r.status === 429);
		const waiting = await get('/readyz');
		expect(waiting.status).toBe(503);
		expect(waiting.text).toMatch(/^not ready\n/);
		expect(waiting.text).toMatch(/^gateway: not connected \(\w+\)$/m);
		expect(waiting.text).toMatch(/^store: ok$/m);
		expect((await get('/healthz')).status).toBe(200);

		bot = await starting;
		const ready = await get('/readyz');
		expect(ready.text).toBe('ready\nstore: ok\ngateway: ok\ncatalog: ok\n');
		expect(ready.status).toBe(200);
	});

	it('does move the counters and gauges when commands, a poll tick and deliveries go through the fakes', async () => {
		const { text, announcement } = h.discord.channels;
		// The first tick seeds the known releases; the subscriptions are made before the releases appear.
		await bot.jobs.releasePoller.run();
		for (const [name, channel] of [
			['FARL', text],
			['bobplates', announcement],
		] as const) {
			const { id } = await h.discord.chatInput({
				name: 'subscribe',
				subcommand: 'mod',
				options: { name, channel },
				user: 'admin',
			});
			await h.discord.interactionReply(id);
		}
		const before = await scrape();

		const search = await h.discord.chatInput({ name: 'mod', subcommand: 'search', options: { query: 'train' } });
		await h.discord.interactionReply(search.id);
		const info = await h.discord.chatInput({ name: 'mod', subcommand: 'info', options: { name: 'Squeak Through' } });
		await h.discord.interactionReply(info.id);
		const typing = await h.discord.autocomplete({
			name: 'mod',
			subcommand: 'info',
			options: { name: 'squ' },
			focused: 'name',
		});
		await h.discord.interactionReply(typing.id);
		// A subcommand and a button the bot never registered: the labels must not carry what the user sent.
		const invented = await h.discord.chatInput({ name: 'mod', subcommand: 'drop-table', options: {} });
		await h.discord.interactionReply(invented.id);
		const stray = await h.discord.component({ customId: 'user-typed-anything|12345', componentType: 2 });
		await h.discord.interactionReply(stray.id);

		h.discord.injectFault({
			method: 'POST',
			path: new RegExp(`^/channels/${announcement}/messages$`),
			status: 403,
			body: { code: 50013, message: 'Missing Permissions' },
		});
		const at = new Date().toISOString();
		h.portal.addRelease('FARL', { version: '9.9.9', factorio_version: '0.16', released_at: at });
		h.portal.addRelease('bobplates', { version: '9.9.9', factorio_version: '0.16', released_at: at });
		await bot.jobs.releasePoller.run();
		// The gateway's first heartbeat comes within its interval (times a random factor).
		await vi.waitFor(
			() => {
				expect(bot.client.ws.ping).toBeGreaterThanOrEqual(0);
			},
			{ timeout: 15_000, interval: 50 },
		);

		const after = await scrape();
		const moved = (name: string, labels?: Record<string, string>) =>
			value(after, name, labels) - value(before, name, labels);

		const ok = (command: string, type: string) => ({ command, type, outcome: 'ok' });
		expect(moved(`${M}interactions_total`, ok('mod search', 'command'))).toBe(1);
		expect(moved(`${M}interactions_total`, ok('mod info', 'command'))).toBe(1);
		expect(moved(`${M}interactions_total`, ok('mod info', 'autocomplete'))).toBe(1);
		expect(moved(`${M}interactions_total`, { command: 'unknown', type: 'component', outcome: 'user_error' })).toBe(1);
		expect(moved(`${M}interactions_total`, { command: 'unknown', type: 'command', outcome: 'user_error' })).toBe(1);
		expect(moved(`${M}interaction_duration_seconds_count`, { command: 'mod info', type: 'command' })).toBe(1);
		expect(moved(`${M}interaction_duration_seconds_sum`, { command: 'mod info', type: 'command' })).toBeGreaterThan(0);

		const full = { endpoint: '/api/mods/{name}/full', outcome: 'ok' };
		expect(moved(`${M}portal_requests_total`, full)).toBeGreaterThanOrEqual(1);
		expect(moved(`${M}portal_requests_total`, { endpoint: '/api/mods', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
		expect(moved(`${M}portal_request_duration_seconds_count`, { endpoint: '/api/mods/{name}/full' })).toBe(
			moved(`${M}portal_requests_total`, full),
		);

		expect(moved(`${M}poll_tick_duration_seconds_count`, { outcome: 'ok' })).toBe(1);
		expect(value(after, `${M}poll_last_success_timestamp_seconds`)).toBeGreaterThanOrEqual(
			value(before, `${M}poll_last_success_timestamp_seconds`),
		);
		expect(value(after, `${M}poll_last_success_timestamp_seconds`) * 1000).toBeLessThanOrEqual(Date.now());
		expect(moved(`${M}deliveries_total`, { outcome: 'delivered' })).toBe(1);
		expect(moved(`${M}deliveries_total`, { outcome: 'paused' })).toBe(1);
		expect(moved(`${M}delivery_messages_total`)).toBe(1);

		expect(value(after, `${M}subscriptions_paused`)).toBe(1);
		expect(value(after, `${M}outbox_pending`, { subscription: 'paused' })).toBe(1);
		expect(value(after, `${M}outbox_pending`, { subscription: 'active' })).toBe(0);
		expect(value(after, `${M}outbox_oldest_pending_age_seconds`, { subscription: 'paused' })).toBeGreaterThanOrEqual(0);
		expect(value(after, `${M}catalog_mods`)).toBe(bot.context.catalog.size);
		expect(after.has(`${M}catalog_age_seconds`)).toBe(true);
		expect(after.has(`${M}gateway_ping_seconds`)).toBe(true);
		expect(value(after, 'process_resident_memory_bytes')).toBeGreaterThan(0);
		expect(after.has('nodejs_eventloop_lag_seconds')).toBe(true);
	});

	it('does keep user input and mod names out of every label', async () => {
		const { text } = await get('/metrics');
		expect(text).not.toContain('user-typed-anything');
		expect(text).not.toContain('drop-table');
		expect(text).not.toContain('Squeak');
		expect(text).not.toContain('FARL');
		expect(text).not.toContain(h.discord.token);
	});

	it('does answer 404 for other paths and 405 for other methods', async () => {
		expect((await get('/metrics/../secret')).status).toBe(404);
		expect((await fetch(`${base}/metrics`, { method: 'POST', body: 'x' })).status).toBe(405);
	});

	it('does answer /readyz with 503 naming the store when the store is closed', async () => {
		await bot.database.close();
		const closed = await get('/readyz');
		expect(closed.status).toBe(503);
		expect(closed.text).toMatch(/^store: not reachable$/m);
		expect(closed.text).toMatch(/^gateway: ok$/m);
		await bot.stop();
		await expect(fetch(`${base}/healthz`)).rejects.toThrow();
	});

	it('does report a process without a gateway connection (SHARDS=none) ready without one', async () => {
		const port = await freePort();
		const rest = await createHarness({
			env: { POLL_CRON: NEVER, CATALOG_CRON: NEVER, HTTP_PORT: String(port), HTTP_HOST: '127.0.0.1', SHARDS: 'none' },
		});
		try {
			await rest.start();
			const response = await fetch(`http://127.0.0.1:${port}/readyz`);
			expect(await response.text()).toBe('ready\nstore: ok\ngateway: ok\ncatalog: ok\n');
			expect(response.status).toBe(200);
			expect(rest.discord.requestsTo('GET', /^\/gateway\/bot$/)).toHaveLength(0);
		} finally {
			await rest.close();
		}
	});
});
