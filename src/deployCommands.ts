/**
 * `npm run deploy-commands`: registers the slash commands (guild or global, per `DISCORD_GUILD_ID`) without
 * starting the bot. Always sends the bulk overwrite.
 */
import { existsSync } from 'node:fs';
import { REST, Routes, type APIApplication } from 'discord.js';
import { commands } from './commands/index.js';
import { ConfigError, loadConfig } from './config.js';
import { registerCommands } from './discord/registerCommands.js';
import { createLogger, resolveLogFormat } from './log.js';

if (existsSync('.env')) process.loadEnvFile('.env');

try {
	const config = loadConfig();
	const log = createLogger(config.logLevel, undefined, resolveLogFormat(config.logFormat, process.stdout.isTTY));
	const rest = new REST({ api: config.discordApiUrl }).setToken(config.discordToken);
	const application = (await rest.get(Routes.currentApplication())) as APIApplication;
	await registerCommands({ rest, applicationId: application.id, guildId: config.discordGuildId, commands, log });
} catch (error) {
	console.error(
		error instanceof ConfigError
			? error.message
			: `Registering the commands failed: ${error instanceof Error ? error.message : String(error)}`,
	);
	process.exit(1);
}
