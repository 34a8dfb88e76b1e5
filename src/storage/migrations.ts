/**
 * Versioned schema migrations, applied in name order by Kysely's `Migrator` at start-up and by `npm run migrate`
 * (Kysely docs, "Migrations"). They live in code, not in a folder scanned at run time, so `tsx`, `dist/` and
 * bundles all see the same list. Never edit a migration that has shipped: add the next one.
 *
 * Every statement here runs on SQLite and PostgreSQL alike: `bigint` (SQLite gives it integer affinity), `text`,
 * `integer`, foreign keys with `on delete cascade` (SQLite enforces them with `PRAGMA foreign_keys = ON`, set when
 * the database is opened).
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';

const initial: Migration = {
	async up(db: Kysely<unknown>) {
		await db.schema
			.createTable('subscriptions')
			.addColumn('id', 'text', (c) => c.primaryKey())
			.addColumn('guild_id', 'text', (c) => c.notNull())
			.addColumn('channel_id', 'text', (c) => c.notNull())
			.addColumn('channel_type', 'integer', (c) => c.notNull())
			.addColumn('target_kind', 'text', (c) => c.notNull())
			.addColumn('target_key', 'text', (c) => c.notNull())
			.addColumn('mod_name', 'text')
			.addColumn('owner', 'text')
			.addColumn('owner_key', 'text')
			.addColumn('factorio_version', 'text')
			.addColumn('category', 'text')
			.addColumn('tag', 'text')
			.addColumn('modpack_id', 'text')
			.addColumn('role_id', 'text')
			.addColumn('changelog_detail', 'text', (c) => c.notNull())
			.addColumn('created_by', 'text', (c) => c.notNull())
			.addColumn('created_at', 'bigint', (c) => c.notNull())
			.addColumn('last_post_at', 'bigint')
			.addColumn('paused_reason', 'text')
			.addColumn('paused_since', 'bigint')
			.addUniqueConstraint('subscriptions_channel_target', ['channel_id', 'target_key'])
			.execute();
		await db.schema.createIndex('subscriptions_guild').on('subscriptions').column('guild_id').execute();
		await db.schema.createIndex('subscriptions_mod').on('subscriptions').columns(['target_kind', 'mod_name']).execute();
		await db.schema
			.createIndex('subscriptions_owner')
			.on('subscriptions')
			.columns(['target_kind', 'owner_key'])
			.execute();
		await db.schema
			.createIndex('subscriptions_modpack')
			.on('subscriptions')
			.columns(['target_kind', 'modpack_id'])
			.execute();

		await db.schema
			.createTable('forum_threads')
			.addColumn('subscription_id', 'text', (c) => c.notNull().references('subscriptions.id').onDelete('cascade'))
			.addColumn('mod_name', 'text', (c) => c.notNull())
			.addColumn('thread_id', 'text', (c) => c.notNull())
			.addPrimaryKeyConstraint('forum_threads_pk', ['subscription_id', 'mod_name'])
			.execute();

		await db.schema
			.createTable('announcements')
			.addColumn('release_key', 'text', (c) => c.primaryKey())
			.addColumn('mod_name', 'text', (c) => c.notNull())
			.addColumn('version', 'text', (c) => c.notNull())
			.addColumn('snapshot', 'text', (c) => c.notNull())
			.addColumn('detected_at', 'bigint', (c) => c.notNull())
			.execute();

		await db.schema
			.createTable('outbox')
			.addColumn('subscription_id', 'text', (c) => c.notNull().references('subscriptions.id').onDelete('cascade'))
			.addColumn('release_key', 'text', (c) => c.notNull().references('announcements.release_key').onDelete('cascade'))
			.addColumn('state', 'text', (c) => c.notNull())
			.addColumn('due_at', 'bigint', (c) => c.notNull())
			.addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
			.addColumn('batch_nonce', 'text')
			.addColumn('batch_started_at', 'bigint')
			.addColumn('message_id', 'text')
			.addColumn('sent_at', 'bigint')
			.addColumn('last_error', 'text')
			.addColumn('created_at', 'bigint', (c) => c.notNull())
			.addPrimaryKeyConstraint('outbox_pk', ['subscription_id', 'release_key'])
			.execute();
		await db.schema.createIndex('outbox_due').on('outbox').columns(['state', 'due_at']).execute();
		await db.schema.createIndex('outbox_release').on('outbox').column('release_key').execute();

		await db.schema
			.createTable('known_releases')
			.addColumn('mod_name', 'text', (c) => c.primaryKey())
			.addColumn('version', 'text', (c) => c.notNull())
			.addColumn('released_at', 'bigint')
			.execute();

		await db.schema
			.createTable('state')
			.addColumn('key', 'text', (c) => c.primaryKey())
			.addColumn('value', 'text', (c) => c.notNull())
			.execute();

		await db.schema
			.createTable('catalog_mods')
			.addColumn('name', 'text', (c) => c.primaryKey())
			.addColumn('position', 'integer', (c) => c.notNull())
			.addColumn('data', 'text', (c) => c.notNull())
			.execute();
	},
};

/** The catalog is read back in the portal's order, in chunks: `(position, name)` keyset paging needs this index. */
const catalogPosition: Migration = {
	async up(db: Kysely<unknown>) {
		await db.schema.createIndex('catalog_mods_position').on('catalog_mods').columns(['position', 'name']).execute();
	},
};

