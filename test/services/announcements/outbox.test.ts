import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../../src/services/announcements/outbox.js';
import { SubscriptionRepository } from '../../../src/services/announcements/subscriptions.js';
import type { OpenDatabase } from '../../../src/storage/database.js';
import { ENGINES, openTestDatabase } from '../../support/database.js';

const T0 = Date.parse('2025-06-01T00:00:00.000Z');

describe.each(ENGINES)('the outbox on %s', (engine) => {
	let database: OpenDatabase;
	let outbox: Outbox;
	const ids: string[] = [];

	beforeEach(async () => {
		database = await openTestDatabase(engine);
		outbox = new Outbox({ db: database.db, engine, random: () => 0, leaseMs: 60_000 });
		const subscriptions = new SubscriptionRepository({ db: database.db, engine, maxPerGuild: 50 });
		ids.length = 0;
		for (const channel of ['1', '2', '3']) {
			const { subscription } = await subscriptions.add({
				guildId: 'guild',
				channelId: channel,
				target: { kind: 'mod', name: channel === '3' ? 'other' : 'some-mod' },
				changelogDetail: 'full',
				createdBy: 'user',
			});
			ids.push(subscription.id);
		}
	});

	afterEach(async () => {
		await database.close();
	});

	async function queue(key: string, createdAt = T0): Promise<number> {
		const [mod = key, version = '1.0.0'] = key.split('@');
		await database.db
			.insertInto('announcements')
			.values({ release_key: key, mod_name: mod, version, snapshot: '{}', detected_at: createdAt })
			.onConflict((oc) => oc.doNothing())
			.execute();
		return Outbox.enqueue(database.db, key, { targetKeys: [`mod:${mod}`], modName: mod }, createdAt);
	}

	it('queues one row per matching subscription and none again when the release is queued twice', async () => {
		expect(await queue('some-mod@1.0.0')).toBe(2);
		expect(await queue('some-mod@1.0.0')).toBe(0);
		expect(await outbox.stats()).toEqual({ pending: 2, sent: 0, failed: 0 });
	});

	it('queues a release for the modpack subscriptions whose set holds the mod, in the same statement as the others', async () => {
		const at = { created_by: 'user', created_at: 1, updated_by: 'user', updated_at: 1 };
		await database.db
			.insertInto('modpacks')
			.values(
				['set00001', 'set00002'].map((id) => ({
					id,
					guild_id: 'guild',
					name: id,
					name_key: id,
					factorio_version: '2.0',
					space_age: 0,
					recommended: 1,
					minimum_game_version: null,
					...at,
				})),
			)
			.execute();
		const member = (modpack_id: string, mod_name: string, listed: number) => ({
			modpack_id,
			mod_name,
			listed,
			version_constraint: null,
			version: '0.9.0',
			dependencies: '[]',
		});
		await database.db
			.insertInto('modpack_mods')
			.values([member('set00001', 'big-mod', 1), member('set00001', 'some-mod', 0), member('set00002', 'other', 1)])
			.execute();
		const subscriptions = new SubscriptionRepository({ db: database.db, engine, maxPerGuild: 50 });
		const follow = async (modpackId: string) =>
			(
				await subscriptions.add({
					guildId: 'guild',
					channelId: '9',
					target: { kind: 'modpack', modpackId, name: modpackId },
					changelogDetail: 'full',
					createdBy: 'user',
				})
			).subscription.id;
		const first = await follow('set00001');
		await follow('set00002');
		// some-mod: the two mod subscriptions and the set that holds it as a dependency; not the other set.
		expect(await queue('some-mod@1.0.0')).toBe(3);
		expect(await queue('some-mod@1.0.0')).toBe(0);
		const rows = await database.db
			.selectFrom('outbox')
			.select('subscription_id')
			.where('release_key', '=', 'some-mod@1.0.0')
			.execute();
		expect(rows.map((row) => row.subscription_id).sort()).toEqual([ids[0], ids[1], first].sort());
		// A mod in no set and followed by no key queues nothing.
		expect(await queue('unknown@1.0.0')).toBe(0);
	});

	it('claims due rows oldest first and holds them under a lease so a second claim gets none', async () => {
		await queue('some-mod@1.0.1', T0 + 1);
		await queue('some-mod@1.0.0', T0);
		const first = await outbox.claimDue(T0 + 10, 100);
		expect(first.map((entry) => entry.releaseKey)).toEqual([
			'some-mod@1.0.0',
			'some-mod@1.0.0',
			'some-mod@1.0.1',
			'some-mod@1.0.1',
		]);
		expect(await outbox.claimDue(T0 + 10, 100)).toEqual([]);
		// A deliverer that died leaves them due again once the lease is over.
		expect(await outbox.claimDue(T0 + 10 + 60_000, 100)).toHaveLength(4);
	});

	it('gives two concurrent claims disjoint rows', async () => {
		for (let n = 0; n < 20; n++) await queue(`some-mod@1.0.${n}`, T0 + n);
		const [a, b] = await Promise.all([outbox.claimDue(T0 + 100, 25), outbox.claimDue(T0 + 100, 25)]);
		const keys = [...a, ...b].map((entry) => `${entry.subscriptionId}|${entry.releaseKey}`);
		expect(keys).toHaveLength(40);
		expect(new Set(keys).size).toBe(40);
	});

	it('leaves the rows of a paused subscription waiting', async () => {
		await queue('some-mod@1.0.0');
		await database.db
			.updateTable('subscriptions')
			.set({ paused_reason: 'Missing Access', paused_since: T0 })
			.where('id', '=', ids[0]!)
			.execute();
		const claimed = await outbox.claimDue(T0 + 10, 100);
		expect(claimed.map((entry) => entry.subscriptionId)).toEqual([ids[1]]);
	});

	it('holds a failed row back with bounded exponential backoff', async () => {
		await queue('some-mod@1.0.0');
		const claimed = await outbox.claimDue(T0, 100);
		await outbox.markRetry(claimed, 'timeout', T0);
		expect(await outbox.claimDue(T0 + 29_999, 100)).toEqual([]);
		const retried = await outbox.claimDue(T0 + 30_000, 100);
		expect(retried.map((entry) => entry.attempts)).toEqual([1, 1]);
		await outbox.markRetry(retried, 'timeout', T0 + 30_000);
		expect(await outbox.claimDue(T0 + 30_000 + 59_999, 100)).toEqual([]);
		expect(await outbox.claimDue(T0 + 30_000 + 60_000, 100)).toHaveLength(2);
	});

	it('gives the same nonce of at most 25 characters for the same entries in any order', () => {
		const a = { subscriptionId: 'a', releaseKey: 'x@1' };
		const b = { subscriptionId: 'b', releaseKey: 'x@1' };
		expect(Outbox.nonce([a, b])).toBe(Outbox.nonce([b, a]));
		expect(Outbox.nonce([a, b]).length).toBeLessThanOrEqual(25);
		expect(Outbox.nonce([a])).not.toBe(Outbox.nonce([b]));
	});

	it('keeps the batch nonce for retries and marks rows sent with their message and the last post', async () => {
		await queue('some-mod@1.0.0');
		const claimed = await outbox.claimDue(T0, 100);
		await outbox.assignBatch(claimed, 'nonce-1', T0);
		await outbox.assignBatch(claimed, 'nonce-2', T0 + 1);
		await outbox.markSent(claimed.slice(0, 1), 'message-1', T0 + 5);
		const rows = await database.db.selectFrom('outbox').selectAll().orderBy('state').execute();
		expect(rows.map((row) => [row.state, row.batch_nonce, row.message_id])).toEqual([
			['pending', 'nonce-1', null],
			['sent', 'nonce-1', 'message-1'],
		]);
		const subscription = await database.db
			.selectFrom('subscriptions')
			.select('last_post_at')
			.where('id', '=', claimed[0]!.subscriptionId)
			.executeTakeFirstOrThrow();
		expect(subscription.last_post_at).toBe(T0 + 5);
	});

	it('prunes sent rows older than keepSentMs, keeps pending ones, then snapshots nobody needs', async () => {
		await queue('some-mod@1.0.0');
		await queue('other@1.0.0');
		const claimed = await outbox.claimDue(T0, 100);
		await outbox.markSent(
			claimed.filter((entry) => entry.releaseKey === 'other@1.0.0'),
			'm',
			T0,
		);
		await outbox.prune(T0 + 8 * 86_400_000);
		expect(await outbox.stats()).toEqual({ pending: 2, sent: 0, failed: 0 });
		const snapshots = await database.db.selectFrom('announcements').select('release_key').execute();
		expect(snapshots.map((row) => row.release_key)).toEqual(['some-mod@1.0.0']);
	});
	it('does not undo what the next deliverer did when one whose claim ran out marks its rows afterwards', async () => {
		await queue('some-mod@1.0.0');
		const stale = await outbox.claimDue(T0, 100);
		// The lease ran out; the next deliverer claims the rows and sends them.
		const next = await outbox.claimDue(T0 + 60_000, 100);
		await outbox.markSent(next, 'message-1', T0 + 60_001);
		await outbox.markRetry(stale, 'timeout', T0 + 60_002);
		await outbox.markFailed(stale, 'refused', T0 + 60_003);
		await outbox.unclaim(stale, T0 + 60_004);
		await outbox.assignBatch(stale, 'nonce-stale', T0 + 60_005);
		const rows = await database.db.selectFrom('outbox').selectAll().execute();
		expect(rows.map((row) => [row.state, row.attempts, row.message_id, row.last_error, row.batch_nonce])).toEqual([
			['sent', 0, 'message-1', null, null],
			['sent', 0, 'message-1', null, null],
		]);
	});

	it('does record nothing about claimed rows when the fence refuses (a leader that lost its leadership)', async () => {
		await queue('some-mod@1.0.0');
		let leading = true;
		const fenced = new Outbox({
			db: database.db,
			engine,
			leaseMs: 60_000,
			fence: () => (leading ? Promise.resolve() : Promise.reject(new Error('not the leader'))),
		});
		const claimed = await fenced.claimDue(T0, 100);
		leading = false;
		await expect(fenced.assignBatch(claimed, 'nonce-1', T0)).rejects.toThrow('not the leader');
		await expect(fenced.markRetry(claimed, 'timeout', T0)).rejects.toThrow('not the leader');
		await expect(fenced.markFailed(claimed, 'refused', T0)).rejects.toThrow('not the leader');
		await expect(fenced.unclaim(claimed, T0)).rejects.toThrow('not the leader');
		await expect(fenced.markSent(claimed, 'message-1', T0)).rejects.toThrow('not the leader');
		await expect(fenced.claimDue(T0 + 60_000, 100)).rejects.toThrow('not the leader');
		const rows = await database.db.selectFrom('outbox').selectAll().execute();
		expect(rows.map((row) => [row.state, row.attempts, row.due_at, row.batch_nonce])).toEqual([
			['pending', 0, T0 + 60_000, null],
			['pending', 0, T0 + 60_000, null],
		]);
	});
});
