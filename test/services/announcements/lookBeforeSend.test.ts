import { describe, expect, it } from 'vitest';
import {
	NONCE_TRUST_MS,
	lookBeforeSend,
	markerNonce,
	postMarker,
} from '../../../src/services/announcements/lookBeforeSend.js';

describe('lookBeforeSend', () => {
	const started = 1_700_000_000_000;

	it('does not look when the batch was never attempted', () => {
		expect(lookBeforeSend({ kind: 'message', batchStartedAt: null }, started)).toBeUndefined();
		expect(lookBeforeSend({ kind: 'forum_post', batchStartedAt: null }, started)).toBeUndefined();
	});

	it('does look for a forum post at any retry, since starting one carries no nonce', () => {
		expect(lookBeforeSend({ kind: 'forum_post', batchStartedAt: started }, started + 1)).toEqual({
			since: started,
			reason: 'no_nonce',
		});
	});

	it('does trust the nonce inside the window and look once it has passed', () => {
		const attempt = { kind: 'message', batchStartedAt: started } as const;
		expect(lookBeforeSend(attempt, started + NONCE_TRUST_MS - 1)).toBeUndefined();
		expect(lookBeforeSend(attempt, started + NONCE_TRUST_MS)).toEqual({ since: started, reason: 'nonce_expired' });
		expect(lookBeforeSend(attempt, started + 10, 10)?.reason).toBe('nonce_expired');
	});
});

describe('postMarker and markerNonce', () => {
	it('does read back the nonce of a marker it made', () => {
		const nonce = 'Ab3_-x9QzLm0pR7sT2uV4wY6z';
		expect(postMarker(nonce)).toBe(`ref ${nonce}`);
		expect(markerNonce(postMarker(nonce))).toBe(nonce);
	});

	it('does not read a nonce from text that is not exactly a marker', () => {
		for (const text of [
			undefined,
			'',
			'ref ',
			'ref a b',
			`ref ${'x'.repeat(26)}`,
			'Ref abc',
			'see ref abc',
			'ref abc!',
		])
			expect(markerNonce(text)).toBeUndefined();
	});
});
