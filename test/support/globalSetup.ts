/**
 * Vitest global setup (vitest docs, "globalSetup"): runs once before all test files.
 *
 * - Checks that the recorded portal data is there (`../shared/fixtures`, or `FIXTURES_DIR`), so a missing folder is
 *   one clear sentence instead of a failure in every file.
 * - Provides a PostgreSQL server for the store tests that run on both engines (`postgres.ts`): `TEST_POSTGRES_URL`
 *   (an existing server; the tests create and drop their own databases on it), or else an embedded PostgreSQL
 *   started here and stopped at the end.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres.js';

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
	const server = await startPostgres();
	project.provide('postgresUrl', server.url);
	return () => server.stop();
}
