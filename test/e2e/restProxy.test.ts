/**
 * The shared REST proxy of README "Scaling out": @discordjs/proxy with the settings of discord.js's own proxy
 * container (`rejectOnRateLimit: () => true, retries: 0`: the bot processes retry), between the bot
 * (`DISCORD_API_URL`) and the fake Discord.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { proxyRequests } from '@discordjs/proxy';
import { REST } from '@discordjs/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../support/fakeDiscord.js';
import { createHarness, type Harness } from './helpers.js';

let h: Harness;
let proxy: Server;
const proxied: string[] = [];

beforeAll(async () => {
	// The proxy needs the fake's address before the harness exists: start a fake Discord of its own for it.
	const discord = await FakeDiscord.start({ heartbeatIntervalMs: 5_000 });
	const rest = new REST({ api: discord.apiUrl, rejectOnRateLimit: () => true, retries: 0 });
	const handle = proxyRequests(rest);
	proxy = createServer((request, response) => {
		proxied.push(`${request.method ?? ''} ${request.url ?? ''}`);
		void handle(request, response);
	});
	await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
	const { port } = proxy.address() as AddressInfo;
	h = await createHarness({ env: { DISCORD_API_URL: `http://127.0.0.1:${port}/api` } });
	// Point the harness at the proxied fake instead of its own.
	await h.discord.close();
	Object.assign(h, { discord });
	await h.start({ DISCORD_GUILD_ID: discord.guildId });
}, 60_000);

afterAll(async () => {
	await h.close();
	await new Promise((resolve) => proxy.close(resolve));
});

describe('the bot behind @discordjs/proxy', () => {
	it('does log in, register its commands and answer a command with every REST request through the proxy', async () => {
		const { id } = await h.discord.chatInput({ name: 'mod', subcommand: 'search', options: { query: 'train' } });
		const reply = await h.discord.interactionReply(id);
		expect(reply.type).toBe(4);
		expect(proxied).toContain('GET /api/v10/gateway/bot');
		expect(proxied).toContain(
			`PUT /api/v10/applications/${h.discord.applicationId}/guilds/${h.discord.guildId}/commands`,
		);
		expect(proxied.some((line) => line.startsWith(`POST /api/v10/interactions/${id}/`))).toBe(true);
		// Nothing reached the fake around the proxy: every request the fake saw came through it.
		expect(h.discord.requests).toHaveLength(proxied.length);
	});
});
