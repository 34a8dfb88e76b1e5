import { pino, type Logger as PinoLogger } from 'pino';

/** The logger every module receives: pino's, so `log.info({ mod }, 'text')` style structured logging. */
export type Logger = PinoLogger;

/**
 * Paths that never reach a log line: secrets are redacted even if a caller logs a whole config or request.
 * See `pino` docs, "Redaction".
 */
const REDACT = [
	'token',
	'*.token',
	'discordToken',
	'*.discordToken',
	'factorioToken',
	'*.factorioToken',
	'headers.authorization',
	'*.headers.authorization',
];

/** Paths of store URLs: logged with the password masked, the rest kept (engine, host, database help debugging). */
const URL_PATHS = ['storeUrl', '*.storeUrl', 'url', '*.url'];

/**
 * Masks the password of every URL with credentials in `text` (`postgres://bot:s3cret@db/bot` ->
 * `postgres://bot:***@db/bot`); text without one is returned as is.
 */
export function redactUrlPassword(text: string): string {
	return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@');
}

function censor(value: unknown, path: string[]): unknown {
	const last = path.at(-1);
	if ((last === 'storeUrl' || last === 'url') && typeof value === 'string') return redactUrlPassword(value);
	return '[Redacted]';
}

/**
 * Creates the process logger: JSON lines on stdout at `level` (`fatal`..`trace`, or `silent`).
 * Secrets under the {@link REDACT} paths are replaced by `[Redacted]`; URLs under `storeUrl` or `url` keep everything
 * but their password (see {@link redactUrlPassword}).
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
	return pino(
		{ level, redact: { paths: [...REDACT, ...URL_PATHS], censor }, base: { app: 'factorio-mod-bot' } },
		destination,
	);
}

/** A logger that drops everything, for tests and benchmarks. */
export function silentLogger(): Logger {
	return pino({ level: 'silent' });
}
