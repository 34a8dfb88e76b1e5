import { setTimeout as delay } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../src/storage/database.js';
import { openKeyValueStore, type KeyValueStore } from '../../src/storage/keyValue.js';
import { TtlCache } from '../../src/storage/ttlCache.js';
import { createTestStoreUrl, ENGINES, openTestDatabase } from '../support/database.js';

interface Value {
	n: number;
}
const isValue = (value: unknown): value is Value =>
	typeof value === 'object' && value !== null && typeof (value as { n?: unknown }).n === 'number';

describe.each(ENGINES)('the key-value store on %s', (engine) => {
	const opened: { database: OpenDatabase; keyValues?: KeyValueStore }[] = [];
	afterEach(async () => {
		for (const { database, keyValues } of opened.splice(0)) {
			await keyValues?.close();
			await database.close();
		}
	});

	async function open(): Promise<KeyValueStore> {
		const database = await openTestDatabase(engine);
		const keyValues = await openKeyValueStore(database);
		opened.push({ database, keyValues });
		return keyValues;
	}

	it('does keep values across a reopen of the same database', async () => {
		const store = await createTestStoreUrl(engine);
		const first = await openDatabase(store.url);
		const firstValues = await openKeyValueStore(first);
		await firstValues.keyv.set('commands:app:global', 'hash-1');
		await firstValues.keyv.set('odd', ':a value that starts with a colon');
		await firstValues.close();
		await first.close();
		const second = await openDatabase(store.url);
		const secondValues = await openKeyValueStore(second);
		try {
			expect(await secondValues.keyv.get('commands:app:global')).toBe('hash-1');
			expect(await secondValues.keyv.get('odd')).toBe(':a value that starts with a colon');
		} finally {
			await secondValues.close();
			await second.close();
			await store.drop();
		}
	});

	it('does forget a value when its TTL has passed', async () => {
		const { keyv } = await open();
		await keyv.set('short', { n: 1 }, 20);
		await keyv.set('long', { n: 2 }, 60_000);
		await delay(40);
		expect(await keyv.get('short')).toBeUndefined();
		expect(await keyv.get('long')).toEqual({ n: 2 });
	});

	it('does delete expired values under a prefix only when swept', async () => {
		const keyValues = await open();
		await keyValues.keyv.set('cache:a', { n: 1 }, 1);
		await keyValues.keyv.set('cache:b', { n: 2 }, 60_000);
		await keyValues.keyv.set('other:c', { n: 3 }, 1);
		await keyValues.keyv.set('cache:forever', { n: 4 });
		expect(await keyValues.deleteExpired('cache:', Date.now() + 10)).toBe(1);
		const keys: string[] = [];
		const database = opened.at(-1)!.database;
		for (const row of await database.db
			.selectFrom('keyv' as never)
			.select('key' as never)
			.execute()) {
			keys.push((row as { key: string }).key);
		}
		expect(keys.sort()).toEqual(['bot:cache:b', 'bot:cache:forever', 'bot:other:c']);
	});

	it('does serve a cached value from the store when a new cache starts on it (a restart)', async () => {
		const keyValues = await open();
		const first = new TtlCache<Value>({ memoryEntries: 10, store: keyValues, prefix: 'test:', accept: isValue });
		await first.set('a', { n: 1 }, 60_000);
		const second = new TtlCache<Value>({ memoryEntries: 10, store: keyValues, prefix: 'test:', accept: isValue });
		expect(await second.get('a')).toEqual({ n: 1 });
		expect(await keyValues.keyv.get('test:a')).toEqual({ n: 1 });
	});

	it('does treat a stored value of another shape as a miss', async () => {
		const keyValues = await open();
		await keyValues.keyv.set('test:a', { other: 'shape' }, 60_000);
		const cache = new TtlCache<Value>({ memoryEntries: 10, store: keyValues, prefix: 'test:', accept: isValue });
		expect(await cache.get('a')).toBeUndefined();
	});

	it('does sweep expired values it never reads again while it writes', async () => {
		const keyValues = await open();
		const cache = new TtlCache<Value>({ memoryEntries: 1, store: keyValues, prefix: 'test:', sweepEveryMs: 0 });
		await cache.set('gone', { n: 1 }, 1);
		await delay(10);
		await cache.set('kept', { n: 2 }, 60_000);
		expect(await keyValues.keyv.getRaw('test:gone')).toBeUndefined();
		expect(await keyValues.keyv.get('test:kept')).toEqual({ n: 2 });
	});
});

describe('TtlCache', () => {
	it('does hand out the same object while it is in memory', async () => {
		const cache = new TtlCache<Value>({ memoryEntries: 2 });
		const value = { n: 1 };
		await cache.set('a', value, 60_000);
		expect(await cache.get('a')).toBe(value);
	});

	it('does drop the least recently used value when memory is full and there is no store', async () => {
		const cache = new TtlCache<Value>({ memoryEntries: 2 });
		await cache.set('a', { n: 1 }, 60_000);
		await cache.set('b', { n: 2 }, 60_000);
		await cache.get('a');
		await cache.set('c', { n: 3 }, 60_000);
		expect(await cache.get('b')).toBeUndefined();
		expect(await cache.get('a')).toEqual({ n: 1 });
	});

	it('does forget a key when it is set with a TTL of 0', async () => {
		const cache = new TtlCache<Value>({ memoryEntries: 2 });
		await cache.set('a', { n: 1 }, 60_000);
		await cache.set('a', { n: 2 }, 0);
		expect(await cache.get('a')).toBeUndefined();
	});

	it('does answer a miss instead of failing when the store cannot be read', async () => {
		const database = await openDatabase('sqlite://:memory:');
		const keyValues = await openKeyValueStore(database);
		await keyValues.keyv.set('test:a', { n: 1 }, 60_000);
		await database.close();
		const warnings: unknown[] = [];
		const log = { warn: (...args: unknown[]) => warnings.push(args), debug: () => undefined };
		const cache = new TtlCache<Value>({
			memoryEntries: 2,
			store: keyValues,
			prefix: 'test:',
			log: log as never,
		});
		expect(await cache.get('a')).toBeUndefined();
		await cache.set('b', { n: 2 }, 60_000);
		expect(await cache.get('b')).toEqual({ n: 2 });
		expect(warnings).toHaveLength(2);
	});
});

describe('the key-value store on SQLite', () => {
	it('does run keyv on the store’s own connection, after a transaction in progress', async () => {
		const database = await openDatabase('sqlite://:memory:');
		const keyValues = await openKeyValueStore(database);
		try {
			// An in-memory database is private to its connection: keyv can only see this row through the same one.
			await sql`insert into keyv (key, value) values ('bot:direct', '{"value":1}')`.execute(database.db);
			expect(await keyValues.keyv.get('direct')).toBe(1);
			let release: () => void = () => undefined;
			const held = new Promise<void>((resolve) => (release = resolve));
			const transaction = database.db.transaction().execute(async (trx) => {
				await trx.insertInto('state').values({ key: 'catalog.meta', value: '{}' }).execute();
				await held;
				throw new Error('rolled back');
			});
			const write = keyValues.keyv.set('during', 2);
			await delay(20);
			release();
			await expect(transaction).rejects.toThrow('rolled back');
			await write;
			// Had the write landed inside the transaction, the rollback would have taken it along.
			expect(await keyValues.keyv.get('during')).toBe(2);
		} finally {
			await keyValues.close();
			await database.close();
		}
	});
});
