import { createHash } from 'node:crypto';
import { Routes, type REST } from 'discord.js';
import type { Logger } from '../log.js';
import type Keyv from 'keyv';
import type { Command } from './command.js';

/** What {@link registerCommands} did. */
export type RegistrationResult = 'registered' | 'unchanged';

/**
 * Registers the commands with one bulk overwrite (`PUT /applications/{app}/commands`, or
 * `/applications/{app}/guilds/{guild}/commands` when `guildId` is set: instant, for testing). Follows Discord docs
 * "Application Commands: Bulk Overwrite". With a `store`, a hash of the last registered JSON per scope is kept and an
 * unchanged set is not sent again (global registration is rate limited and slow to propagate).
 *
 * @throws DiscordAPIError from @discordjs/rest when Discord refuses the commands (e.g. 401 bad token).
 */
export async function registerCommands(options: {
	rest: REST;
	applicationId: string;
	guildId?: string;
	commands: readonly Command[];
	store?: Pick<Keyv, 'get' | 'set'>;
	log?: Logger;
}): Promise<RegistrationResult> {
	const { rest, applicationId, guildId, commands, store, log } = options;
	const body = commands.map((command) => command.data);
	const scope = guildId ? `guild:${guildId}` : 'global';
	const key = `commands:${applicationId}:${scope}`;
	const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
	if (store && (await store.get<string>(key)) === hash) {
		log?.info({ scope }, 'commands unchanged, not registering again');
		return 'unchanged';
	}
	const route = guildId
		? Routes.applicationGuildCommands(applicationId, guildId)
		: Routes.applicationCommands(applicationId);
	await rest.put(route, { body });
	await store?.set(key, hash);
	log?.info({ scope, count: body.length }, 'commands registered');
	return 'registered';
}
