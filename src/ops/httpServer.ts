/**
 * The operations endpoints on `HTTP_PORT` (README "Health and metrics"), on a small `node:http` server of their own:
 * - `GET /healthz`: 200 while the process runs (a liveness probe);
 * - `GET /readyz`: 200 when every readiness check passes, else 503 with the reasons, one line per check;
 * - `GET /metrics`: the registry in Prometheus's text format.
 * `HEAD` works as `GET` without a body; other methods get 405, other paths 404. Nothing here reads a request body,
 * and no answer holds a secret.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../log.js';
import { checkReadiness, type ReadinessCheck } from './readiness.js';

/** A running operations server. */
export interface OpsServer {
	/** `http://host:port`, with the port actually bound. */
	readonly url: string;
	readonly port: number;
	/** Stops listening and closes open connections. */
	close(): Promise<void>;
}

/** Settings of {@link startOpsServer}. */
export interface OpsServerOptions {
	/** TCP port, 1 to 65535 (0: any free port, for tests). */
	port: number;
	/** Interface to bind; default all interfaces (node's default: `::` and `0.0.0.0`). */
	host?: string;
	registry: Registry;
	readiness: readonly ReadinessCheck[];
	log: Logger;
	/** Longest wait for one readiness check, in milliseconds; default 2,000. */
	checkTimeoutMs?: number;
}

/**
 * The URL this machine reaches the server at: the loopback address when it listens on every interface (no `host`,
 * `0.0.0.0` or `::`), else `host` (IPv6 in brackets).
 */
export function localUrl(port: number, host?: string): string {
	const local = host === undefined || host === '0.0.0.0' || host === '::';
	const name = local ? '127.0.0.1' : host;
	return `http://${name.includes(':') ? `[${name}]` : name}:${port}`;
}

/** Why the server could not start, naming the port (never anything secret). */
export class OpsServerError extends Error {
	override readonly name = 'OpsServerError';
}

function send(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
	response.writeHead(status, {
		'content-type': 'text/plain; charset=utf-8',
		'cache-control': 'no-store',
		'content-length': String(Buffer.byteLength(body)),
		...headers,
	});
	response.end(response.req.method === 'HEAD' ? undefined : body);
}

/**
 * Starts the operations server and resolves once it listens.
 *
 * @throws {OpsServerError} when the port cannot be bound (in use, no permission), naming the port.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
	const { registry, readiness, log } = options;
	const checkTimeoutMs = options.checkTimeoutMs ?? 2_000;

	const routes: Record<string, (response: ServerResponse) => Promise<void> | void> = {
		'/healthz': (response) => {
			send(response, 200, 'ok\n');
		},
		'/readyz': async (response) => {
			const report = await checkReadiness(readiness, checkTimeoutMs);
			const lines = report.checks.map(({ name, reason }) => `${name}: ${reason ?? 'ok'}`);
			send(response, report.ready ? 200 : 503, `${report.ready ? 'ready' : 'not ready'}\n${lines.join('\n')}\n`);
		},
		'/metrics': async (response) => {
			send(response, 200, await registry.metrics(), { 'content-type': registry.contentType });
		},
	};

	const handle = async (request: IncomingMessage, response: ServerResponse) => {
		const path = new URL(request.url ?? '/', 'http://localhost').pathname;
		const route = routes[path];
		if (!route) {
			send(response, 404, 'not found: try /healthz, /readyz or /metrics\n');
			return;
		}
		if (request.method !== 'GET' && request.method !== 'HEAD') {
			send(response, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
			return;
		}
		try {
			await route(response);
		} catch (error) {
			log.error({ err: error, path }, 'an operations endpoint failed');
			if (!response.headersSent) send(response, 500, 'internal error\n');
			else response.destroy();
		}
	};

	const server = createServer((request, response) => {
		void handle(request, response);
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', (error: NodeJS.ErrnoException) => {
			const why = error.code === 'EADDRINUSE' ? 'it is in use' : (error.code ?? error.message);
			reject(new OpsServerError(`HTTP_PORT ${options.port} cannot be used: ${why}`, { cause: error }));
		});
		server.listen(options.port, options.host, () => {
			resolve();
		});
	});
	server.on('error', (error) => {
		log.error({ err: error }, 'operations server error');
	});
	const address = server.address() as AddressInfo;
	const url = localUrl(address.port, options.host);
	log.info(
		{ port: address.port, host: options.host ?? 'all interfaces', endpoints: Object.keys(routes) },
		'operations endpoints listening',
	);
	return {
		url,
		port: address.port,
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => {
					resolve();
				});
				server.closeAllConnections();
			}),
	};
}
