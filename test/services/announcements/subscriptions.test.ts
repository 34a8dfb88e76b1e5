import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Keyv from 'keyv';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/services/errors.js';
import { ModFullSchema } from '../../../src/services/portal/schemas.js';
import type { ReleaseEvent } from '../../../src/services/announcements/releaseTracker.js';
import {
	SubscriptionStore,
	type NewSubscription,
	type SubscriptionTarget,
} from '../../../src/services/announcements/subscriptions.js';
import { StoreError } from '../../../src/storage/documents.js';
import { openStore } from '../../../src/storage/store.js';
import { FlakyMap } from '../../support/flakyMap.js';

function input(overrides: Partial<NewSubscription> = {}): NewSubscription {
	return {
		guildId: '100000000000000001',
		channelId: '200000000000000001',
		target: { kind: 'mod', name: 'Krastorio2' },
		changelog: 'full',
		createdBy: '300000000000000001',
		...overrides,
	};
}

function event(options: {
	name?: string;
	owner?: string;
	category?: string;
	tags?: string[];
	factorioVersion?: string;
}): ReleaseEvent {
	const mod = ModFullSchema.parse({
		name: options.name ?? 'Krastorio2',
		title: 'Krastorio 2',
		owner: options.owner ?? 'raiguard',
		category: options.category ?? 'overhaul',
		tags: options.tags ?? ['manufacturing'],
		releases: [{ version: '1.4.0', info_json: { factorio_version: options.factorioVersion ?? '2.0' } }],
	});
	const release = mod.releases[0]!;
	return { mod, release, isNewMod: false, key: `${mod.name}@${release.version}` };
}

async function loaded(store: Keyv, maxPerGuild = 50): Promise<SubscriptionStore> {
	const subscriptions = new SubscriptionStore({ store, maxPerGuild });
	await subscriptions.load();
	return subscriptions;
}

describe('SubscriptionStore.add', () => {
	it('creates an active subscription with an 8-character base36 id when the channel has none for the target', async () => {
		const subscriptions = await loaded(new Keyv());
		const { subscription, status } = await subscriptions.add(input({ roleId: '400000000000000001' }));
		expect(status).toBe('created');
		expect(subscription.id).toMatch(/^[0-9a-z]{8}$/);
		expect(subscription).toMatchObject({
			guildId: '100000000000000001',
			channelId: '200000000000000001',
			target: { kind: 'mod', name: 'Krastorio2' },
			roleId: '400000000000000001',
			changelog: 'full',
			health: { state: 'active' },
			forumThreads: {},
		});
		expect(Date.parse(subscription.createdAt)).not.toBeNaN();
		expect(subscriptions.get(subscription.id)).toEqual(subscription);
		expect(subscriptions.list('100000000000000001')).toEqual([subscription]);
	});

	it('answers exists, updated and resumed for the same channel and target without ever duplicating', async () => {
		const subscriptions = await loaded(new Keyv());
		const first = await subscriptions.add(input());
		expect((await subscriptions.add(input())).status).toBe('exists');

		const updated = await subscriptions.add(input({ changelog: 'summary', roleId: '400000000000000001' }));
		expect(updated.status).toBe('updated');
		expect(updated.subscription).toMatchObject({
			id: first.subscription.id,
			changelog: 'summary',
			roleId: '400000000000000001',
		});

		const withoutRole = await subscriptions.add(input({ changelog: 'summary' }));
		expect(withoutRole.status).toBe('updated');
		expect(withoutRole.subscription.roleId).toBeUndefined();

		await subscriptions.pause(first.subscription.id, 'Missing Access: the bot cannot see the channel');
		const resumed = await subscriptions.add(input({ changelog: 'summary' }));
		expect(resumed.status).toBe('resumed');
		expect(resumed.subscription.health).toEqual({ state: 'active' });
		expect(subscriptions.list('100000000000000001')).toHaveLength(1);
	});

	it('treats owner names case-insensitively and normalises filters when matching an existing subscription', async () => {
		const subscriptions = await loaded(new Keyv());
		await subscriptions.add(input({ target: { kind: 'author', owner: 'Bobingabout' } }));
		expect((await subscriptions.add(input({ target: { kind: 'author', owner: ' bobingabout ' } }))).status).toBe(
			'exists',
		);

		const all: SubscriptionTarget = { kind: 'all', filters: { factorioVersion: '2.0', tag: 'trains' } };
		const created = await subscriptions.add(input({ target: all }));
		expect(created.subscription.target).toEqual(all);
		const same: SubscriptionTarget = {
			kind: 'all',
			filters: { factorioVersion: '2.0.0', tag: 'Trains', category: '' },
		};
		expect((await subscriptions.add(input({ target: same }))).status).toBe('exists');
		// Mod names are case-sensitive on the portal, so these are two mods.
		await subscriptions.add(input({ target: { kind: 'mod', name: 'krastorio2' } }));
		await subscriptions.add(input({ target: { kind: 'mod', name: 'Krastorio2' } }));
		expect(subscriptions.list('100000000000000001')).toHaveLength(4);
	});

	it('keeps a second channel’s subscription to the same target separate', async () => {
		const subscriptions = await loaded(new Keyv());
		await subscriptions.add(input());
		const other = await subscriptions.add(input({ channelId: '200000000000000002' }));
		expect(other.status).toBe('created');
		expect(subscriptions.all()).toHaveLength(2);
	});

	it('throws a UserError naming the limit when a guild already has maxPerGuild subscriptions', async () => {
		const subscriptions = await loaded(new Keyv(), 2);
		await subscriptions.add(input({ target: { kind: 'mod', name: 'a' } }));
		await subscriptions.add(input({ target: { kind: 'mod', name: 'b' } }));
		const third = subscriptions.add(input({ target: { kind: 'mod', name: 'c' } }));
		await expect(third).rejects.toThrow(UserError);
		await expect(third).rejects.toThrow(/limit is 2/);
		// At the limit, the existing ones still answer, and other guilds are not affected.
		expect((await subscriptions.add(input({ target: { kind: 'mod', name: 'a' } }))).status).toBe('exists');
		expect((await subscriptions.add(input({ guildId: '100000000000000002' }))).status).toBe('created');
	});

	it('creates one subscription when the same one is added concurrently', async () => {
		const subscriptions = await loaded(new Keyv());
		const results = await Promise.all([
			subscriptions.add(input()),
			subscriptions.add(input()),
			subscriptions.add(input()),
		]);
		expect(results.map((r) => r.status).sort()).toEqual(['created', 'exists', 'exists']);
		expect(new Set(results.map((r) => r.subscription.id)).size).toBe(1);
	});

	it('rejects with a StoreError and changes nothing when the store cannot write', async () => {
		const map = new FlakyMap();
		const subscriptions = await loaded(new Keyv({ store: map }));
		map.failWrites = true;
		await expect(subscriptions.add(input())).rejects.toThrow(StoreError);
		expect(subscriptions.all()).toEqual([]);
		map.failWrites = false;
		expect((await subscriptions.add(input())).status).toBe('created');
	});
});

