/**
 * Fresh stores for tests on both engines: an SQLite database in a temporary file, or a new database on the test
 * PostgreSQL server (see globalSetup.ts). Each call gives an empty, migrated store of its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type Engine, type OpenDatabase } from '../../src/storage/database.js';

/** Both engines, for `describe.each(ENGINES)`. */
export const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];

/** A store URL for a new, empty store; `drop()` removes it (after every connection to it is closed). */
export interface TestStoreUrl {
	url: string;
	drop(): Promise<void>;
}

/** Creates an empty store of `engine` and returns its URL (nothing is migrated yet). */
export async function createTestStoreUrl(engine: Engine): Promise<TestStoreUrl> {
	if (engine === 'sqlite') {
		const dir = mkdtempSync(join(tmpdir(), 'fmb-store-'));
		return {
			url: `sqlite://${join(dir, 'bot.sqlite')}`,
			drop: () => {
				rmSync(dir, { recursive: true, force: true });
				return Promise.resolve();
			},
		};
	}
	const base = inject('postgresUrl');
	const name = `test_${randomBytes(6).toString('hex')}`;
	const admin = new pg.Client({ connectionString: `${base}/postgres` });
	await admin.connect();
	try {
		await admin.query(`create database ${name}`);
	} finally {
		await admin.end();
	}
	return {
		url: `${base}/${name}`,
		async drop() {
			const client = new pg.Client({ connectionString: `${base}/postgres` });
			await client.connect();
			try {
				await client.query(`drop database if exists ${name} with (force)`);
			} finally {
				await client.end();
			}
		},
	};
}

/** An open, migrated, empty store of `engine`; `close()` closes and drops it. */
export async function openTestDatabase(engine: Engine): Promise<OpenDatabase & { url: string }> {
	const store = await createTestStoreUrl(engine);
	const database = await openDatabase(store.url);
	return {
		...database,
		url: store.url,
		async close() {
			await database.close();
			await store.drop();
		},
	};
}