/**
 * The release feed on the tables: an index on `target_key` (a release is matched by the few keys it can have, see
 * `matchKeys` in `services/announcements/subscriptions.ts`), and `feed_mod_failures`, the mods whose `/full` answer
 * or snapshot failed, with their per-mod backoff (issue 6: one bad mod never stops the feed).
 */
const feedTables: Migration = {
	async up(db: Kysely<unknown>) {
		await db.schema.createIndex('subscriptions_target_key').on('subscriptions').column('target_key').execute();
		await db.schema
			.createTable('feed_mod_failures')
			.addColumn('mod_name', 'text', (c) => c.primaryKey())
			.addColumn('failures', 'integer', (c) => c.notNull())
			.addColumn('last_error', 'text', (c) => c.notNull())
			.addColumn('first_failed_at', 'bigint', (c) => c.notNull())
			.addColumn('retry_at', 'bigint', (c) => c.notNull())
			.execute();
	},
};

/**
 * Saved mod sets (`/modpack save`): one row per set, unique by lower-case name per guild, and its resolved closure.
 * `modpack_mods_mod` serves the feed's match of a release of mod X to the sets holding X.
 */
const modpacks: Migration = {
	async up(db: Kysely<unknown>) {
		await db.schema
			.createTable('modpacks')
			.addColumn('id', 'text', (c) => c.primaryKey())
			.addColumn('guild_id', 'text', (c) => c.notNull())
			.addColumn('name', 'text', (c) => c.notNull())
			.addColumn('name_key', 'text', (c) => c.notNull())
			.addColumn('factorio_version', 'text', (c) => c.notNull())
			.addColumn('space_age', 'integer', (c) => c.notNull())
			.addColumn('recommended', 'integer', (c) => c.notNull())
			.addColumn('minimum_game_version', 'text')
			.addColumn('created_by', 'text', (c) => c.notNull())
			.addColumn('created_at', 'bigint', (c) => c.notNull())
			.addColumn('updated_by', 'text', (c) => c.notNull())
			.addColumn('updated_at', 'bigint', (c) => c.notNull())
			.addUniqueConstraint('modpacks_guild_name', ['guild_id', 'name_key'])
			.execute();
		await db.schema
			.createTable('modpack_mods')
			.addColumn('modpack_id', 'text', (c) => c.notNull().references('modpacks.id').onDelete('cascade'))
			.addColumn('mod_name', 'text', (c) => c.notNull())
			.addColumn('listed', 'integer', (c) => c.notNull())
			.addColumn('version_constraint', 'text')
			.addColumn('version', 'text', (c) => c.notNull())
			.addColumn('dependencies', 'text', (c) => c.notNull())
			.addPrimaryKeyConstraint('modpack_mods_pk', ['modpack_id', 'mod_name'])
			.execute();
		await db.schema.createIndex('modpack_mods_mod').on('modpack_mods').columns(['mod_name', 'modpack_id']).execute();
	},
};

/** Every migration by name; names sort in the order they apply. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
	'0001_initial': initial,
	'0003_catalog_mods_position': catalogPosition,
	'0004_feed_target_key_and_mod_failures': feedTables,
	'0005_modpacks': modpacks,
};

class InCodeMigrations implements MigrationProvider {
	getMigrations(): Promise<Record<string, Migration>> {
		return Promise.resolve({ ...MIGRATIONS });
	}
}

/** A Kysely `Migrator` over {@link MIGRATIONS}. */
export function createMigrator(db: Kysely<unknown>): Migrator {
	return new Migrator({ db, provider: new InCodeMigrations() });
}

/**
 * Brings the schema up to the newest migration. Safe to run on every start and from several processes: Kysely
 * takes a lock (a table lock on SQLite, an advisory lock on PostgreSQL) while it migrates.
 *
 * @returns the names of the migrations applied now (empty when the schema was current).
 * @throws the migration's error (the failed migration's transaction is rolled back).
 */
export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
	const { error, results } = await createMigrator(db).migrateToLatest();
	if (error !== undefined) throw error instanceof Error ? error : new Error('The migration failed', { cause: error });
	return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
