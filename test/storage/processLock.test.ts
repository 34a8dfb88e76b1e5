import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, StoreLockedError } from '../../src/storage/database.js';
import { acquireProcessLock } from '../../src/storage/processLock.js';

const HOLDER = resolve(import.meta.dirname, '../support/holdStore.ts');

interface Holder {
	child: ChildProcessWithoutNullStreams;
	/** Resolves with `open`, or with the exit code and stderr of a refused start. */
	outcome: Promise<{ open: true } | { open: false; code: number | null; stderr: string }>;
}

/** Starts `test/support/holdStore.ts` on `url` in a new node process. */
function hold(url: string): Holder {
	const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, url], { stdio: 'pipe' });
	let stdout = '';
	let stderr = '';
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
	const outcome = new Promise<{ open: true } | { open: false; code: number | null; stderr: string }>((done) => {
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
			stdout += chunk;
			if (stdout.includes('open\n')) done({ open: true });
		});
		child.on('close', (code) => {
			done({ open: false, code, stderr });
		});
	});
	return { child, outcome };
}

describe('one process per SQLite store', () => {
	const children: ChildProcessWithoutNullStreams[] = [];
	let dir: string | undefined;
	afterEach(() => {
		for (const child of children.splice(0)) child.kill('SIGKILL');
		if (dir) rmSync(dir, { recursive: true, force: true });
		dir = undefined;
	});

	it('does refuse a second process on the same file, pointing to PostgreSQL, and let the next start in after a kill -9', async () => {
		dir = mkdtempSync(join(tmpdir(), 'fmb-lock-'));
		const url = `sqlite://${join(dir, 'bot.sqlite')}`;
		const first = hold(url);
		children.push(first.child);
		expect(await first.outcome).toEqual({ open: true });

		const second = hold(url);
		children.push(second.child);
		const refused = await second.outcome;
		expect(refused).toMatchObject({ open: false, code: 3 });
		const { stderr } = refused as { stderr: string };
		expect(stderr).toMatch(/^StoreLockedError: Another process is using the SQLite store .*postgres:\/\//);

		// A killed process leaves its lock file behind; the kernel has dropped its lock, so it blocks nobody.
		first.child.kill('SIGKILL');
		await once(first.child, 'close');
		const third = hold(url);
		children.push(third.child);
		expect(await third.outcome).toEqual({ open: true });
		third.child.stdin.end();
		const [code] = (await once(third.child, 'close')) as [number | null];
		expect(code).toBe(0);
	});

	it('does let the same store open again once it was closed, and refuse it while it is open', async () => {
		dir = mkdtempSync(join(tmpdir(), 'fmb-lock-'));
		const url = `sqlite://${join(dir, 'bot.sqlite')}`;
		const first = await openDatabase(url);
		await expect(openDatabase(url)).rejects.toThrow(StoreLockedError);
		await first.close();
		const second = await openDatabase(url);
		await second.close();
	});

	it('does hold no lock for an in-memory store or when told not to lock', async () => {
		dir = mkdtempSync(join(tmpdir(), 'fmb-lock-'));
		const url = `sqlite://${join(dir, 'bot.sqlite')}`;
		const locked = await openDatabase(url);
		const reader = await openDatabase(url, { lock: false, migrate: false });
		await reader.close();
		await locked.close();
		const memory = [await openDatabase('sqlite://:memory:'), await openDatabase('sqlite://:memory:')];
		for (const database of memory) await database.close();
	});

	it('does give the lock up only once when released twice', () => {
		dir = mkdtempSync(join(tmpdir(), 'fmb-lock-'));
		const file = join(dir, 'bot.sqlite');
		const lock = acquireProcessLock(file);
		lock.release();
		lock.release();
		const again = acquireProcessLock(file);
		expect(() => acquireProcessLock(file)).toThrow(StoreLockedError);
		again.release();
	});
});
