import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, sqlitePath } from '../../src/storage/store.js';

const dirs: string[] = [];
afterEach(() => {
	for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('openStore', () => {
	it('does read relative store URLs from the working directory and absolute ones as given', () => {
		expect(sqlitePath('sqlite://data/bot.sqlite')).toBe(resolve('data/bot.sqlite'));
		expect(sqlitePath('sqlite:///var/lib/bot/bot.sqlite')).toBe('/var/lib/bot/bot.sqlite');
		expect(sqlitePath('sqlite://:memory:')).toBeUndefined();
	});

	it('does create the folder and keep values across a reopen', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'fmb-store-'));
		dirs.push(dir);
		const url = `sqlite://${join(dir, 'nested', 'deeper', 'bot.sqlite')}`;
		const first = await openStore(url);
		await first.set('answer', { value: 42 });
		await first.disconnect();
		expect(existsSync(join(dir, 'nested', 'deeper', 'bot.sqlite'))).toBe(true);
		const second = await openStore(url);
		expect(await second.get('answer')).toEqual({ value: 42 });
		await second.disconnect();
	});

	it('does fail at once when the file cannot be opened', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'fmb-store-'));
		dirs.push(dir);
		// A folder where the database file should be.
		await expect(openStore(`sqlite://${dir}`)).rejects.toThrow();
	});
});
