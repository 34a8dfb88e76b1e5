import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { Delivery, type Poster } from '../../../src/services/announcements/delivery.js';
import { Outbox } from '../../../src/services/announcements/outbox.js';
import { announcementFromEvent } from '../../../src/services/announcements/snapshot.js';
import { SubscriptionRepository } from '../../../src/services/announcements/subscriptions.js';
import { ModFullSchema } from '../../../src/services/portal/schemas.js';
import type { OpenDatabase } from '../../../src/storage/database.js';
import { ENGINES, openTestDatabase } from '../../support/database.js';

const T0 = Date.parse('2025-06-01T00:00:00.000Z');
const MOD = ModFullSchema.parse({
	name: 'some-mod',
	title: 'Some Mod',
	owner: 'someone',
	releases: [{ version: '1.0.0', released_at: '2025-06-01T00:00:00Z', info_json: { factorio_version: '2.0' } }],
});
const EVENT = { mod: MOD, release: MOD.releases[0]!, isNewMod: false, releaseKey: 'some-mod@1.0.0' };

/** A poster that records sends; `onSend` runs before each answer. */
function recordingPoster(onSend: () => void): Poster<string> & { sent: string[] } {
	const sent: string[] = [];
	return {
		sent,
		channelType: () => Promise.resolve(0),
		send(channelId) {
			onSend();
			sent.push(channelId);
			return Promise.resolve({ messageId: `message-${sent.length}` });
		},
		startForumPost: () => Promise.reject(new Error('no forums here')),
		crosspost: () => Promise.resolve(),
		classify: (error) => ({ kind: 'retry', reason: String(error) }),
		failureOf: () => ({ status: 500, code: 0, message: 'failed' }),
		findPost: () => Promise.resolve(undefined),
	};
}

describe.each(ENGINES)('delivery on %s', (engine) => {
	let database: OpenDatabase;
	let outbox: Outbox;

	beforeEach(async () => {
		database = await openTestDatabase(engine);
		outbox = new Outbox({ db: database.db, engine, leaseMs: 60_000 });
		const subscriptions = new SubscriptionRepository({ db: database.db, engine, maxPerGuild: 50 });
		for (const channel of ['1', '2', '3', '4']) {
			await subscriptions.add({
				guildId: 'guild',
				channelId: channel,
				channelType: 0,
				target: { kind: 'mod', name: 'some-mod' },
				changelogDetail: 'full',
				createdBy: 'user',
			});
		}
		await database.db
			.insertInto('announcements')
			.values({
				release_key: EVENT.releaseKey,
				mod_name: 'some-mod',
				version: '1.0.0',
				snapshot: JSON.stringify(announcementFromEvent(EVENT)),
				detected_at: T0,
			})
			.execute();
		await Outbox.enqueue(database.db, EVENT.releaseKey, { targetKeys: ['mod:some-mod'], modName: 'some-mod' }, T0);
	});

	afterEach(async () => {
		await database.close();
	});

	function delivery(poster: Poster<string>, active: () => boolean) {
		return new Delivery({
			db: database.db,
			outbox,
			poster,
			render: (_subscription, announcements) =>
				announcements.map((a) => ({ payload: a.releaseKey, keys: [a.releaseKey] })),
			log: silentLogger(),
			digestThreshold: 10,
			concurrency: 1,
			active,
		});
	}

	it('does stop posting at once when it may no longer deliver, leaving the claimed rows to the next deliverer', async () => {
		let active = true;
		const poster = recordingPoster(() => {
			// The leadership is lost while the first post is under way.
			active = false;
		});
		const result = await delivery(poster, () => active).deliverDue(new Date(T0));
		expect(poster.sent).toHaveLength(1);
		expect(result.messages).toBe(1);
		expect(await outbox.stats()).toEqual({ pending: 3, sent: 1, failed: 0 });
		// The rest stay claimed until the lease ends; then the next deliverer sends each once.
		const next = recordingPoster(() => undefined);
		await delivery(next, () => true).deliverDue(new Date(T0 + 1));
		expect(next.sent).toEqual([]);
		await delivery(next, () => true).deliverDue(new Date(T0 + 60_000));
		expect([...poster.sent, ...next.sent].sort()).toEqual(['1', '2', '3', '4']);
		expect(await outbox.stats()).toEqual({ pending: 0, sent: 4, failed: 0 });
	});

	it('does claim nothing when it may not deliver', async () => {
		const poster = recordingPoster(() => undefined);
		await delivery(poster, () => false).deliverDue(new Date(T0));
		expect(poster.sent).toEqual([]);
		await delivery(poster, () => true).deliverDue(new Date(T0));
		expect(poster.sent).toHaveLength(4);
	});
});
