/**
 * `node dist/healthcheck.js`: the container's `HEALTHCHECK` (Dockerfile). Exits 0 when the bot's `/healthz` answers
 * (or `HTTP_PORT` is not set), 1 otherwise; reads the settings like `npm start` (environment, `.env` when present).
 */
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from './config.js';
import { checkHealth } from './ops/healthcheck.js';

if (existsSync('.env')) process.loadEnvFile('.env');

try {
	process.exitCode = (await checkHealth(loadConfig())) ? 0 : 1;
} catch (error) {
	console.error(error instanceof ConfigError ? error.message : 'The health check failed.');
	process.exitCode = 1;
}