describe('SubscriptionStore removal', () => {
	it('removes a subscription only through its own guild', async () => {
		const subscriptions = await loaded(new Keyv());
		const { subscription } = await subscriptions.add(input());
		expect(await subscriptions.remove('100000000000000009', subscription.id)).toBeUndefined();
		expect(await subscriptions.remove('100000000000000001', subscription.id)).toEqual(subscription);
		expect(subscriptions.get(subscription.id)).toBeUndefined();
		expect(await subscriptions.remove('100000000000000001', subscription.id)).toBeUndefined();
	});

	it('removes every subscription of a deleted channel and of a left guild', async () => {
		const store = new Keyv();
		const subscriptions = await loaded(store);
		await subscriptions.add(input());
		await subscriptions.add(input({ target: { kind: 'author', owner: 'Bobingabout' } }));
		const kept = await subscriptions.add(input({ channelId: '200000000000000002' }));
		await subscriptions.add(input({ guildId: '100000000000000002', channelId: '200000000000000003' }));

		const byChannel = await subscriptions.removeChannel('200000000000000001');
		expect(byChannel.map((s) => s.target.kind).sort()).toEqual(['author', 'mod']);
		expect(subscriptions.list('100000000000000001')).toEqual([kept.subscription]);

		const byGuild = await subscriptions.removeGuild('100000000000000002');
		expect(byGuild).toHaveLength(1);
		expect(subscriptions.all()).toEqual([kept.subscription]);

		const reloaded = await loaded(store);
		expect(reloaded.all()).toEqual([kept.subscription]);
		expect(await store.get('subscriptions:index')).toEqual({ v: 1, guilds: ['100000000000000001'] });
		expect(await store.get('subscriptions:guild:100000000000000002')).toBeUndefined();
	});
});

describe('SubscriptionStore health and bookkeeping', () => {
	it('keeps the first pause time when paused again and clears it on resume', async () => {
		const subscriptions = await loaded(new Keyv());
		const { subscription } = await subscriptions.add(input());
		await subscriptions.pause(subscription.id, 'Missing Access', new Date('2025-01-01T00:00:00Z'));
		await subscriptions.pause(subscription.id, 'Missing Permissions', new Date('2025-01-02T00:00:00Z'));
		expect(subscriptions.get(subscription.id)?.health).toEqual({
			state: 'paused',
			reason: 'Missing Permissions',
			since: '2025-01-01T00:00:00.000Z',
		});
		await subscriptions.resume(subscription.id);
		expect(subscriptions.get(subscription.id)?.health).toEqual({ state: 'active' });
	});

	it('records the latest post time and forum threads, and ignores unknown ids', async () => {
		const store = new Keyv();
		const subscriptions = await loaded(store);
		const { subscription } = await subscriptions.add(input());
		await subscriptions.recordPost(subscription.id, new Date('2025-03-02T00:00:00Z'));
		await subscriptions.recordPost(subscription.id, new Date('2025-03-01T00:00:00Z'));
		await subscriptions.setForumThread(subscription.id, 'Krastorio2', '500000000000000001');
		await subscriptions.pause('nosuchid', 'gone');
		await subscriptions.recordPost('nosuchid', new Date());
		const reloaded = await loaded(store);
		expect(reloaded.get(subscription.id)).toMatchObject({
			lastPostAt: '2025-03-02T00:00:00.000Z',
			forumThreads: { Krastorio2: '500000000000000001' },
		});
	});
});

