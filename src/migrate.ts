/**
 * `npm run migrate` (run with tsx, no build needed): brings the store at `STORE_URL` (the environment, or `.env`
 * when present) up to the newest schema and prints the migrations it applied. `npm run migrate -- --status` lists every migration with the time it
 * was applied, or `pending`, and changes nothing. The bot applies the same migrations itself at start; this is for
 * upgrading ahead of a start, or checking a store.
 *
 * On SQLite, applying takes the store's single-process lock, so it is refused while the bot runs on the same file;
 * `--status` only reads. Exit codes: 0 done, 1 failed (the message says why, never the URL's password), 2 bad usage.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ConfigError, loadStoreUrl } from './config.js';
import { redactUrlPassword } from './log.js';
import { openDatabase, scrubStoreError, type OpenDatabase } from './storage/database.js';
import { createMigrator, migrateToLatest } from './storage/migrations.js';
import type { Kysely } from 'kysely';

const USAGE = 'Usage: npm run migrate [-- --status]';

/** Where the store is, for the first output line: the SQLite file, or the URL with its password masked. */
function describe(database: OpenDatabase): string {
	return database.engine === 'sqlite'
		? `SQLite store ${database.file ?? ':memory:'}`
		: `PostgreSQL store ${redactUrlPassword(database.url)}`;
}

/**
 * Runs the command.
 *
 * @param args command-line arguments after the script (`[]` or `['--status']`).
 * @param env the environment to read `STORE_URL` from.
 * @param print receives each output line; errors go to `printError`.
 * @returns the exit code (0 done, 1 failed, 2 bad usage). Never throws.
 */
export async function runMigrate(
	args: readonly string[],
	env: NodeJS.ProcessEnv,
	print: (line: string) => void,
	printError: (line: string) => void,
): Promise<number> {
	const status = args.includes('--status');
	if (args.some((arg) => arg !== '--status')) {
		printError(USAGE);
		return 2;
	}
	let storeUrl: string;
	try {
		storeUrl = loadStoreUrl(env);
	} catch (error) {
		printError(error instanceof ConfigError ? error.message : String(error));
		return 1;
	}
	let database: OpenDatabase | undefined;
	try {
		database = await openDatabase(storeUrl, { migrate: false, lock: !status });
		print(describe(database));
		const db = database.db as Kysely<unknown>;
		if (status) {
			for (const migration of await createMigrator(db).getMigrations()) {
				const when = migration.executedAt ? `applied ${migration.executedAt.toISOString()}` : 'pending';
				print(`${migration.name}  ${when}`);
			}
			return 0;
		}
		const applied = await migrateToLatest(db);
		if (applied.length === 0) print('Nothing to apply: the schema is up to date.');
		for (const name of applied) print(`Applied ${name}`);
		return 0;
	} catch (error) {
		const scrubbed = scrubStoreError(error, storeUrl);
		printError(`The migration failed: ${scrubbed instanceof Error ? scrubbed.message : 'unknown error'}`);
		return 1;
	} finally {
		await database?.close().catch(() => undefined);
	}
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	if (existsSync('.env')) process.loadEnvFile('.env');
	process.exitCode = await runMigrate(
		process.argv.slice(2),
		process.env,
		(line) => {
			console.log(line);
		},
		(line) => {
			console.error(line);
		},
	);
}
