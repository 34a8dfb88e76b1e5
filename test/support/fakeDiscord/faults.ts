import { isObject } from '../discordLimits.js';
import type { FakeState } from './state.js';
import type { FakeFault, Reply } from './types.js';

/* Faults a test injects and the global rate limit. */

export function faultReply(fault: FakeFault): Reply {
	if (fault.connection !== undefined) return { status: 0, connection: fault.connection };
	const status = fault.status ?? 500;
	const headers: Record<string, string> = { ...fault.headers };
	let body = fault.body;
	if (status === 429) {
		body ??= { message: 'You are being rate limited.', retry_after: 0.05, global: false };
		const retryAfter = isObject(body) && typeof body.retry_after === 'number' ? body.retry_after : 0.05;
		const has = (name: string) => Object.keys(headers).some((h) => h.toLowerCase() === name);
		if (!has('retry-after')) headers['Retry-After'] = String(retryAfter);
		if (!has('x-ratelimit-scope')) headers['X-RateLimit-Scope'] = 'user';
	}
	body ??= { code: 0, message: `${status}: Injected fault` };
	return { status, body, headers };
}

export function globalLimit(s: FakeState): Reply | undefined {
	const limit = s.options.rateLimitPerSecond;
	if (limit === undefined) return undefined;
	const now = Date.now();
	if (now >= s.globalWindowEnd) {
		s.globalWindowEnd = now + 1000;
		s.globalCount = 0;
	}
	if (s.globalCount < limit) {
		s.globalCount += 1;
		return undefined;
	}
	const retryAfter = Math.max(0.001, (s.globalWindowEnd - now) / 1000);
	return {
		status: 429,
		body: { message: 'You are being rate limited.', retry_after: retryAfter, global: true },
		headers: {
			'Retry-After': retryAfter.toFixed(3),
			'X-RateLimit-Global': 'true',
			'X-RateLimit-Scope': 'global',
		},
	};
}
