import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrlPassword } from '../src/log.js';

function capture() {
	const lines: string[] = [];
	const stream = new Writable({
		write(chunk: Buffer, _encoding, callback) {
			lines.push(chunk.toString());
			callback();
		},
	});
	return { log: createLogger('trace', stream), lines };
}

describe('createLogger', () => {
	it('does mask a store URL’s password and redact tokens when a caller logs them', () => {
		const { log, lines } = capture();
		const storeUrl = 'postgres://bot:hunter2@db.example:5432/bot';
		log.info({ storeUrl, config: { storeUrl, discordToken: 'discord-secret' }, url: storeUrl }, 'starting');
		const text = lines.join('');
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
