import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/app.js';
import { createHarness, type Harness } from './helpers.js';

const NEVER = '0 0 1 1 *';
/** Longer than Discord's 3 seconds, which the fake Discord enforces by default. */
const SLOW_MS = 3_500;

let h: Harness;
let bot: Bot;

beforeAll(async () => {
	h = await createHarness({
		portal: { credentials: { username: 'modder', token: 'portal-token' } },
		env: {
			FACTORIO_USERNAME: 'modder',
			FACTORIO_TOKEN: 'portal-token',
			POLL_CRON: NEVER,
			CATALOG_CRON: NEVER,
			// The portal is slow, not down: one attempt outlasts the delay.
			PORTAL_TIMEOUT_MS: '10000',
		},
	});
	bot = await h.start();
});

afterAll(async () => {
	await h.close();
});

/** The first answer (accepted within the deadline) and the final content the user sees. */
async function answered(id: string) {
	const callback = await h.discord.interactionResponse(id);
	const reply = await h.discord.interactionReply(id, SLOW_MS + 5_000);
	return { status: callback.status, type: reply.type, data: reply.data, flags: h.discord.replyMessage(id)?.flags };
}

describe('the 3-second deadline with a slow portal', () => {
	it('does answer in time and then finish every command that waits for the portal', async () => {
		// Known only to the portal: a summary edited after the catalog refresh, and a mod newer than the catalog.
		h.portal.mods.find((m) => m.name === 'Squeak Through')!.summary = 'Now with zyxwvq support.';
		h.portal.addMod({
			name: 'brand-new-mod',
			title: 'Brand New Mod',
			owner: 'newcomer',
			latest_release: { version: '0.1.0', info_json: { factorio_version: '0.16' } },
		});
		h.portal.fault({ kind: 'delay', ms: SLOW_MS, path: /^\/api\/search$/, times: 1 });
		h.portal.fault({ kind: 'delay', ms: SLOW_MS, path: /^\/api\/mods\/brand-new-mod$/, times: 1 });
		h.portal.fault({ kind: 'delay', ms: SLOW_MS, path: /^\/api\/mods\/FARL\/full$/, times: 1 });
		h.portal.fault({ kind: 'delay', ms: SLOW_MS, path: /^\/api\/mods\/bobplates\/full$/, times: 1 });

		const [search, subscribe, info, changelog] = await Promise.all([
			h.discord.chatInput({ name: 'mod', subcommand: 'search', options: { query: 'zyxwvq' } }),
			h.discord.chatInput({ name: 'subscribe', subcommand: 'mod', options: { name: 'brand-new-mod' }, user: 'admin' }),
			h.discord.chatInput({ name: 'mod', subcommand: 'info', options: { name: 'FARL' } }),
			h.discord.chatInput({ name: 'mod', subcommand: 'changelog', options: { name: 'bobplates' } }),
		]);
		const [searched, subscribed, shown, logged] = await Promise.all([
			answered(search.id),
			answered(subscribe.id),
			answered(info.id),
			answered(changelog.id),
		]);

		for (const first of [searched, subscribed, shown, logged]) {
			// Deferred (type 5) within the deadline, so Discord accepted the callback (204, not 404 10062).
			expect(first).toMatchObject({ status: 204, type: 5 });
		}
		expect(JSON.stringify(searched.data)).toContain('Squeak Through');
		expect(subscribed.data.content).toMatch(/^Subscribed mod brand-new-mod/);
		expect(subscribed.flags).toBe(64);
		expect(JSON.stringify(shown.data)).toContain('Fully Automated Rail Layer 2.0.4');
		expect(JSON.stringify(logged.data)).toContain('changelog');
		expect(await bot.context.subscriptions.list(h.discord.guildId)).toHaveLength(1);
	});

	it('does defer /subscriptions and /unsubscribe, which read and write the store, privately', async () => {
		const list = await h.discord.chatInput({ name: 'subscriptions', user: 'admin' });
		const listed = await answered(list.id);
		expect(listed).toMatchObject({ status: 204, type: 5, flags: 64 });
		const [subscription] = await bot.context.subscriptions.list(h.discord.guildId);
		const remove = await h.discord.chatInput({
			name: 'unsubscribe',
			options: { subscription: subscription!.id },
			user: 'admin',
		});
		const removed = await answered(remove.id);
		expect(removed).toMatchObject({ status: 204, type: 5, flags: 64 });
		expect(removed.data.content).toMatch(/^Unsubscribed: mod brand-new-mod/);
	});
});
