import { afterEach, describe, expect, it } from 'vitest';
import { feedLine } from '../../src/commands/subscriptions.js';
import { FakePortal } from '../support/fakePortal.js';
import { fixtureJson } from '../support/fixtures.js';
import { pollerRig, type PollerRig } from '../support/pollerRig.js';

const MINUTE = 60_000;
const START = Date.parse('2025-03-01T12:00:00Z');

let portal: FakePortal | undefined;
let rig: PollerRig | undefined;

afterEach(async () => {
	await rig?.stop();
	await portal?.close();
	rig = undefined;
	portal = undefined;
});

async function setUp(): Promise<{ portal: FakePortal; rig: PollerRig }> {
	const recorded = (fixtureJson('portal/mods-max-2018-02-18.json') as { results: unknown[] }).results;
	portal = await FakePortal.start({ mods: recorded.slice(0, 60) });
	rig = await pollerRig(portal, { start: START });
	return { portal, rig };
}

/** Runs one tick at `minute` after the start and returns the portal requests it made. */
async function tickAt(minute: number): Promise<number> {
	const before = portal!.requests.length;
	rig!.clock.at = START + minute * MINUTE;
	await rig!.tick();
	return portal!.requests.length - before;
}

describe('the release poller while the portal is failing', () => {
	it('does make one request a tick, back off after repeated failures, show the next check, and resume on success', async () => {
		await setUp();
		expect(await tickAt(0)).toBe(1);
		portal!.fault({ kind: '5xx' });
		const requests: number[] = [];
		for (let minute = 1; minute <= 10; minute++) requests.push(await tickAt(minute));
		// Failures at minutes 1, 2 (the normal pace), 3 (then 2 minutes), 5 (4 minutes), 9 (8 minutes).
		expect(requests).toEqual([1, 1, 1, 0, 1, 0, 0, 0, 1, 0]);
		expect(rig!.deliveries()).toBe(11);
		expect(rig!.status.nextCheckAt).toEqual(new Date(START + 17 * MINUTE));
		expect(rig!.status.failingSince).toEqual(new Date(START + MINUTE));
		expect(feedLine(rig!.status)).toBe(
			`⚠️ Release checks have been failing since <t:${(START + MINUTE) / 1000}:R> (the mod portal: unavailable); the bot backs off, next check <t:${(START + 17 * MINUTE) / 1000}:R>. Nothing is lost: releases are announced once the portal answers again.`,
		);

		portal!.clearFaults();
		expect(await tickAt(16)).toBe(0);
		expect(await tickAt(17)).toBe(1);
		expect(rig!.status.failingSince).toBeUndefined();
		expect(rig!.status.nextCheckAt).toBeUndefined();
		expect(rig!.backoff.failures).toBe(0);
		expect(await tickAt(18)).toBe(1);
	});

	it('does send no request inside a 429 pause and checks again as soon as it is over', async () => {
		await setUp();
		expect(await tickAt(0)).toBe(1);
		portal!.fault({ kind: '429', retryAfter: 600, times: 1 });
		expect(await tickAt(1)).toBe(1);
		expect(rig!.status.lastFailure).toBe('the mod portal: rate limited');
		expect(rig!.status.nextCheckAt).toEqual(new Date(START + 11 * MINUTE));
		const inside: number[] = [];
		for (let minute = 2; minute <= 10; minute++) inside.push(await tickAt(minute));
		expect(inside).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
		// Other users of the same client are held too: nothing at all goes out inside the pause.
		const before = portal!.requests.length;
		await expect(rig!.client.getFullMod('FARL')).rejects.toMatchObject({ kind: 'rate_limited' });
		await expect(rig!.client.listMods({ pageSize: 'max' })).rejects.toMatchObject({ kind: 'rate_limited' });
		expect(portal!.requests).toHaveLength(before);
		expect(await tickAt(11)).toBe(1);
		expect(rig!.status.failingSince).toBeUndefined();
	});
});
