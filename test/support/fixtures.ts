import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Folder of the recorded portal data: `FIXTURES_DIR`, set by vitest.config.ts to `../shared/fixtures`. */
export const fixturesDir = process.env.FIXTURES_DIR ?? join(import.meta.dirname, '../../../shared/fixtures');

/** Reads a recorded fixture as text, e.g. `fixtureText('changelogs/flib.txt')`. */
export function fixtureText(relativePath: string): string {
	return readFileSync(join(fixturesDir, relativePath), 'utf8');
}

/** Reads and parses a recorded JSON fixture, e.g. `fixtureJson('portal/mods-max-2018-02-18.json')`. */
export function fixtureJson(relativePath: string): unknown {
	return JSON.parse(fixtureText(relativePath)) as unknown;
}
