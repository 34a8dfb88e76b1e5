/**
 * The bot's settings: the one reader of `process.env`. Mirrored line by line in `.env.example` and the README.
 */
import { validate as validateCron } from 'node-cron';
import { z } from 'zod';

const optional = z
	.string()
	.optional()
	.transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const url = (fallback: string) =>
	optional
		.transform((value) => value ?? fallback)
		.pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }))
		.transform((value) => value.replace(/\/+$/, ''));

const cron = (fallback: string) =>
	optional
		.transform((value) => value ?? fallback)
		.refine((value) => validateCron(value), { error: 'must be a cron expression (node-cron syntax)' });

const positiveInt = (fallback: number) =>
	optional
		.transform((value) => value ?? String(fallback))
		.pipe(
			z.coerce
				.number<string>({ error: 'must be a number' })
				.int({ error: 'must be a whole number' })
				.positive({ error: 'must be positive' }),
		);

/** `24h`, `90m`, `3600s`, `1d` or plain seconds -> milliseconds. */
const duration = (fallback: string) =>
	optional
		.transform((value) => value ?? fallback)
		.transform((value, ctx) => {
			const match = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)?$/i.exec(value);
			if (!match) {
				ctx.addIssue({ code: 'custom', message: 'must be a duration like 24h, 90m, 3600s or 1d' });
				return z.NEVER;
			}
			const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[(match[2] ?? 's').toLowerCase() as 's' | 'm' | 'h' | 'd'];
			return Math.round(Number(match[1]) * unit * 1000);
		});

/** The default store: an SQLite file in `data/` below the working directory. */
export const DEFAULT_STORE_URL = 'sqlite://data/bot.sqlite';

/**
 * `STORE_URL`: `sqlite://relative/path` (from the working directory), `sqlite:///absolute/path`, or a PostgreSQL URL
 * (`postgres://user:password@host:5432/database`, also `postgresql://`). Checked here so that no driver ever sees a
 * URL it cannot parse: Node's URL parser puts the whole input, password included, into its error.
 */
const storeUrl = optional
	.transform((value) => value ?? DEFAULT_STORE_URL)
	.refine((value) => isStoreUrl(value), {
		error:
			'must look like sqlite://data/bot.sqlite, sqlite:///absolute/path.sqlite or postgres://user:password@host:5432/database',
	});

/** True for a usable `STORE_URL` (see {@link storeUrl}); never throws, never echoes the value. */
function isStoreUrl(value: string): boolean {
	if (value.startsWith('sqlite://')) return value.length > 'sqlite://'.length;
	if (!/^postgres(?:ql)?:\/\//.test(value) || !URL.canParse(value)) return false;
	const url = new URL(value);
	return url.hostname !== '' || url.searchParams.has('host');
}

/**
 * `SHARDS`: empty (every shard, discord.js `'auto'`), `none` (no gateway connection: REST only), or shard ids as
 * ranges and lists (`0-5`, `0,2,4`, `0-2,6`), ascending and without repeats.
 */
const shards = optional.transform((value, ctx): number[] | 'none' | undefined => {
	if (value === undefined) return undefined;
	if (value.toLowerCase() === 'none') return 'none';
	const ids: number[] = [];
	for (const part of value.split(',')) {
		const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
		const from = Number(match?.[1]);
		const to = match?.[2] === undefined ? from : Number(match[2]);
		if (!match || to < from || to - from > 10_000) {
			ctx.addIssue({ code: 'custom', message: 'must be none, or shard ids such as 0-5 or 0,2,4' });
			return z.NEVER;
		}
		for (let id = from; id <= to; id++) ids.push(id);
	}
	if (ids.some((id, i) => i > 0 && id <= (ids[i - 1] ?? -1))) {
		ctx.addIssue({ code: 'custom', message: 'must list each shard id once, in ascending order' });
		return z.NEVER;
	}
	return ids;
});

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const LOG_FORMATS = ['json', 'pretty'] as const;

/**
 * The environment variables the bot reads, one key per variable (README "Settings", `.env.example`), each with its
 * default and validation.
 */
export const EnvSchema = z.object({
	DISCORD_TOKEN: z
		.string({ error: 'is required: the bot token from the Discord developer portal' })
		.trim()
		.min(1, { error: 'is required: the bot token from the Discord developer portal' }),
	DISCORD_GUILD_ID: optional.pipe(
		z
			.string()
			.regex(/^\d{17,20}$/, { error: 'must be a guild id (a snowflake)' })
			.optional(),
	),
	DISCORD_API_URL: url('https://discord.com/api'),
	FACTORIO_PORTAL_URL: url('https://mods.factorio.com'),
	FACTORIO_ASSETS_URL: url('https://assets-mod.factorio.com'),
	FACTORIO_USERNAME: optional,
	FACTORIO_TOKEN: optional,
	STORE_URL: storeUrl,
	CATALOG_CRON: cron('0 * * * *'),
	LOG_LEVEL: optional
		.transform((value) => value ?? 'info')
		.pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })),
	PORTAL_TIMEOUT_MS: positiveInt(10_000),
	POLL_CRON: cron('* * * * *'),
	MAX_SUBSCRIPTIONS_PER_GUILD: positiveInt(50),
	MAX_MODPACKS_PER_GUILD: positiveInt(25),
	ANNOUNCE_MAX_AGE: duration('24h'),
	DIGEST_THRESHOLD: positiveInt(10),
	LOG_FORMAT: optional.pipe(z.enum(LOG_FORMATS, { error: `must be one of ${LOG_FORMATS.join(', ')}` }).optional()),
	HTTP_PORT: optional.pipe(
		z.coerce
			.number<string>({ error: 'must be a port number' })
			.int({ error: 'must be a port number' })
			.min(1, { error: 'must be a port number from 1 to 65535' })
			.max(65_535, { error: 'must be a port number from 1 to 65535' })
			.optional(),
	),
	HTTP_HOST: optional,
	SHARD_COUNT: optional.pipe(
		z.coerce
			.number<string>({ error: 'must be a number' })
			.int({ error: 'must be a whole number' })
			.positive({ error: 'must be positive' })
			.optional(),
	),
	SHARDS: shards,
	DISCORD_REQUESTS_PER_SECOND: positiveInt(48).pipe(
		z.number().max(50, { error: 'must be at most 50 (Discord allows 50 a second per bot)' }),
	),
	DELIVERY_LEASE: duration('2m'),
});

