import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/services/errors.js';
import { ModFullSchema } from '../../../src/services/portal/schemas.js';
import type { ReleaseEvent } from '../../../src/services/announcements/releaseTracker.js';
import { Outbox } from '../../../src/services/announcements/outbox.js';
import {
	SubscriptionRepository,
	describeTarget,
	matchKeys,
	subscriptionOf,
	type NewSubscription,
	type Subscription,
	type SubscriptionTarget,
} from '../../../src/services/announcements/subscriptions.js';
import type { OpenDatabase } from '../../../src/storage/database.js';
import { ENGINES, openTestDatabase } from '../../support/database.js';

function input(overrides: Partial<NewSubscription> = {}): NewSubscription {
	return {
		guildId: '100000000000000001',
		channelId: '200000000000000001',
		target: { kind: 'mod', name: 'Krastorio2' },
		changelogDetail: 'full',
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
	return { mod, release, isNewMod: false, releaseKey: `${mod.name}@${release.version}` };
}

let database: OpenDatabase;

function loaded(maxPerGuild = 50): SubscriptionRepository {
	return new SubscriptionRepository({ db: database.db, engine: database.engine, maxPerGuild });
}

async function all(): Promise<Subscription[]> {
	return (await database.db.selectFrom('subscriptions').selectAll().orderBy('created_at').execute()).map(
		subscriptionOf,
	);
}

/** The subscriptions a release matches: the indexed `target_key IN (...)` lookup the feed's enqueue runs. */
async function matching(release: ReleaseEvent): Promise<Subscription[]> {
	const rows = await database.db
		.selectFrom('subscriptions')
		.selectAll()
		.where('target_key', 'in', matchKeys(release.mod, release.release))
		.execute();
	return rows.map(subscriptionOf);
}

describe.each(ENGINES)('on %s', (engine) => {
	beforeEach(async () => {
		database = await openTestDatabase(engine);
	});

	afterEach(async () => {
		await database.close();
	});

	describe('SubscriptionRepository.add', () => {
		it('creates an active subscription with an 8-character base36 id when the channel has none for the target', async () => {
			const subscriptions = loaded();
			const { subscription, status } = await subscriptions.add(input({ roleId: '400000000000000001' }));
			expect(status).toBe('created');
			expect(subscription.id).toMatch(/^[0-9a-z]{8}$/);
			expect(subscription).toMatchObject({
				guildId: '100000000000000001',
				channelId: '200000000000000001',
				target: { kind: 'mod', name: 'Krastorio2' },
				roleId: '400000000000000001',
				changelogDetail: 'full',
				health: { state: 'active' },
			});
			expect(Date.parse(subscription.createdAt)).not.toBeNaN();
			expect(await subscriptions.get(subscription.id)).toEqual(subscription);
			expect(await subscriptions.list('100000000000000001')).toEqual([subscription]);
		});

		it('answers exists, updated and resumed for the same channel and target without ever duplicating', async () => {
			const subscriptions = loaded();
			const first = await subscriptions.add(input());
			expect((await subscriptions.add(input())).status).toBe('exists');

			const updated = await subscriptions.add(input({ changelogDetail: 'summary', roleId: '400000000000000001' }));
			expect(updated.status).toBe('updated');
			expect(updated.subscription).toMatchObject({
				id: first.subscription.id,
				changelogDetail: 'summary',
				roleId: '400000000000000001',
			});

			const withoutRole = await subscriptions.add(input({ changelogDetail: 'summary' }));
			expect(withoutRole.status).toBe('updated');
			expect(withoutRole.subscription.roleId).toBeUndefined();

			await subscriptions.pause(first.subscription.id, 'Missing Access: the bot cannot see the channel');
			const resumed = await subscriptions.add(input({ changelogDetail: 'summary' }));
			expect(resumed.status).toBe('resumed');
			expect(resumed.subscription.health).toEqual({ state: 'active' });
			expect(await subscriptions.list('100000000000000001')).toHaveLength(1);
		});

		it('treats owner names case-insensitively and normalises filters when matching an existing subscription', async () => {
			const subscriptions = loaded();
			await subscriptions.add(input({ target: { kind: 'owner', owner: 'Bobingabout' } }));
			expect((await subscriptions.add(input({ target: { kind: 'owner', owner: ' bobingabout ' } }))).status).toBe(
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
			expect(await subscriptions.list('100000000000000001')).toHaveLength(4);
		});

		it('keeps a second channel’s subscription to the same target separate', async () => {
			const subscriptions = loaded();
			await subscriptions.add(input());
			const other = await subscriptions.add(input({ channelId: '200000000000000002' }));
			expect(other.status).toBe('created');
			expect(await all()).toHaveLength(2);
		});

		it('throws a UserError naming the limit when a guild already has maxPerGuild subscriptions', async () => {
			const subscriptions = loaded(2);
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
			const subscriptions = loaded();
			const results = await Promise.all([
				subscriptions.add(input()),
				subscriptions.add(input()),
				subscriptions.add(input()),
			]);
			expect(results.map((r) => r.status).sort()).toEqual(['created', 'exists', 'exists']);
			expect(new Set(results.map((r) => r.subscription.id)).size).toBe(1);
		});
	});

	describe('SubscriptionRepository removal', () => {
		it('removes a subscription only through its own guild', async () => {
			const subscriptions = loaded();
			const { subscription } = await subscriptions.add(input());
			expect(await subscriptions.remove('100000000000000009', subscription.id)).toBeUndefined();
			expect(await subscriptions.remove('100000000000000001', subscription.id)).toEqual(subscription);
			expect(await subscriptions.get(subscription.id)).toBeUndefined();
			expect(await subscriptions.remove('100000000000000001', subscription.id)).toBeUndefined();
		});

		it('removes every subscription of a deleted channel and of a left guild', async () => {
			const subscriptions = loaded();
			await subscriptions.add(input());
			await subscriptions.add(input({ target: { kind: 'owner', owner: 'Bobingabout' } }));
			const kept = await subscriptions.add(input({ channelId: '200000000000000002' }));
			await subscriptions.add(input({ guildId: '100000000000000002', channelId: '200000000000000003' }));

			const byChannel = await subscriptions.removeWhere({ channelId: '200000000000000001' });
			expect(byChannel.map((s) => s.target.kind).sort()).toEqual(['mod', 'owner']);
			expect(await subscriptions.list('100000000000000001')).toEqual([kept.subscription]);

			const byGuild = await subscriptions.removeWhere({ guildId: '100000000000000002' });
			expect(byGuild).toHaveLength(1);
			expect(await all()).toEqual([kept.subscription]);

			expect(await all()).toEqual([kept.subscription]);
		});
	});

	describe('SubscriptionRepository health and bookkeeping', () => {
		it('keeps the first pause time when paused again and clears it on resume', async () => {
			const subscriptions = loaded();
			const { subscription } = await subscriptions.add(input());
			await subscriptions.pause(subscription.id, 'Missing Access', Date.parse('2025-01-01T00:00:00Z'));
			await subscriptions.pause(subscription.id, 'Missing Permissions', Date.parse('2025-01-02T00:00:00Z'));
			expect((await subscriptions.get(subscription.id))?.health).toEqual({
				state: 'paused',
				reason: 'Missing Permissions',
				since: '2025-01-01T00:00:00.000Z',
			});
			await subscriptions.resume(subscription.id);
			expect((await subscriptions.get(subscription.id))?.health).toEqual({ state: 'active' });
		});

		it('drops the waiting posts and forum posts of a removed subscription in the same statement', async () => {
			const subscriptions = loaded();
			const { subscription } = await subscriptions.add(input());
			const other = await subscriptions.add(input({ channelId: '200000000000000002' }));
			const { db } = database;
			await db
				.insertInto('announcements')
				.values({
					release_key: 'Krastorio2@1.4.0',
					mod_name: 'Krastorio2',
					version: '1.4.0',
					snapshot: '{}',
					detected_at: 1,
				})
				.execute();
			expect(
				await Outbox.enqueue(db, 'Krastorio2@1.4.0', { targetKeys: ['mod:Krastorio2'], modName: 'Krastorio2' }, 1),
			).toBe(2);
			await db
				.insertInto('forum_threads')
				.values({ subscription_id: subscription.id, mod_name: 'Krastorio2', thread_id: '500000000000000001' })
				.execute();
			await subscriptions.pause('nosuchid', 'gone');
			await subscriptions.removeWhere({ channelId: '200000000000000001' });
			const left = await db.selectFrom('outbox').select('subscription_id').execute();
			expect(left).toEqual([{ subscription_id: other.subscription.id }]);
			expect(await db.selectFrom('forum_threads').selectAll().execute()).toEqual([]);
		});
	});

	describe('SubscriptionRepository.matching', () => {
		it('matches mod names exactly, owners case-insensitively and every set filter, paused ones included', async () => {
			const subscriptions = loaded();
			const add = async (target: SubscriptionTarget) => (await subscriptions.add(input({ target }))).subscription.id;
			const mod = await add({ kind: 'mod', name: 'Krastorio2' });
			await add({ kind: 'mod', name: 'krastorio2' });
			const author = await add({ kind: 'owner', owner: 'RaiGuard' });
			await add({ kind: 'owner', owner: 'Bobingabout' });
			const everything = await add({ kind: 'all', filters: {} });
			const v20 = await add({ kind: 'all', filters: { factorioVersion: '2.0' } });
			await add({ kind: 'all', filters: { factorioVersion: '1.1' } });
			const overhaul = await add({ kind: 'all', filters: { category: 'overhaul', tag: 'manufacturing' } });
			await add({ kind: 'all', filters: { category: 'overhaul', tag: 'trains' } });
			await add({ kind: 'all', filters: { category: 'tweaks' } });
			await subscriptions.pause(mod, 'Missing Access');

			const ids = (await matching(event({}))).map((s) => s.id);
			expect(ids.sort()).toEqual([mod, author, everything, v20, overhaul].sort());

			const old = (await matching(event({ factorioVersion: '1.1.110', name: 'other', owner: 'someone' }))).map(
				(s) => s.id,
			);
			expect(old).toHaveLength(3);
			expect(old).not.toContain(v20);
		});

		it('does not match a Factorio version filter when the release names no version', async () => {
			const subscriptions = loaded();
			await subscriptions.add(input({ target: { kind: 'all', filters: { factorioVersion: '2.0' } } }));
			const mod = ModFullSchema.parse({ name: 'x', releases: [{ version: '0.1.0' }] });
			expect(await matching({ mod, release: mod.releases[0]!, isNewMod: true, releaseKey: 'x@0.1.0' })).toEqual([]);
		});
	});

	describe('describeTarget', () => {
		it('gives short labels for each kind of target', () => {
			expect(describeTarget({ kind: 'mod', name: 'Krastorio2' })).toBe('mod Krastorio2');
			expect(describeTarget({ kind: 'owner', owner: 'Bobingabout' })).toBe('owner Bobingabout');
			expect(describeTarget({ kind: 'all', filters: {} })).toBe('all mods');
			expect(
				describeTarget({ kind: 'all', filters: { factorioVersion: '2.0', category: 'overhaul', tag: 'trains' } }),
			).toBe('all mods (Factorio 2.0, category overhaul, tag trains)');
		});
	});
});