describe('SubscriptionStore.matching', () => {
	it('matches mod names exactly, owners case-insensitively and every set filter, paused ones included', async () => {
		const subscriptions = await loaded(new Keyv());
		const add = async (target: SubscriptionTarget) => (await subscriptions.add(input({ target }))).subscription.id;
		const mod = await add({ kind: 'mod', name: 'Krastorio2' });
		await add({ kind: 'mod', name: 'krastorio2' });
		const author = await add({ kind: 'author', owner: 'RaiGuard' });
		await add({ kind: 'author', owner: 'Bobingabout' });
		const everything = await add({ kind: 'all', filters: {} });
		const v20 = await add({ kind: 'all', filters: { factorioVersion: '2.0' } });
		await add({ kind: 'all', filters: { factorioVersion: '1.1' } });
		const overhaul = await add({ kind: 'all', filters: { category: 'overhaul', tag: 'manufacturing' } });
		await add({ kind: 'all', filters: { category: 'overhaul', tag: 'trains' } });
		await add({ kind: 'all', filters: { category: 'tweaks' } });
		await subscriptions.pause(mod, 'Missing Access');

		const ids = subscriptions.matching(event({})).map((s) => s.id);
		expect(ids.sort()).toEqual([mod, author, everything, v20, overhaul].sort());

		const old = subscriptions
			.matching(event({ factorioVersion: '1.1.110', name: 'other', owner: 'someone' }))
			.map((s) => s.id);
		expect(old).toHaveLength(3);
		expect(old).not.toContain(v20);
	});

	it('does not match a Factorio version filter when the release names no version', async () => {
		const subscriptions = await loaded(new Keyv());
		await subscriptions.add(input({ target: { kind: 'all', filters: { factorioVersion: '2.0' } } }));
		const mod = ModFullSchema.parse({ name: 'x', releases: [{ version: '0.1.0' }] });
		expect(subscriptions.matching({ mod, release: mod.releases[0]!, isNewMod: true, key: 'x@0.1.0' })).toEqual([]);
	});
});

describe('SubscriptionStore.describe', () => {
	it('gives short labels for each kind of target', async () => {
		const subscriptions = await loaded(new Keyv());
		expect(subscriptions.describe({ target: { kind: 'mod', name: 'Krastorio2' } })).toBe('mod Krastorio2');
		expect(subscriptions.describe({ target: { kind: 'author', owner: 'Bobingabout' } })).toBe('author Bobingabout');
		expect(subscriptions.describe({ target: { kind: 'all', filters: {} } })).toBe('all mods');
		expect(
			subscriptions.describe({
				target: { kind: 'all', filters: { factorioVersion: '2.0', category: 'overhaul', tag: 'trains' } },
			}),
		).toBe('all mods (Factorio 2.0, category overhaul, tag trains)');
	});
});

describe('SubscriptionStore persistence', () => {
	const dirs: string[] = [];
	afterEach(() => {
		for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
	});

	it('loads 10,000 subscriptions of 500 guilds written by another instance', async () => {
		const store = new Keyv();
		const writer = await loaded(store);
		for (let guild = 0; guild < 500; guild++) {
			await Promise.all(
				Array.from({ length: 20 }, (_, n) =>
					writer.add(input({ guildId: `g${guild}`, target: { kind: 'mod', name: `mod-${n}` } })),
				),
			);
		}
		const reader = await loaded(store);
		expect(reader.all()).toHaveLength(10_000);
		expect(reader.list('g499')).toEqual(writer.list('g499'));
		expect(reader.matching(event({ name: 'mod-7' }))).toHaveLength(500);
		expect(new Set(reader.all().map((s) => s.id)).size).toBe(10_000);
	});

	it('round-trips subscriptions through SQLite', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'fmb-subscriptions-'));
		dirs.push(dir);
		const url = `sqlite://${join(dir, 'bot.sqlite')}`;
		const first = await openStore(url);
		const writer = await loaded(first);
		const { subscription } = await writer.add(
			input({
				target: { kind: 'all', filters: { factorioVersion: '2.0', tag: 'trains' } },
				roleId: '400000000000000001',
			}),
		);
		await writer.pause(subscription.id, 'Missing Permissions', new Date('2025-05-05T05:05:05Z'));
		await first.disconnect();

		const second = await openStore(url);
		const reader = await loaded(second);
		expect(reader.all()).toEqual([
			{
				...subscription,
				health: { state: 'paused', reason: 'Missing Permissions', since: '2025-05-05T05:05:05.000Z' },
			},
		]);
		await second.disconnect();
	});

	it('rejects load when the store cannot be read instead of starting empty', async () => {
		const map = new FlakyMap();
		const store = new Keyv({ store: map });
		await (await loaded(store)).add(input());
		map.failReads = true;
		await expect(loaded(store)).rejects.toThrow(/SQLITE_BUSY/);
	});
});
