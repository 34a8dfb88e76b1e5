import { afterEach, describe, expect, it } from 'vitest';
import { engineOf, openDatabase, scrubStoreError, sqlitePath, StoreUrlError } from '../../src/storage/database.js';
import { MIGRATIONS } from '../../src/storage/migrations.js';
import { createTestStoreUrl, ENGINES, openTestDatabase } from '../support/database.js';
import { subscriptionRow } from '../support/subscriptionRow.js';

const subscription = subscriptionRow({
	id: 'abc12345',
	guild_id: '111111111111111111',
	channel_id: '222222222222222222',
	target_kind: 'mod',
	target_key: 'mod:flib',
	mod_name: 'flib',
	created_by: '333333333333333333',
	created_at: 1_764_633_600_000,
});

describe('store URLs', () => {
	it('tells the engine from the scheme and refuses others without echoing the URL', () => {
		expect(engineOf('sqlite://data/bot.sqlite')).toBe('sqlite');
		expect(engineOf('postgres://u:p@h/db')).toBe('postgres');
		expect(engineOf('postgresql://u:p@h/db')).toBe('postgres');
		expect(() => engineOf('mysql://user:secret@h/db')).toThrow(StoreUrlError);
		expect(() => engineOf('mysql://user:secret@h/db')).not.toThrow(/secret/);
	});

	it('does refuse a PostgreSQL URL that does not parse, without echoing it', () => {
		expect(() => engineOf('postgres://bot:hunter2@[broken/bot')).toThrow(StoreUrlError);
		expect(() => engineOf('postgres://bot:hunter2@[broken/bot')).not.toThrow(/hunter2/);
	});

	it('does fail without the password in the error when PostgreSQL cannot be reached', async () => {
		const error = await openDatabase('postgres://bot:hunter2%21secret@127.0.0.1:1/bot').catch((e: unknown) => e);
		expect(error).toBeInstanceOf(Error);
		const text = `${(error as Error).message}\n${(error as Error).stack ?? ''}`;
		expect(text).toMatch(/ECONNREFUSED/);
		expect(text).not.toMatch(/hunter2/);
	});

	it('does mask the password, written or decoded, in an error and its causes', () => {
		const url = 'postgres://bot:p%40ss@db/bot';
		const cause = new Error('connecting as bot with p@ss failed');
		const error = new Error(`could not open ${url}`, { cause });
		scrubStoreError(error, url);
		expect(error.message).toBe('could not open postgres://bot:***@db/bot');
		expect(cause.message).toBe('connecting as bot with *** failed');
		expect(error.stack).not.toContain('p%40ss');
	});

	it('resolves relative and absolute SQLite paths', () => {
		expect(sqlitePath('sqlite:///var/lib/bot.sqlite')).toBe('/var/lib/bot.sqlite');
		expect(sqlitePath('sqlite://data/bot.sqlite')).toBe(`${process.cwd()}/data/bot.sqlite`);
		expect(sqlitePath('sqlite://:memory:')).toBeUndefined();
	});
});

describe.each(ENGINES)('the %s store', (engine) => {
	let close: (() => Promise<void>) | undefined;
	afterEach(async () => {
		await close?.();
		close = undefined;
	});

	it('applies every migration once and none again on the next open', async () => {
		const store = await createTestStoreUrl(engine);
		close = () => store.drop();
		const first = await openDatabase(store.url);
		const tables = (await first.db.introspection.getTables()).map((t) => t.name);
		expect(tables).toEqual(expect.arrayContaining(['subscriptions', 'outbox', 'announcements', 'known_releases']));
		await first.close();
		const second = await openDatabase(store.url);
		const applied = await second.db
			.selectFrom('kysely_migration' as never)
			.select('name' as never)
			.execute();
		expect(applied).toHaveLength(Object.keys(MIGRATIONS).length);
		await second.close();
	});

	it('drops a removed subscription’s posts in the same statement and reads times back as numbers', async () => {
		const database = await openTestDatabase(engine);
		close = () => database.close();
		const { db } = database;
		await db.insertInto('subscriptions').values(subscription).execute();
		await db
			.insertInto('announcements')
			.values({ release_key: 'flib@0.16.0', mod_name: 'flib', version: '0.16.0', snapshot: '{}', detected_at: 1 })
			.execute();
		await db
			.insertInto('outbox')
			.values({
				subscription_id: subscription.id,
				release_key: 'flib@0.16.0',
				state: 'pending',
				due_at: 1_764_633_600_123,
				batch_nonce: null,
				batch_started_at: null,
				message_id: null,
				sent_at: null,
				last_error: null,
				created_at: 1,
			})
			.execute();
		const row = await db.selectFrom('outbox').select(['due_at', 'attempts']).executeTakeFirstOrThrow();
		expect(row).toEqual({ due_at: 1_764_633_600_123, attempts: 0 });
		await db.deleteFrom('subscriptions').where('id', '=', subscription.id).execute();
		expect(await db.selectFrom('outbox').selectAll().execute()).toEqual([]);
	});
});
