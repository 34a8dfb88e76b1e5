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

/**
 * Creates the process logger: JSON lines on stdout at `level` (`fatal`..`trace`, or `silent`).
 * Secrets under the {@link REDACT} paths are replaced by `[Redacted]`.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
	return pino(
		{ level, redact: { paths: REDACT, censor: '[Redacted]' }, base: { app: 'factorio-mod-bot' } },
		destination,
	);
}

/** A logger that drops everything, for tests and benchmarks. */
export function silentLogger(): Logger {
	return pino({ level: 'silent' });
}
