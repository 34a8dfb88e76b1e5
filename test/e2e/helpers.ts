import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBot, type Bot } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { FakeDiscord, type FakeDiscordOptions } from '../support/fakeDiscord.js';
import { FakePortal, type FakePortalOptions } from '../support/fakePortal.js';

/** Assets base used in tests: never fetched, only put into embeds. */
export const TEST_ASSETS_URL = 'https://assets.invalid';

/** Both fakes, a temp store folder, and the settings that point the bot at them. */
export interface Harness {
	portal: FakePortal;
	discord: FakeDiscord;
	dir: string;
	config: Config;
	bots: Bot[];
	/** Starts the bot through the same composition root as `npm start`, waiting for its first catalog refresh. */
	start(extraEnv?: Record<string, string>, log?: Logger): Promise<Bot>;
	close(): Promise<void>;
}

/**
 * Starts a fake portal (recorded 2018 catalogue by default) and a fake Discord (enforcing Discord's 3-second
 * interaction deadline unless `discord` says otherwise), and settings pointing at them.
 */
export async function createHarness(
	options: { portal?: FakePortalOptions; discord?: FakeDiscordOptions; env?: Record<string, string> } = {},
): Promise<Harness> {
	const portal = await FakePortal.start(options.portal);
	// A long heartbeat: with the 500 ms default, a test process held off the CPU for half a second (two cores, many
	// test files) runs its heartbeat timer before the ACK waiting in the socket, takes the gateway for dead and
	// reconnects, and an interaction dispatched meanwhile finds no session.
	const discord = await FakeDiscord.start({ heartbeatIntervalMs: 5_000, ...options.discord });
	const dir = mkdtempSync(join(tmpdir(), 'fmb-e2e-'));
	const env = (extra: Record<string, string> = {}) => ({
		DISCORD_TOKEN: discord.token,
		DISCORD_API_URL: discord.apiUrl,
		DISCORD_GUILD_ID: discord.guildId,
		FACTORIO_PORTAL_URL: portal.url,
		FACTORIO_ASSETS_URL: TEST_ASSETS_URL,
		STORE_URL: `sqlite://${join(dir, 'bot.sqlite')}`,
		LOG_LEVEL: 'silent',
		PORTAL_TIMEOUT_MS: '1000',
		...options.env,
		...extra,
	});
	const harness: Harness = {
		portal,
		discord,
		dir,
		config: loadConfig(env()),
		bots: [],
		async start(extraEnv, log) {
			const bot = await startBot(loadConfig(env(extraEnv)), log ?? silentLogger());
			harness.bots.push(bot);
			await bot.initialRefresh;
			return bot;
		},
		async close() {
			for (const bot of harness.bots) await bot.stop();
			await discord.close();
			await portal.close();
			rmSync(dir, { recursive: true, force: true });
		},
	};
	return harness;
}
