import { describe, expect, it } from 'vitest';
import { Backoff, POLL_BACKOFF, backoffDelayMs } from '../../src/jobs/backoff.js';

const MINUTE = 60_000;

describe('backoffDelayMs', () => {
	it('does keep the normal pace for two failures and then double the wait up to 30 minutes', () => {
		expect(Array.from({ length: 9 }, (_, i) => backoffDelayMs(POLL_BACKOFF, i) / MINUTE)).toEqual([
			0, 0, 0, 2, 4, 8, 16, 30, 30,
		]);
	});
});

describe('Backoff', () => {
	it('does hold attempts until the wait is over, allowing a tick a little early, and reset on success', () => {
		const clock = { at: 0 };
		const backoff = new Backoff(POLL_BACKOFF, () => clock.at);
		expect(backoff.failed(0)).toBeUndefined();
		expect(backoff.failed(MINUTE)).toBeUndefined();
		expect(backoff.failed(2 * MINUTE)).toEqual(new Date(4 * MINUTE));
		expect(backoff.ready(3 * MINUTE)).toBe(false);
		expect(backoff.ready(4 * MINUTE - 1_000)).toBe(true);
		expect(backoff.failures).toBe(3);
		backoff.succeeded();
		expect(backoff.failures).toBe(0);
		expect(backoff.nextAttemptAt).toBeUndefined();
		expect(backoff.ready(0)).toBe(true);
	});

	it('does wait for a later time the source asked for when a failure carries one', () => {
		const backoff = new Backoff(POLL_BACKOFF, () => 0);
		expect(backoff.failed(0, new Date(10 * MINUTE))).toEqual(new Date(10 * MINUTE));
		expect(backoff.ready(9 * MINUTE)).toBe(false);
		// An earlier "not before" than the backoff's own wait does not shorten it.
		backoff.failed(MINUTE);
		expect(backoff.failed(2 * MINUTE, new Date(2 * MINUTE + 1))).toEqual(new Date(4 * MINUTE));
	});
});
