/**
 * `npm start`: reads the settings from the environment (and `.env` when present), starts the bot, and stops it
 * cleanly on SIGINT/SIGTERM.
 */
import { existsSync } from 'node:fs';
import { startBot } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger, resolveLogFormat } from './log.js';

if (existsSync('.env')) process.loadEnvFile('.env');

let config;
try {
	config = loadConfig();
} catch (error) {
	if (error instanceof ConfigError) {
		console.error(error.message);
		process.exit(1);
	}
	throw error;
}

const log = createLogger(config.logLevel, undefined, resolveLogFormat(config.logFormat, process.stdout.isTTY));
try {
	const bot = await startBot(config, log);
	const shutdown = (signal: string) => {
		log.info({ signal }, 'stopping');
		bot.stop().then(
			() => process.exit(0),
			(error: unknown) => {
				log.error({ err: error }, 'error while stopping');
				process.exit(1);
			},
		);
	};
	process.once('SIGINT', shutdown);
	process.once('SIGTERM', shutdown);
} catch (error) {
	log.fatal({ err: error }, 'the bot could not start');
	process.exit(1);
}
