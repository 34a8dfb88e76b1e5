import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvSchema, loadConfig } from '../src/config.js';

const ROOT = resolve(import.meta.dirname, '..');
const SETTINGS = Object.keys(EnvSchema.shape).sort();

/** The README's settings table: variable -> the default column (first backticked text, or the word there). */
function readmeSettings(): Map<string, string> {
	const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
	const section = readme.slice(
		readme.indexOf('\n## Settings'),
		readme.indexOf('\n## ', readme.indexOf('\n## Settings') + 1),
	);
	const settings = new Map<string, string>();
	for (const line of section.split('\n')) {
		const cells = line.split('|').map((cell) => cell.trim());
		const [, variables, fallback] = cells;
		if (!variables?.startsWith('`') || fallback === undefined) continue;
		const value = /`([^`]*)`/.exec(fallback)?.[1] ?? fallback;
		for (const match of variables.matchAll(/`([A-Z0-9_]+)`/g)) settings.set(match[1]!, value);
	}
	return settings;
}

/** `.env.example`: variable -> value. */
function envExample(): Map<string, string> {
	const text = readFileSync(resolve(ROOT, '.env.example'), 'utf8');
	const settings = new Map<string, string>();
	for (const match of text.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)) settings.set(match[1]!, match[2]!);
	return settings;
}

describe('the documented settings', () => {
	it('does list every variable of the config schema, and no other, in the README and .env.example', () => {
		expect([...readmeSettings().keys()].sort()).toEqual(SETTINGS);
		expect([...envExample().keys()].sort()).toEqual(SETTINGS);
	});

	it('does show the same defaults in the README as in .env.example', () => {
		const readme = readmeSettings();
		for (const [name, value] of envExample()) {
			const documented = readme.get(name);
			if (value === '') expect(['none', 'required'], name).toContain(documented);
			else expect([name, documented]).toEqual([name, value]);
		}
	});

	it('does give the config defaults when .env.example is copied as it is', () => {
		const copied = Object.fromEntries(envExample());
		expect(loadConfig({ ...copied, DISCORD_TOKEN: 'token' })).toEqual(loadConfig({ DISCORD_TOKEN: 'token' }));
	});
});
