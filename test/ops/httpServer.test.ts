import { Client, GatewayIntentBits } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { gatewayState } from '../../src/discord/gateway.js';
import { silentLogger } from '../../src/log.js';
import { checkHealth } from '../../src/ops/healthcheck.js';
import { OpsServerError, localUrl, startOpsServer, type OpsServer } from '../../src/ops/httpServer.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { botReadiness, checkReadiness, type ReadinessCheck } from '../../src/ops/readiness.js';

const servers: OpsServer[] = [];

afterEach(async () => {
	for (const server of servers.splice(0)) await server.close();
});

async function serve(readiness: readonly ReadinessCheck[] = [], checkTimeoutMs = 1_000): Promise<OpsServer> {
	const metrics = createMetrics({ defaultMetrics: false });
	metrics.interaction({ command: 'mod info', type: 'command', outcome: 'ok', ms: 12 });
	const server = await startOpsServer({
		port: 0,
		host: '127.0.0.1',
		registry: metrics.registry,
		readiness,
		log: silentLogger(),
		checkTimeoutMs,
	});
	servers.push(server);
	return server;
}

async function get(server: OpsServer, path: string, method = 'GET') {
	const response = await fetch(`${server.url}${path}`, { method });
	return { status: response.status, text: await response.text(), headers: response.headers };
}

describe('startOpsServer', () => {
	it('does answer /healthz with 200 and /metrics in Prometheus text format when asked', async () => {
		const server = await serve();
		const health = await get(server, '/healthz');
		expect(health).toMatchObject({ status: 200, text: 'ok\n' });
		expect(health.headers.get('cache-control')).toBe('no-store');
		const metrics = await get(server, '/metrics?x=1');
		expect(metrics.status).toBe(200);
		expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
		expect(metrics.text).toContain(
			'factorio_mod_bot_interactions_total{command="mod info",type="command",outcome="ok"} 1',
		);
	});

	it('does answer HEAD without a body, 405 for other methods and 404 for other paths', async () => {
		const server = await serve();
		const head = await get(server, '/healthz', 'HEAD');
		expect(head).toMatchObject({ status: 200, text: '' });
		const post = await get(server, '/readyz', 'POST');
		expect(post.status).toBe(405);
		expect(post.headers.get('allow')).toBe('GET, HEAD');
		expect((await get(server, '/')).status).toBe(404);
		expect((await get(server, '/healthz/')).status).toBe(404);
	});

	it('does answer /readyz with 503 and one line per check when a check fails, throws or hangs', async () => {
		const server = await serve(
			[
				{ name: 'fine', check: () => undefined },
				{ name: 'broken', check: () => 'not reachable' },
				{ name: 'throwing', check: () => Promise.reject(new Error('password=hunter2')) },
				{ name: 'hanging', check: () => new Promise<undefined>(() => undefined) },
			],
			50,
		);
		const ready = await get(server, '/readyz');
		expect(ready.status).toBe(503);
		expect(ready.text).toBe(
			'not ready\nfine: ok\nbroken: not reachable\nthrowing: the check failed\nhanging: no answer within 50 ms\n',
		);
	});

	it('does answer /readyz with 200 when every check passes', async () => {
		const server = await serve([{ name: 'store', check: () => Promise.resolve(undefined) }]);
		expect(await get(server, '/readyz')).toMatchObject({ status: 200, text: 'ready\nstore: ok\n' });
	});

	it('does refuse to start with an error naming the port when the port is taken', async () => {
		const first = await serve();
		const metrics = createMetrics({ defaultMetrics: false });
		const taken = startOpsServer({
			port: first.port,
			host: '127.0.0.1',
			registry: metrics.registry,
			readiness: [],
			log: silentLogger(),
		});
		await expect(taken).rejects.toThrow(OpsServerError);
		await expect(taken).rejects.toThrow(`HTTP_PORT ${first.port} cannot be used: it is in use`);
	});

	it('does stop answering when closed, even with a keep-alive connection open', async () => {
		const server = await serve();
		await get(server, '/healthz');
		await servers.pop()?.close();
		await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
	});
});

describe('botReadiness', () => {
	it('does name the store, the gateway and the catalog when none of them is ready', async () => {
		const client = new Client({ intents: [GatewayIntentBits.Guilds] });
		const report = await checkReadiness(
			botReadiness({
				probeStore: () => Promise.reject(new Error('SQLITE_MISUSE: Database is closed')),
				gatewayProblem: gatewayState(client).problem,
				catalog: { size: 0 },
			}),
			1_000,
		);
		expect(report).toEqual({
			ready: false,
			checks: [
				{ name: 'store', reason: 'not reachable' },
				{ name: 'gateway', reason: 'not connected (Idle)' },
				{ name: 'catalog', reason: 'not loaded yet' },
			],
		});
		await client.destroy();
	});

	it('does report ready when the store answers, the gateway is up and the catalog holds mods', async () => {
		const report = await checkReadiness(
			botReadiness({ probeStore: () => Promise.resolve(1), gatewayProblem: () => undefined, catalog: { size: 1 } }),
			1_000,
		);
		expect(report.ready).toBe(true);
	});
});

describe('checkHealth (the container HEALTHCHECK)', () => {
	it('does pass when /healthz answers, and fail when nothing listens on the port', async () => {
		const server = await serve();
		expect(await checkHealth({ httpPort: server.port, httpHost: undefined })).toBe(true);
		expect(await checkHealth({ httpPort: server.port, httpHost: '127.0.0.1' })).toBe(true);
		await servers.pop()?.close();
		expect(await checkHealth({ httpPort: server.port, httpHost: undefined })).toBe(false);
	});

	it('does pass without asking anything when HTTP_PORT is not set', async () => {
		expect(await checkHealth({ httpPort: undefined, httpHost: '192.0.2.1' })).toBe(true);
	});

	it('does reach a server bound to every interface on the loopback address, and IPv6 hosts in brackets', () => {
		expect(localUrl(8080)).toBe('http://127.0.0.1:8080');
		expect(localUrl(8080, '0.0.0.0')).toBe('http://127.0.0.1:8080');
		expect(localUrl(8080, '::')).toBe('http://127.0.0.1:8080');
		expect(localUrl(8080, '::1')).toBe('http://[::1]:8080');
		expect(localUrl(8080, '10.0.0.5')).toBe('http://10.0.0.5:8080');
	});
});
