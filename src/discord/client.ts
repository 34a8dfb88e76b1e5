/**
 * The Discord client the bot uses (discord.js 14 `Client`): only the Guilds intent (no privileged intents), REST at
 * `DISCORD_API_URL` within `DISCORD_REQUESTS_PER_SECOND`, and the shards of `SHARD_COUNT`/`SHARDS` (issue 9 §1).
 */
import { Client, GatewayIntentBits, type ClientOptions } from 'discord.js';
import type { IIdentifyThrottler } from '@discordjs/ws';
import type { Config } from '../config.js';

/** The settings {@link createClient} reads; the scaling ones default to one process with every shard. */
export type ClientSettings = Pick<Config, 'discordApiUrl'> &
	Partial<Pick<Config, 'shardCount' | 'shards' | 'discordRequestsPerSecond'>>;

/**
 * The shards of this process as discord.js takes them (`ClientOptions.shards`/`shardCount`): `'auto'` (as many as
 * `GET /gateway/bot` recommends, all here) unless `SHARD_COUNT`/`SHARDS` say otherwise. `SHARDS=none` has no
 * gateway connection at all; it is not given to discord.js (the caller does not log in to the gateway).
 */
export function shardOptions(
	settings: Pick<ClientSettings, 'shardCount' | 'shards'>,
): Pick<ClientOptions, 'shards' | 'shardCount'> {
	const { shardCount, shards } = settings;
	if (Array.isArray(shards)) return { shards, shardCount };
	if (shardCount !== undefined) return { shards: Array.from({ length: shardCount }, (_, id) => id), shardCount };
	return { shards: 'auto' };
}

/**
 * Builds the client. Nothing connects until `login()`. Removes an empty `SHARD_COUNT` from `process.env` (see the
 * comment inside).
 *
 * @param options.identifyThrottler spaces identifies across processes (PostgreSQL, see `identifyThrottler.ts`):
 *   called with `max_concurrency` from `GET /gateway/bot`. Default: @discordjs/ws's throttler for this process alone.
 */
export function createClient(
	settings: ClientSettings,
	options: { identifyThrottler?: (maxConcurrency: number) => IIdentifyThrottler } = {},
): Client {
	const { identifyThrottler } = options;
	// discord.js's Client reads SHARD_COUNT from process.env (the ShardingManager's contract) when it is given no
	// shardCount of its own, as with 'auto': an empty one (`.env.example` copied as it is) would be Number('') = 0 and
	// refused. The settings were read already (config.ts), and for them an empty value means unset.
	if (process.env.SHARD_COUNT?.trim() === '') delete process.env.SHARD_COUNT;
	return new Client({
		intents: [GatewayIntentBits.Guilds],
		...shardOptions(settings),
		rest: {
			api: settings.discordApiUrl,
			...(settings.discordRequestsPerSecond === undefined
				? {}
				: { globalRequestsPerSecond: settings.discordRequestsPerSecond }),
		},
		ws: identifyThrottler
			? {
					async buildIdentifyThrottler(manager) {
						const info = await manager.fetchGatewayInformation();
						return identifyThrottler(info.session_start_limit.max_concurrency);
					},
				}
			: {},
	});
}
