import { sql } from 'kysely';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/services/errors.js';
import { resolveMods, type Resolution } from '../../../src/services/modpack/resolver.js';
import {
	checkModpackName,
	ModpackLimitError,
	ModpackStore,
	modpackSubscriptionsOf,
	removeGuildModpacks,
} from '../../../src/services/modpack/savedModpacks.js';
import type { OpenDatabase } from '../../../src/storage/database.js';
import { graphClosure, graphSource } from './support.js';
import { ENGINES, openTestDatabase } from '../../support/database.js';
import { subscriptionRow } from '../../support/subscriptionRow.js';

const v11 = { version: '1.1', spaceAge: false };
const GUILD = '100000000000000001';
const OTHER_GUILD = '100000000000000002';
const ADMIN = '200000000000000001';

let krastorio: Resolution;
let angelBob: Resolution;

beforeAll(async () => {
	const source = graphSource();
	krastorio = await resolveMods({ mods: [{ name: 'Krastorio2' }, { name: 'Flare Stack' }], game: v11 }, source);
	angelBob = await resolveMods({ mods: [{ name: 'AngelBob' }], game: v11 }, source);
	expect(krastorio.excluded).toEqual([]);
	expect(angelBob.mods.length).toBeGreaterThanOrEqual(20);
});

async function subscribe(database: OpenDatabase, id: string, modpackId: string, guildId = GUILD): Promise<void> {
	await database.db
		.insertInto('subscriptions')
		.values(
			subscriptionRow({
				id,
				guild_id: guildId,
				channel_id: `3000000000000000${id.slice(-2)}`,
				target_kind: 'modpack',
				target_key: `modpack:${modpackId}`,
				modpack_id: modpackId,
				created_by: ADMIN,
			}),
		)
		.execute();
}

