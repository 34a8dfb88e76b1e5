import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadStoreUrl } from '../src/config.js';

describe('loadConfig', () => {
	it('does apply every documented default when only DISCORD_TOKEN is set', () => {
		const config = loadConfig({ DISCORD_TOKEN: 'abc' });
		expect(config).toEqual({
			discordToken: 'abc',
			discordGuildId: undefined,
			discordApiUrl: 'https://discord.com/api',
			portalUrl: 'https://mods.factorio.com',
			assetsUrl: 'https://assets-mod.factorio.com',
			factorioUsername: undefined,
			factorioToken: undefined,
			storeUrl: 'sqlite://data/bot.sqlite',
			catalogCron: '0 * * * *',
			logLevel: 'info',
			portalTimeoutMs: 10_000,
			pollCron: '* * * * *',
			maxSubscriptionsPerGuild: 50,
			maxModpacksPerGuild: 25,
			announceMaxAgeMs: 24 * 3600_000,
			digestThreshold: 10,
			logFormat: undefined,
			httpPort: undefined,
			httpHost: undefined,
			shardCount: undefined,
			shards: undefined,
			discordRequestsPerSecond: 48,
			deliveryLeaseMs: 120_000,
		});
	});

	it('does treat empty lines of a copied .env.example as unset', () => {
		const config = loadConfig({
			DISCORD_TOKEN: 'abc',
			DISCORD_GUILD_ID: '',
			FACTORIO_USERNAME: '',
			FACTORIO_TOKEN: ' ',
		});
		expect(config.discordGuildId).toBeUndefined();
		expect(config.factorioToken).toBeUndefined();
	});

	it('does name every missing or invalid setting without echoing any value', () => {
		let error: unknown;
		try {
			loadConfig({
				DISCORD_GUILD_ID: 'not-a-snowflake',
				CATALOG_CRON: 'hourly-ish',
				DISCORD_API_URL: 'ftp://secret-host',
				LOG_LEVEL: 'loud',
				ANNOUNCE_MAX_AGE: 'a while',
			});
		} catch (caught) {
			error = caught;
		}
		expect(error).toBeInstanceOf(ConfigError);
		const message = (error as Error).message;
		for (const name of [
			'DISCORD_TOKEN',
			'DISCORD_GUILD_ID',
			'CATALOG_CRON',
			'DISCORD_API_URL',
			'LOG_LEVEL',
			'ANNOUNCE_MAX_AGE',
		]) {
			expect(message).toContain(name);
		}
		expect(message).not.toContain('secret-host');
	});

	it('does require FACTORIO_USERNAME and FACTORIO_TOKEN together, without echoing them', () => {
		expect(() => loadConfig({ DISCORD_TOKEN: 'abc', FACTORIO_USERNAME: 'someone' })).toThrow(
			/FACTORIO_USERNAME and FACTORIO_TOKEN must be set together/,
		);
		expect(() => loadConfig({ DISCORD_TOKEN: 'abc', FACTORIO_TOKEN: 'portal-secret' })).toThrow(
			/^(?![\s\S]*portal-secret)[\s\S]*FACTORIO_TOKEN/,
		);
	});

	it('does never put the token into the error when another setting is wrong', () => {
		expect(() => loadConfig({ DISCORD_TOKEN: 'super-secret-token', POLL_CRON: 'nope' })).toThrow(
			/^(?![\s\S]*super-secret-token)[\s\S]*POLL_CRON/,
		);
	});

	it('does accept a seconds field in cron settings, durations in several units, and strips trailing slashes', () => {
		const config = loadConfig({
			DISCORD_TOKEN: 'abc',
			POLL_CRON: '*/5 * * * * *',
			ANNOUNCE_MAX_AGE: '90m',
			FACTORIO_PORTAL_URL: 'http://127.0.0.1:8080/',
			STORE_URL: 'sqlite:///var/lib/bot/bot.sqlite',
		});
		expect(config.pollCron).toBe('*/5 * * * * *');
		expect(config.announceMaxAgeMs).toBe(90 * 60_000);
		expect(config.portalUrl).toBe('http://127.0.0.1:8080');
		expect(config.storeUrl).toBe('sqlite:///var/lib/bot/bot.sqlite');
	});

	it('does read the operations port, its interface and the log format when they are set', () => {
		const config = loadConfig({
			DISCORD_TOKEN: 'abc',
			HTTP_PORT: '9464',
			HTTP_HOST: '127.0.0.1',
			LOG_FORMAT: 'pretty',
		});
		expect(config).toMatchObject({ httpPort: 9464, httpHost: '127.0.0.1', logFormat: 'pretty' });
	});

	it('does name HTTP_PORT and LOG_FORMAT when they are not a port and not a format', () => {
		for (const port of ['0', '65536', 'http', '80.5']) {
			expect(() => loadConfig({ DISCORD_TOKEN: 'abc', HTTP_PORT: port })).toThrow(/HTTP_PORT must be a port number/);
		}
		expect(() => loadConfig({ DISCORD_TOKEN: 'abc', LOG_FORMAT: 'xml' })).toThrow(
			/LOG_FORMAT must be one of json, pretty/,
		);
	});

	it('does accept SQLite paths and PostgreSQL URLs as STORE_URL', () => {
		for (const url of [
			'sqlite://data/bot.sqlite',
			'sqlite:///var/lib/bot/bot.sqlite',
			'postgres://bot:secret@db.example:5432/bot',
			'postgresql://bot@127.0.0.1/bot?sslmode=require',
			'postgres:///bot?host=/var/run/postgresql',
		]) {
			expect(loadConfig({ DISCORD_TOKEN: 'abc', STORE_URL: url }).storeUrl).toBe(url);
		}
	});

	it('does refuse other STORE_URLs without echoing them, the password included', () => {
		for (const url of [
			'mysql://bot:hunter2@db/bot',
			'sqlite://',
			'postgres://bot:hunter2@[broken/bot',
			'postgres://',
		]) {
			let error: unknown;
			try {
				loadConfig({ DISCORD_TOKEN: 'abc', STORE_URL: url });
			} catch (caught) {
				error = caught;
			}
			expect(error).toBeInstanceOf(ConfigError);
			expect((error as Error).message).toContain('STORE_URL must look like');
			expect((error as Error).message).not.toContain('hunter2');
		}
	});

	it('does read STORE_URL alone, without the Discord token, for npm run migrate', () => {
		expect(loadStoreUrl({})).toBe('sqlite://data/bot.sqlite');
		expect(loadStoreUrl({ STORE_URL: 'postgres://bot@db/bot' })).toBe('postgres://bot@db/bot');
		expect(() => loadStoreUrl({ STORE_URL: 'redis://x' })).toThrow(ConfigError);
	});

	it('does read SHARDS as ranges and lists below SHARD_COUNT, or none for no gateway connection', () => {
		const read = (env: Record<string, string>) => loadConfig({ DISCORD_TOKEN: 'abc', ...env });
		expect(read({ SHARD_COUNT: '8', SHARDS: '0-2,5' })).toMatchObject({ shardCount: 8, shards: [0, 1, 2, 5] });
		expect(read({ SHARD_COUNT: '4', SHARDS: '3' }).shards).toEqual([3]);
		expect(read({ SHARDS: 'none' }).shards).toBe('none');
		expect(read({ SHARD_COUNT: '4' })).toMatchObject({ shardCount: 4, shards: undefined });
	});

	it('does name SHARDS or SHARD_COUNT when the shard ids are malformed, repeated, out of range or without a count', () => {
		const problem = (env: Record<string, string>) => {
			try {
				loadConfig({ DISCORD_TOKEN: 'abc', ...env });
			} catch (error) {
				return (error as Error).message;
			}
			return 'no error';
		};
		expect(problem({ SHARD_COUNT: '4', SHARDS: '2-1' })).toContain('SHARDS must be none, or shard ids');
		expect(problem({ SHARD_COUNT: '4', SHARDS: 'a' })).toContain('SHARDS must be none, or shard ids');
		expect(problem({ SHARD_COUNT: '4', SHARDS: '0-2,2' })).toContain('SHARDS must list each shard id once');
		expect(problem({ SHARD_COUNT: '4', SHARDS: '0-4' })).toContain('SHARDS must be below SHARD_COUNT');
		expect(problem({ SHARDS: '0-1' })).toContain('SHARD_COUNT SHARDS lists shard ids');
		expect(problem({ DISCORD_REQUESTS_PER_SECOND: '60' })).toContain('DISCORD_REQUESTS_PER_SECOND must be at most 50');
	});
});
