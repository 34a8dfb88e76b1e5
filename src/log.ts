import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { prettyFactory } from 'pino-pretty';

/** The logger every module receives: pino's, so `log.info({ mod }, 'text')` style structured logging. */
export type Logger = PinoLogger;

/** `json`: one JSON object a line, for machines (log shippers, `docker logs`); `pretty`: for people at a terminal. */
export type LogFormat = 'json' | 'pretty';

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
 * The format `LOG_FORMAT` asks for, or when it is unset: `pretty` when stdout is a terminal, else `json`.
 */
export function resolveLogFormat(setting: LogFormat | undefined, stdoutIsTTY: boolean): LogFormat {
	return setting ?? (stdoutIsTTY ? 'pretty' : 'json');
}

/**
 * A pino destination that writes each line human-readable (pino-pretty's `prettyFactory`: time, level, message, then
 * the fields indented), synchronously, so nothing is lost when the process exits right after a fatal line. The lines
 * it receives are pino's JSON, already redacted.
 */
function prettyDestination(target: NodeJS.WritableStream | undefined): DestinationStream {
	const out = target ?? pino.destination({ dest: 1, sync: true });
	const prettify = prettyFactory({
		// Colours only on the process's own terminal (pino-pretty's default then honours NO_COLOR and TERM=dumb).
		...(target === undefined ? {} : { colorize: false }),
		translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
		ignore: 'pid,hostname,app',
	});
	return {
		write(line: string) {
			out.write(prettify(line));
		},
	};
}

/**
 * Creates the process logger at `level` (`fatal`..`trace`, or `silent`) writing to `destination` (default stdout):
 * JSON lines, or with `format` `pretty` readable lines (see {@link resolveLogFormat}). Secrets under the
 * {@link REDACT} paths are replaced by `[Redacted]`; URLs under `storeUrl` or `url` keep everything but their password
 * (see {@link redactUrlPassword}). Both happen before either format is written, so both show the same.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream, format: LogFormat = 'json'): Logger {
	const options = { level, redact: { paths: [...REDACT, ...URL_PATHS], censor }, base: { app: 'factorio-mod-bot' } };
	return pino(options, format === 'pretty' ? prettyDestination(destination) : destination);
}

/** A logger that drops everything, for tests and benchmarks. */
export function silentLogger(): Logger {
	return pino({ level: 'silent' });
}
