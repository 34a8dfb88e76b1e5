import { afterEach, describe, expect, it } from 'vitest';
import { databaseFeedReadings } from '../../src/ops/feedReadings.js';
import type { OpenDatabase } from '../../src/storage/database.js';
import { ENGINES, openTestDatabase } from '../support/database.js';
import { subscriptionRow } from '../support/subscriptionRow.js';

let store: OpenDatabase | undefined;

afterEach(async () => {
	await store?.close();
	store = undefined;
});

function subscription(id: string, paused: boolean) {
	return subscriptionRow({
		id,
		guild_id: '100000000000000001',
		channel_id: `20000000000000000${id.length}`,
		target_kind: 'mod',
		target_key: `mod:${id}`,
		mod_name: id,
		paused_reason: paused ? 'Missing Access' : null,
		paused_since: paused ? 5 : null,
	});
}

function post(subscriptionId: string, release: string, state: 'pending' | 'sent' | 'failed', createdAt: number) {
	return { subscription_id: subscriptionId, release_key: release, state, due_at: createdAt, created_at: createdAt };
}

describe.each(ENGINES)('databaseFeedReadings on %s', (engine) => {
	it('does count pending posts by subscription state with the oldest, and paused subscriptions', async () => {
		store = await openTestDatabase(engine);
		const readings = databaseFeedReadings(store.db, () => 1234);
		expect(await readings.outbox()).toEqual({
			active: { pending: 0, oldestQueuedAt: undefined },
			paused: { pending: 0, oldestQueuedAt: undefined },
		});
		expect(await readings.pausedSubscriptions()).toBe(0);

		await store.db
			.insertInto('subscriptions')
			.values([subscription('a', false), subscription('bb', false), subscription('ccc', true)])
			.execute();
		await store.db
			.insertInto('announcements')
			.values(
				['x@1', 'x@2', 'y@1', 'y@2', 'z@1'].map((key) => ({
					release_key: key,
					mod_name: key.split('@')[0]!,
					version: key.split('@')[1]!,
					snapshot: '{}',
					detected_at: 1,
				})),
			)
			.execute();
		await store.db
			.insertInto('outbox')
			.values([
				post('a', 'x@1', 'pending', 3_000),
				post('a', 'x@2', 'sent', 1_000),
				post('bb', 'y@1', 'pending', 2_000),
				post('bb', 'y@2', 'failed', 500),
				post('ccc', 'z@1', 'pending', 4_000),
			])
			.execute();
		expect(await readings.outbox()).toEqual({
			active: { pending: 2, oldestQueuedAt: 2_000 },
			paused: { pending: 1, oldestQueuedAt: 4_000 },
		});
		expect(await readings.pausedSubscriptions()).toBe(1);
		expect(readings.lastPollSuccessAt()).toBe(1234);
	});

	it('does reject when the store is closed, so the gauges are left out of the scrape', async () => {
		store = await openTestDatabase(engine);
		const readings = databaseFeedReadings(store.db, () => undefined);
		const closing = store;
		store = undefined;
		await closing.close();
		await expect(readings.outbox()).rejects.toThrow();
		await expect(readings.pausedSubscriptions()).rejects.toThrow();
	});
});