/** {@link EnvSchema} with the checks across variables, mapped to {@link Config}. */
export const ConfigSchema = EnvSchema.refine(
	(env) => (env.FACTORIO_USERNAME === undefined) === (env.FACTORIO_TOKEN === undefined),
	{
		error: 'FACTORIO_USERNAME and FACTORIO_TOKEN must be set together',
		path: ['FACTORIO_TOKEN'],
	},
)
	.refine((env) => !Array.isArray(env.SHARDS) || env.SHARD_COUNT !== undefined, {
		error: 'SHARDS lists shard ids: set SHARD_COUNT too (the total over all processes)',
		path: ['SHARD_COUNT'],
	})
	.refine(
		(env) =>
			!Array.isArray(env.SHARDS) ||
			env.SHARD_COUNT === undefined ||
			env.SHARDS.every((id) => id < (env.SHARD_COUNT ?? 0)),
		{ error: 'SHARDS must be below SHARD_COUNT (shard ids count from 0)', path: ['SHARDS'] },
	)
	.transform((env) => ({
		discordToken: env.DISCORD_TOKEN,
		discordGuildId: env.DISCORD_GUILD_ID,
		discordApiUrl: env.DISCORD_API_URL,
		portalUrl: env.FACTORIO_PORTAL_URL,
		assetsUrl: env.FACTORIO_ASSETS_URL,
		factorioUsername: env.FACTORIO_USERNAME,
		factorioToken: env.FACTORIO_TOKEN,
		storeUrl: env.STORE_URL,
		catalogCron: env.CATALOG_CRON,
		logLevel: env.LOG_LEVEL,
		portalTimeoutMs: env.PORTAL_TIMEOUT_MS,
		pollCron: env.POLL_CRON,
		maxSubscriptionsPerGuild: env.MAX_SUBSCRIPTIONS_PER_GUILD,
		maxModpacksPerGuild: env.MAX_MODPACKS_PER_GUILD,
		announceMaxAgeMs: env.ANNOUNCE_MAX_AGE,
		digestThreshold: env.DIGEST_THRESHOLD,
		/** Undefined: pretty on a terminal, else JSON (decided by `index.ts`, which knows stdout). */
		logFormat: env.LOG_FORMAT,
		/** Undefined: no operations endpoints. */
		httpPort: env.HTTP_PORT,
		httpHost: env.HTTP_HOST,
		/** Undefined: as many as Discord recommends (`/gateway/bot`). */
		shardCount: env.SHARD_COUNT,
		/** Undefined: every shard; `'none'`: no gateway connection (REST only); else this process's shard ids. */
		shards: env.SHARDS,
		/** discord.js REST `globalRequestsPerSecond` of this process. */
		discordRequestsPerSecond: env.DISCORD_REQUESTS_PER_SECOND,
		/** How long claimed outbox rows stay with their deliverer before another leader may take them, ms. */
		deliveryLeaseMs: env.DELIVERY_LEASE,
	}));

/**
 * The validated settings. Secrets: `discordToken`, `factorioToken` and the password inside a PostgreSQL `storeUrl`
 * (never log the object whole without pino's redaction, see `log.ts`).
 */
export type Config = z.output<typeof ConfigSchema>;

/** A missing or invalid setting. The message names the variables and never contains their values. */
export class ConfigError extends Error {
	override readonly name = 'ConfigError';
}

/** The {@link ConfigError} for failed settings: variable names and problems, never a value. */
function configError(error: z.ZodError): ConfigError {
	const problems = error.issues.map((issue) => `${issue.path.join('.') || 'settings'} ${issue.message}`);
	return new ConfigError(`Invalid settings:\n- ${problems.join('\n- ')}`);
}

/**
 * Reads and validates the settings from an environment (default `process.env`).
 *
 * @returns the settings with defaults applied (see the table in README.md).
 * @throws {ConfigError} naming every missing or invalid variable, without echoing any value.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
	const parsed = ConfigSchema.safeParse(env);
	if (parsed.success) return parsed.data;
	throw configError(parsed.error);
}

/**
 * Reads only `STORE_URL` (default {@link DEFAULT_STORE_URL}), for tools that need the store and nothing else
 * (`npm run migrate`): no Discord token required.
 *
 * @throws {ConfigError} when it is invalid, without echoing it.
 */
export function loadStoreUrl(env: NodeJS.ProcessEnv = process.env): string {
	const parsed = EnvSchema.pick({ STORE_URL: true }).safeParse(env);
	if (parsed.success) return parsed.data.STORE_URL;
	throw configError(parsed.error);
}
