import { afterEach, describe, expect, it } from 'vitest';
import { shardOptions } from '../../src/discord/client.js';
import { PostgresIdentifyThrottler } from '../../src/discord/identifyThrottler.js';
import { createTestStoreUrl, type TestStoreUrl } from '../support/database.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
	for (const step of cleanup.splice(0).reverse()) await step();
});

async function storeUrl(): Promise<TestStoreUrl> {
	const store = await createTestStoreUrl('postgres');
	cleanup.push(() => store.drop());
	return store;
}

/** Two processes' throttlers on one store, recording when each bucket's window ended. */
function throttlers(url: string, maxConcurrency: number) {
	const windowEnds: { process: string; bucket: number; at: number }[] = [];
	const make = (name: string) => {
		const throttler = new PostgresIdentifyThrottler({
			url,
			maxConcurrency,
			windowMs: 300,
			pollMs: 20,
			onWindowEnd: (bucket) => windowEnds.push({ process: name, bucket, at: performance.now() }),
		});
		cleanup.push(() => throttler.close());
		return throttler;
	};
	return { a: make('a'), b: make('b'), windowEnds };
}

describe('identify spacing across processes', () => {
	it('does let a second process identify in a bucket only after the first one’s window ended', async () => {
		const { url } = await storeUrl();
		const { a, b, windowEnds } = throttlers(url, 1);
		const signal = new AbortController().signal;
		await a.waitForIdentify(0, signal);
		await b.waitForIdentify(1, signal);
		const bAt = performance.now();
		expect(windowEnds.filter((end) => end.process === 'a')).toHaveLength(1);
		expect(windowEnds[0]!.at).toBeLessThanOrEqual(bAt);
	});

	it('does let shards of different buckets identify together, and space shards of one bucket within a process', async () => {
		const { url } = await storeUrl();
		const { a, b, windowEnds } = throttlers(url, 2);
		const signal = new AbortController().signal;
		await a.waitForIdentify(0, signal);
		// Bucket 1 is free: no window has ended yet when it is granted.
		await b.waitForIdentify(1, signal);
		expect(windowEnds).toEqual([]);
		// Shard 2 shares bucket 0 with shard 0 of the same process.
		await a.waitForIdentify(2, signal);
		expect(windowEnds.some((end) => end.process === 'a' && end.bucket === 0)).toBe(true);
	});

	it('does stop waiting with the signal’s reason when the identify is aborted', async () => {
		const { url } = await storeUrl();
		const { a, b } = throttlers(url, 1);
		await a.waitForIdentify(0, new AbortController().signal);
		const controller = new AbortController();
		const waiting = b.waitForIdentify(0, controller.signal);
		controller.abort(new Error('shard destroyed'));
		await expect(waiting).rejects.toThrow('shard destroyed');
	});
});

describe('shardOptions', () => {
	it('does ask Discord for the shard count unless SHARD_COUNT or SHARDS are set', () => {
		expect(shardOptions({})).toEqual({ shards: 'auto' });
		expect(shardOptions({ shardCount: 3 })).toEqual({ shards: [0, 1, 2], shardCount: 3 });
		expect(shardOptions({ shardCount: 4, shards: [2, 3] })).toEqual({ shards: [2, 3], shardCount: 4 });
	});
});
