import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runMigrate } from '../src/migrate.js';
import { openDatabase } from '../src/storage/database.js';
import { MIGRATIONS } from '../src/storage/migrations.js';
import { createTestStoreUrl, ENGINES, type TestStoreUrl } from './support/database.js';

const ROOT = resolve(import.meta.dirname, '..');
const NAMES = Object.keys(MIGRATIONS);

interface Run {
	code: number | null;
	stdout: string;
	stderr: string;
}

/** Runs a command in the project folder with `STORE_URL` set (and nothing from a `.env`). */
function run(command: string, args: readonly string[], storeUrl: string): Promise<Run> {
	return new Promise((done) => {
		const child = spawn(command, args, {
			cwd: ROOT,
			env: { ...process.env, STORE_URL: storeUrl, DISCORD_TOKEN: '' },
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
		child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
		child.on('close', (code) => {
			done({ code, stdout, stderr });
		});
	});
}

/** The command in this process (what `npm run migrate` runs), its output collected. */
async function migrate(args: readonly string[], storeUrl: string): Promise<Run> {
	const out: string[] = [];
	const err: string[] = [];
	const code = await runMigrate(
		args,
		{ STORE_URL: storeUrl },
		(line) => out.push(line),
		(line) => err.push(line),
	);
	return { code, stdout: out.map((line) => `${line}\n`).join(''), stderr: err.map((line) => `${line}\n`).join('') };
}

describe('npm run migrate', () => {
	const stores: TestStoreUrl[] = [];
	afterEach(async () => {
		for (const store of stores.splice(0)) await store.drop();
	});

	it('does apply every migration and print their names when run on a new SQLite store', async () => {
		const store = await createTestStoreUrl('sqlite');
		stores.push(store);
		const first = await run('npm', ['run', '--silent', 'migrate'], store.url);
		expect(first.stderr).toBe('');
		expect(first.code).toBe(0);
		expect(first.stdout.trim().split('\n')).toEqual([
			`SQLite store ${store.url.replace('sqlite://', '')}`,
			...NAMES.map((name) => `Applied ${name}`),
		]);
		const again = await run('npm', ['run', '--silent', 'migrate'], store.url);
		expect(again.stdout).toContain('Nothing to apply: the schema is up to date.');
	});

	it.each(ENGINES)('does list the migrations as pending, then as applied, on %s', async (engine) => {
		const store = await createTestStoreUrl(engine);
		stores.push(store);
		const before = await migrate(['--status'], store.url);
		expect(before.code).toBe(0);
		for (const name of NAMES) expect(before.stdout).toMatch(new RegExp(`^${name}  pending$`, 'm'));
		const applied = await migrate([], store.url);
		expect(applied.code).toBe(0);
		expect(applied.stdout).toContain(`Applied ${NAMES.at(-1)!}`);
		const after = await migrate(['--status'], store.url);
		for (const name of NAMES) expect(after.stdout).toMatch(new RegExp(`^${name}  applied \\d{4}-\\d\\d-\\d\\dT`, 'm'));
	});

	it('does mask the PostgreSQL password in what it prints', async () => {
		const store = await createTestStoreUrl('postgres');
		stores.push(store);
		const { password } = new URL(store.url);
		const result = await migrate([], store.url);
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(/^PostgreSQL store postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/test_/);
		expect(result.stdout + result.stderr).not.toContain(`:${password}@`);
	});

	it('does fail with a message free of the password when the database cannot be reached or the URL is broken', async () => {
		const unreachable = await migrate([], 'postgres://bot:hunter2-secret@127.0.0.1:1/bot');
		expect(unreachable.code).toBe(1);
		expect(unreachable.stderr).toMatch(/^The migration failed: connect ECONNREFUSED/);
		const broken = await migrate([], 'postgres://bot:hunter2-secret@[not-a-host/bot');
		expect(broken.code).toBe(1);
		expect(broken.stderr).toContain('STORE_URL must look like');
		for (const output of [unreachable, broken]) expect(output.stdout + output.stderr).not.toContain('hunter2');
	});

	it('does refuse to migrate an SQLite store while the bot uses it, and still shows the status', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'fmb-migrate-'));
		try {
			const url = `sqlite://${join(dir, 'bot.sqlite')}`;
			const running = await openDatabase(url);
			try {
				const refused = await migrate([], url);
				expect(refused.code).toBe(1);
				expect(refused.stderr).toMatch(/Another process is using the SQLite store .*postgres:\/\//);
				const status = await migrate(['--status'], url);
				expect(status.code).toBe(0);
				expect(status.stdout).toMatch(/applied/);
			} finally {
				await running.close();
			}
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it('does print its usage and exit with 2 when given an unknown argument', async () => {
		const result = await migrate(['--down'], 'sqlite://:memory:');
		expect(result.code).toBe(2);
		expect(result.stderr.trim()).toBe('Usage: npm run migrate [-- --status]');
	});
});
