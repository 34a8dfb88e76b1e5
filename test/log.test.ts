import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createLogger, redactUrlPassword, resolveLogFormat, type LogFormat } from '../src/log.js';

const DISCORD_TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.SECRET.discord-token-value';
const FACTORIO_TOKEN = 'factorio-secret-token-0123456789';
const STORE_PASSWORD = 'store-password-hunter2';

function capture(format: LogFormat): { log: ReturnType<typeof createLogger>; output: () => string } {
	const chunks: string[] = [];
	const sink = new Writable({
		write(chunk: Buffer, _encoding, done) {
			chunks.push(chunk.toString());
			done();
		},
	});
	return { log: createLogger('debug', sink, format), output: () => chunks.join('') };
}

/**
 * Logs the secrets every way a caller might: the whole config (with a PostgreSQL store URL), a token field, an
 * authorization header.
 */
function logSecrets(log: ReturnType<typeof createLogger>): void {
	const config = loadConfig({
		DISCORD_TOKEN,
		FACTORIO_USERNAME: 'someone',
		FACTORIO_TOKEN,
		STORE_URL: `postgres://bot:${STORE_PASSWORD}@db.example:5432/bot`,
	});
	log.info({ config }, 'settings loaded');
	log.warn({ token: DISCORD_TOKEN, request: { headers: { authorization: `Bot ${DISCORD_TOKEN}` } } }, 'request');
	log.error({ discordToken: DISCORD_TOKEN, factorioToken: FACTORIO_TOKEN, err: new Error('boom') }, 'it failed');
}

describe('createLogger', () => {
	it('does write human-readable lines with the secrets redacted when the format is pretty', () => {
		const { log, output } = capture('pretty');
		logSecrets(log);
		const text = output();
		expect(text).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO: settings loaded\n/);
		expect(text).toMatch(/^\[[^\]]+\] ERROR: it failed\n/m);
		expect(text).toContain('Error: boom');
		expect(text).not.toMatch(/^\{/m);
		// No colours when writing to anything but the process's own terminal.
		expect(text).not.toContain('\u001b[');
		expect(text).not.toContain(DISCORD_TOKEN);
		expect(text).not.toContain(FACTORIO_TOKEN);
		expect(text).not.toContain(STORE_PASSWORD);
		expect(text).toContain('postgres://bot:***@db.example:5432/bot');
		expect(text.match(/\[Redacted\]/g)).toHaveLength(6);
	});

	it('does write JSON lines with the same secrets redacted when the format is json', () => {
		const { log, output } = capture('json');
		logSecrets(log);
		const lines = output()
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line) as Record<string, unknown>);
		expect(lines.map((line) => line.msg)).toEqual(['settings loaded', 'request', 'it failed']);
		expect(lines[0]).toMatchObject({
			config: { discordToken: '[Redacted]', factorioToken: '[Redacted]', factorioUsername: 'someone' },
		});
		expect(lines[1]).toMatchObject({ token: '[Redacted]', request: { headers: { authorization: '[Redacted]' } } });
		expect(lines[2]).toMatchObject({ discordToken: '[Redacted]', factorioToken: '[Redacted]' });
		expect(output()).not.toContain(DISCORD_TOKEN);
		expect(output()).not.toContain(FACTORIO_TOKEN);
		expect(output()).not.toContain(STORE_PASSWORD);
		expect(lines[0]).toMatchObject({ config: { storeUrl: 'postgres://bot:***@db.example:5432/bot' } });
		expect(output().match(/\[Redacted\]/g)).toHaveLength(6);
	});

	it('does mask a store URL’s password and redact tokens when a caller logs them', () => {
		const { log, output } = capture('json');
		const storeUrl = 'postgres://bot:hunter2@db.example:5432/bot';
		log.info({ storeUrl, config: { storeUrl, discordToken: 'discord-secret' }, url: storeUrl }, 'starting');
		const text = output();
		expect(text).not.toContain('hunter2');
		expect(text).not.toContain('discord-secret');
		expect(text).toContain('postgres://bot:***@db.example:5432/bot');
	});
});

describe('redactUrlPassword', () => {
	it('does mask only the password of URLs with credentials', () => {
		expect(redactUrlPassword('see postgresql://a:b@h/d and postgres://a@h/d')).toBe(
			'see postgresql://a:***@h/d and postgres://a@h/d',
		);
		expect(redactUrlPassword('sqlite://data/bot.sqlite')).toBe('sqlite://data/bot.sqlite');
	});
});

describe('resolveLogFormat', () => {
	it('does pick pretty on a terminal and json elsewhere when LOG_FORMAT is unset, and LOG_FORMAT when set', () => {
		expect(resolveLogFormat(undefined, true)).toBe('pretty');
		expect(resolveLogFormat(undefined, false)).toBe('json');
		expect(resolveLogFormat('json', true)).toBe('json');
		expect(resolveLogFormat('pretty', false)).toBe('pretty');
	});
});

describe('npm start (src/index.ts)', () => {
	const dir = mkdtempSync(join(tmpdir(), 'fmb-log-'));
	afterAll(() => {
		rmSync(dir, { recursive: true, force: true });
	});

	/** Starts the bot against a closed port: it logs its start, then a fatal line, and exits 1. */
	async function failedStart(env: Record<string, string>): Promise<string> {
		const tsx = createRequire(import.meta.url).resolve('tsx');
		const run = promisify(execFile)(process.execPath, ['--import', tsx, join(import.meta.dirname, '../src/index.ts')], {
			cwd: dir,
			env: {
				PATH: process.env.PATH,
				DISCORD_TOKEN,
				DISCORD_API_URL: 'http://127.0.0.1:9/api',
				FACTORIO_PORTAL_URL: 'http://127.0.0.1:9',
				STORE_URL: `sqlite://${join(dir, `${env.LOG_FORMAT ?? 'auto'}.sqlite`)}`,
				...env,
			},
		});
		const failure = (await run.then(
			() => undefined,
			(error: unknown) => error,
		)) as { code?: number; stdout?: string } | undefined;
		expect(failure?.code).toBe(1);
		return failure?.stdout ?? '';
	}

	it('does write its last fatal line readable with LOG_FORMAT=pretty, and JSON when stdout is a pipe', async () => {
		const [pretty, piped] = await Promise.all([failedStart({ LOG_FORMAT: 'pretty' }), failedStart({})]);
		expect(pretty).toMatch(/^\[[^\]]+\] FATAL: the bot could not start\n {4}err: \{/m);
		expect(pretty).toContain('ECONNREFUSED');
		const last = JSON.parse(piped.trim().split('\n').at(-1) ?? '') as { level: number; msg: string };
		expect(last).toMatchObject({ level: 60, msg: 'the bot could not start' });
		expect(pretty + piped).not.toContain(DISCORD_TOKEN);
	});
});
