import { describe, expect, it } from 'vitest';
import {
	MAX_ATTEMPTS,
	REASON_MAX,
	afterFailure,
	failedPostsBySubscription,
	failedPostsReading,
	failureReason,
	isRefusal,
	type OutboxHealthRow,
} from '../../../src/services/announcements/refusals.js';

const invalidForm = {
	status: 400,
	code: 50035,
	message: 'Invalid Form Body\nembeds[0].description[BASE_TYPE_MAX_LENGTH]: Must be 4096 or fewer in length.',
};

describe('afterFailure', () => {
	it('does send the reduced form once when the normal form is refused', () => {
		expect(afterFailure(invalidForm, { attempts: 0, reduced: false })).toEqual({ action: 'send_reduced' });
		expect(
			afterFailure({ status: 413, code: 40005, message: 'Request entity too large' }, { attempts: 3, reduced: false }),
		).toEqual({ action: 'send_reduced' });
	});

	it('does fail with the reason when the reduced form is refused too', () => {
		expect(afterFailure(invalidForm, { attempts: 0, reduced: true })).toEqual({
			action: 'fail',
			reason:
				'refused in the reduced form too: Discord refused the post (50035): Invalid Form Body ' +
				'embeds[0].description[BASE_TYPE_MAX_LENGTH]: Must be 4096 or fewer in length.',
		});
	});

	it('does retry other failures until the attempts reach the cap', () => {
		const unavailable = { status: 503, message: 'Service Unavailable' };
		expect(afterFailure(unavailable, { attempts: MAX_ATTEMPTS - 2, reduced: false })).toEqual({
			action: 'retry',
			reason: 'Discord answered 503: Service Unavailable',
		});
		expect(afterFailure(unavailable, { attempts: MAX_ATTEMPTS - 1, reduced: false })).toEqual({
			action: 'fail',
			reason: `gave up after ${MAX_ATTEMPTS} attempts: Discord answered 503: Service Unavailable`,
		});
		expect(afterFailure({ message: 'other side closed' }, { attempts: 0, reduced: true, maxAttempts: 1 })).toEqual({
			action: 'fail',
			reason: 'gave up after 1 attempt: other side closed',
		});
	});
});

describe('failureReason', () => {
	it('does keep a reason to one line of at most 200 characters', () => {
		expect(isRefusal(invalidForm)).toBe(true);
		expect(isRefusal({ status: 403, code: 50013, message: 'Missing Permissions' })).toBe(false);
		const long = failureReason({ status: 400, code: 50035, message: `a\u0000b\n${'x'.repeat(500)}` });
		expect(long).toHaveLength(REASON_MAX);
		expect(long).toMatch(/^Discord refused the post \(50035\): a b x+…$/);
		expect(failureReason({ message: '' })).toBe('no answer from Discord');
	});
});

describe('failedPostsReading', () => {
	const row = (subscription: string, state: string, lastError: string | null, dueAt: number): OutboxHealthRow => ({
		subscription_id: subscription,
		state,
		last_error: lastError,
		due_at: dueAt,
	});

	it('does say nothing when no post failed', () => {
		expect(failedPostsReading([row('s1', 'pending', 'Discord answered 503', 1), row('s1', 'sent', null, 2)])).toBe(
			undefined,
		);
	});

	it('does count failed posts and give the latest reason and how many others there are', () => {
		expect(failedPostsReading([row('s1', 'failed', 'refused: a', 1)])).toBe('1 post could not be sent: refused: a');
		expect(
			failedPostsReading([
				row('s1', 'failed', 'refused: a', 1),
				row('s1', 'failed', 'refused: b', 3),
				row('s1', 'failed', 'refused: a', 2),
				row('s1', 'failed', null, 0),
				row('s1', 'pending', 'x', 9),
			]),
		).toBe('4 posts could not be sent: refused: b (and 2 other reasons)');
	});

	it('does give one reading per subscription with failed posts', () => {
		const readings = failedPostsBySubscription([
			row('s1', 'failed', 'refused: a', 1),
			row('s2', 'sent', null, 1),
			row('s3', 'failed', 'gave up', 1),
			row('s3', 'failed', 'gave up', 2),
		]);
		expect([...readings]).toEqual([
			['s1', '1 post could not be sent: refused: a'],
			['s3', '2 posts could not be sent: gave up'],
		]);
	});
});