describe.each(ENGINES)('saved mod sets in the %s store', (engine) => {
	let database: OpenDatabase | undefined;
	afterEach(async () => {
		await database?.close();
		database = undefined;
	});

	it('does keep the whole resolved closure with each release and its dependencies when a set is saved', async () => {
		database = await openTestDatabase(engine);
		const store = new ModpackStore(database.db, { maxPerGuild: 5 });
		const constraints = new Map([['Flare Stack', '>= 2.0']]);
		const { modpack, status } = await store.save(
			{ guildId: GUILD, name: 'Main server', userId: ADMIN, resolution: krastorio, constraints },
			1_000,
		);
		expect(status).toBe('created');
		expect(modpack.id).toMatch(/^[0-9a-z]{8}$/);
		const read = await new ModpackStore(database.db, { maxPerGuild: 5 }).get(GUILD, '  main   SERVER ');
		expect(read).toEqual(modpack);
		expect(new Set(read?.mods.map((m) => m.name))).toEqual(
			new Set([...graphClosure('Krastorio2'), ...graphClosure('Flare Stack')]),
		);
		expect(read?.mods.filter((m) => m.listed).map((m) => m.name)).toEqual(['Flare Stack', 'Krastorio2']);
		expect(read?.mods.find((m) => m.name === 'Flare Stack')?.constraint).toBe('>= 2.0');
		const k2 = krastorio.mods.find((m) => m.name === 'Krastorio2');
		expect(read?.mods.find((m) => m.name === 'Krastorio2')).toEqual({
			name: 'Krastorio2',
			listed: true,
			version: k2?.release.version,
			dependencies: k2?.release.dependencies.map((d) => d.raw),
		});
		expect(read).toMatchObject({ factorioVersion: '1.1', spaceAge: false, recommended: true, createdAt: 1_000 });
		expect(await store.getById(modpack.id)).toEqual(modpack);
		expect(await store.get(OTHER_GUILD, 'Main server')).toBeUndefined();
	});

	it('does replace a set in place, keeping its id and creation, when the same name is saved again in any case', async () => {
		database = await openTestDatabase(engine);
		const store = new ModpackStore(database.db, { maxPerGuild: 1 });
		const first = await store.save({ guildId: GUILD, name: 'Main', userId: ADMIN, resolution: krastorio }, 1_000);
		const second = await store.save({ guildId: GUILD, name: 'MAIN', userId: '9', resolution: angelBob }, 2_000);
		expect(second.status).toBe('updated');
		expect(second.modpack).toMatchObject({
			id: first.modpack.id,
			name: 'MAIN',
			createdBy: ADMIN,
			createdAt: 1_000,
			updatedBy: '9',
			updatedAt: 2_000,
		});
		const read = await store.get(GUILD, 'main');
		expect(new Set(read?.mods.map((m) => m.name))).toEqual(graphClosure('AngelBob'));
		expect(await store.list(GUILD)).toHaveLength(1);
	});

	it('does refuse a new set past the guild’s limit, but not an update nor another guild’s set', async () => {
		database = await openTestDatabase(engine);
		const store = new ModpackStore(database.db, { maxPerGuild: 2 });
		await store.save({ guildId: GUILD, name: 'a', userId: ADMIN, resolution: krastorio });
		await store.save({ guildId: GUILD, name: 'b', userId: ADMIN, resolution: krastorio });
		const refused = store.save({ guildId: GUILD, name: 'c', userId: ADMIN, resolution: krastorio });
		await expect(refused).rejects.toThrow(ModpackLimitError);
		await expect(refused).rejects.toMatchObject({ limit: 2 });
		await expect(refused).rejects.not.toThrow('/modpack');
		await expect(store.save({ guildId: GUILD, name: 'B', userId: ADMIN, resolution: angelBob })).resolves.toMatchObject(
			{
				status: 'updated',
			},
		);
		await expect(
			store.save({ guildId: OTHER_GUILD, name: 'c', userId: ADMIN, resolution: krastorio }),
		).resolves.toMatchObject({ status: 'created' });
		expect((await store.list(GUILD)).map((s) => s.name)).toEqual(['a', 'B']);
	});

	it('does list a guild’s sets by name with their counts and complete names for autocomplete', async () => {
		database = await openTestDatabase(engine);
		const store = new ModpackStore(database.db, { maxPerGuild: 10 });
		await store.save({ guildId: GUILD, name: 'space server', userId: ADMIN, resolution: angelBob });
		await store.save({ guildId: GUILD, name: 'Krastorio test', userId: ADMIN, resolution: krastorio });
		await store.save({ guildId: OTHER_GUILD, name: 'elsewhere', userId: ADMIN, resolution: krastorio });
		const list = await store.list(GUILD);
		expect(list.map((s) => [s.name, s.listedCount, s.modCount])).toEqual([
			['Krastorio test', 2, krastorio.mods.length],
			['space server', 1, angelBob.mods.length],
		]);
		expect(await store.names(GUILD, 'K', 25)).toEqual(['Krastorio test']);
		expect(await store.names(GUILD, 'server', 25)).toEqual(['space server']);
		expect(await store.names(GUILD, '', 1)).toEqual(['Krastorio test']);
		expect(await store.list('unknown')).toEqual([]);
	});

	it('does match a release of a closure mod to the subscriptions following sets that hold it', async () => {
		database = await openTestDatabase(engine);
		const store = new ModpackStore(database.db, { maxPerGuild: 10 });
		const k = await store.save({ guildId: GUILD, name: 'k', userId: ADMIN, resolution: krastorio });
		const a = await store.save({ guildId: GUILD, name: 'a', userId: ADMIN, resolution: angelBob });
		await subscribe(database, 'sub00001', k.modpack.id);
		await subscribe(database, 'sub00002', a.modpack.id);
		await subscribe(database, 'sub00003', k.modpack.id);
		const flib = krastorio.mods.find((m) => !m.listed)?.name ?? '';
		expect(await store.subscriptionsFor(flib)).toEqual([
			{ subscriptionId: 'sub00001', modpackId: k.modpack.id },
			{ subscriptionId: 'sub00003', modpackId: k.modpack.id },
		]);
		expect((await store.subscriptionsFor('angelsrefining')).map((s) => s.subscriptionId)).toEqual(['sub00002']);
		expect(await store.subscriptionsFor('not-in-any-set')).toEqual([]);
		expect(await store.idsContaining(flib)).toEqual([k.modpack.id]);
		// The builder composes into the feed's own statements.
		const count = await modpackSubscriptionsOf(database.db, flib)
			.clearSelect()
			.select((eb) => eb.fn.countAll<number | string>().as('n'))
			.executeTakeFirstOrThrow();
		expect(Number(count.n)).toBe(2);
	});

	it('does queue a release for exactly the modpack subscriptions holding the mod with one INSERT … SELECT', async () => {
		database = await openTestDatabase(engine);
		const store = new ModpackStore(database.db, { maxPerGuild: 10 });
		const k = await store.save({ guildId: GUILD, name: 'k', userId: ADMIN, resolution: krastorio });
		const a = await store.save({ guildId: GUILD, name: 'a', userId: ADMIN, resolution: angelBob });
		await subscribe(database, 'sub00001', k.modpack.id);
		await subscribe(database, 'sub00002', a.modpack.id);
		const releaseKey = 'flib@0.99.0';
		await database.db
			.insertInto('announcements')
			.values({ release_key: releaseKey, mod_name: 'flib', version: '0.99.0', snapshot: '{}', detected_at: 5 })
			.execute();
		// The statement the feed needs (see the report / modpackSubscriptionsOf): run twice, it queues once.
		const queue = (now: number) =>
			database!.db
				.insertInto('outbox')
				.columns(['subscription_id', 'release_key', 'state', 'due_at', 'created_at'])
				.expression(
					modpackSubscriptionsOf(database!.db, 'flib')
						.clearSelect()
						.select([
							'subscriptions.id',
							sql<string>`${releaseKey}`.as('release_key'),
							sql<string>`'pending'`.as('state'),
							sql<number>`cast(${now} as bigint)`.as('due_at'),
							sql<number>`cast(${now} as bigint)`.as('created_at'),
						]),
				)
				.onConflict((oc) => oc.columns(['subscription_id', 'release_key']).doNothing())
				.execute();
		await queue(10);
		await queue(20);
		const queued = await database.db.selectFrom('outbox').select(['subscription_id', 'due_at', 'state']).execute();
		expect(queued).toEqual([{ subscription_id: 'sub00001', due_at: 10, state: 'pending' }]);
	});

	it('does remove a set with its closure, its subscriptions and their waiting posts', async () => {
		database = await openTestDatabase(engine);
		const store = new ModpackStore(database.db, { maxPerGuild: 10 });
		const k = await store.save({ guildId: GUILD, name: 'Main', userId: ADMIN, resolution: krastorio });
		const other = await store.save({ guildId: GUILD, name: 'Other', userId: ADMIN, resolution: krastorio });
		await subscribe(database, 'sub00001', k.modpack.id);
		await subscribe(database, 'sub00002', other.modpack.id);
		await database.db
			.insertInto('announcements')
			.values({ release_key: 'flib@1.0.0', mod_name: 'flib', version: '1.0.0', snapshot: '{}', detected_at: 1 })
			.execute();
		await database.db
			.insertInto('outbox')
			.values({ subscription_id: 'sub00001', release_key: 'flib@1.0.0', state: 'pending', due_at: 1, created_at: 1 })
			.execute();
		expect(await store.remove(OTHER_GUILD, 'main')).toBeUndefined();
		const removed = await store.remove(GUILD, 'MAIN');
		expect(removed).toMatchObject({ modpack: { id: k.modpack.id, name: 'Main' }, subscriptions: 1 });
		expect(await store.get(GUILD, 'Main')).toBeUndefined();
		const left = await database.db.selectFrom('modpack_mods').select('modpack_id').distinct().execute();
		expect(left.map((r) => r.modpack_id)).toEqual([other.modpack.id]);
		expect(await database.db.selectFrom('subscriptions').select('id').execute()).toEqual([{ id: 'sub00002' }]);
		expect(await database.db.selectFrom('outbox').selectAll().execute()).toEqual([]);
		expect(await store.remove(GUILD, 'Main')).toBeUndefined();
	});

	it('does remove every set of a guild the bot left, and only that guild’s', async () => {
		database = await openTestDatabase(engine);
		const store = new ModpackStore(database.db, { maxPerGuild: 10 });
		const gone = await store.save({ guildId: GUILD, name: 'a', userId: ADMIN, resolution: krastorio });
		await store.save({ guildId: GUILD, name: 'b', userId: ADMIN, resolution: angelBob });
		const kept = await store.save({ guildId: OTHER_GUILD, name: 'a', userId: ADMIN, resolution: krastorio });
		await subscribe(database, 'sub00001', gone.modpack.id);
		await subscribe(database, 'sub00002', kept.modpack.id, OTHER_GUILD);
		expect(await removeGuildModpacks(database.db, GUILD)).toBe(2);
		expect(await store.list(GUILD)).toEqual([]);
		expect((await store.list(OTHER_GUILD)).map((s) => s.id)).toEqual([kept.modpack.id]);
		expect(await database.db.selectFrom('subscriptions').select('id').execute()).toEqual([{ id: 'sub00002' }]);
		expect(await store.idsContaining('Krastorio2')).toEqual([kept.modpack.id]);
	});
});

describe('checkModpackName', () => {
	it('does trim and join white space, and keep letters of any script and simple punctuation', () => {
		expect(checkModpackName('  Main\n  server ')).toBe('Main server');
		expect(checkModpackName("Bob's mods (2.0) #2 & more!")).toBe("Bob's mods (2.0) #2 & more!");
		expect(checkModpackName('Сервер über 工厂')).toBe('Сервер über 工厂');
	});

	it('does refuse empty, too long and odd names clearly, never echoing markup', () => {
		expect(() => checkModpackName('   ')).toThrow('Give the set a name');
		expect(() => checkModpackName('x'.repeat(51))).toThrow('at most 50 characters; that one has 51');
		expect(() => checkModpackName('<@123> ping')).toThrow(/not `<` \(U\+003C\)/);
		expect(() => checkModpackName('a`b')).toThrow(/only, not \(U\+0060\)/);
		expect(() => checkModpackName('zero\u200bwidth')).toThrow(/not \(U\+200B\)/);
		expect(() => checkModpackName('**bold**')).toThrow(UserError);
	});
});
