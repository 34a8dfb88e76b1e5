/**
 * The relational store's tables as Kysely sees them (Kysely docs, "Defining the database schema"). One schema for
 * SQLite (better-sqlite3) and PostgreSQL (pg); `migrations.ts` creates it. Conventions that keep both engines
 * alike:
 * - times are epoch milliseconds (`bigint` on PostgreSQL, read back as numbers);
 * - JSON values are stored as text and validated with zod when read;
 * - booleans are integers 0/1;
 * - ids of Discord objects (snowflakes) are text.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** A time in epoch milliseconds. */
type Millis = number;

/** What a subscription follows. `owner` matches a mod's owner case-insensitively (by `owner_key`). */
export type TargetKind = 'mod' | 'owner' | 'all' | 'modpack';

/** The state of one post: waiting (or being retried), posted, or given up on with a reason. */
export type OutboxState = 'pending' | 'sent' | 'failed';

/** `subscriptions`: which channel wants which releases, and whether posting there works. */
export interface SubscriptionsTable {
	/** 8 base36 characters. */
	id: string;
	guild_id: string;
	channel_id: string;
	/** Discord's channel type number (0 text, 5 announcement, 10-12 threads, 15 forum), so posting needs no cache. */
	channel_type: number;
	target_kind: TargetKind;
	/**
	 * Identity of the target within a channel (unique with `channel_id`): `mod:{name}`, `owner:{lower-case owner}`,
	 * `all:{factorio_version}|{category}|{tag}`, `modpack:{id}`.
	 */
	target_key: string;
	/** `mod`: the mod's internal name (case-sensitive). */
	mod_name: string | null;
	/** `owner`: the owner's name as shown. */
	owner: string | null;
	/** `owner`: the owner's name in lower case, matched against a mod's owner in lower case. */
	owner_key: string | null;
	/** `all` filters (null = any): `major.minor`, category and tag names in lower case. */
	factorio_version: string | null;
	category: string | null;
	tag: string | null;
	/** `modpack`: the saved mod set's id. */
	modpack_id: string | null;
	role_id: string | null;
	/** How much of the changelog posts show: `full`, `summary`, `none`. */
	changelog_detail: string;
	created_by: string;
	created_at: ColumnType<Millis, Millis, never>;
	last_post_at: Millis | null;
	/** Set while posting is paused (403/404), with the reason shown to admins. */
	paused_reason: string | null;
	paused_since: Millis | null;
}

/** `forum_threads`: for a forum channel's subscription, the forum post (thread) each mod's releases go to. */
export interface ForumThreadsTable {
	subscription_id: string;
	mod_name: string;
	thread_id: string;
}

/** `announcements`: the snapshot of one release that delivery renders (no portal call at posting time). */
export interface AnnouncementsTable {
	/** `{mod name}@{version}`. */
	release_key: string;
	mod_name: string;
	version: string;
	/** JSON of the snapshot (`Announcement`). */
	snapshot: string;
	detected_at: Millis;
}

/** `outbox`: one post of one release for one subscription. Unique per (subscription, release). */
export interface OutboxTable {
	subscription_id: string;
	release_key: string;
	state: OutboxState;
	/** Not to be tried before this time. */
	due_at: Millis;
	/** Failed attempts so far. */
	attempts: Generated<number>;
	/** The nonce of the message that carries this entry (set before the first attempt, kept for retries). */
	batch_nonce: string | null;
	/** When the first attempt with `batch_nonce` started: past Discord's nonce window, look before resending. */
	batch_started_at: Millis | null;
	message_id: string | null;
	sent_at: Millis | null;
	/** The last failure, short and free of secrets; for `failed` entries the reason shown to admins. */
	last_error: string | null;
	created_at: Millis;
}

/** `known_releases`: the latest release of every mod as last recorded by the feed. */
export interface KnownReleasesTable {
	mod_name: string;
	version: string;
	released_at: Millis | null;
}

/** `state`: small durable values written inside transactions (feed seed time, poll anchors, catalog meta). */
export interface StateTable {
	key: string;
	/** JSON text. */
	value: string;
}

/** `catalog_mods`: the local copy of the portal's mod list, one row per mod, in the portal's order. */
export interface CatalogModsTable {
	name: string;
	position: number;
	/** JSON of the mod's list entry as the catalog keeps it (`ModSummary`). */
	data: string;
}

/** `feed_mod_failures`: a mod the feed could not read or snapshot, skipped and retried with a per-mod backoff. */
export interface FeedModFailuresTable {
	mod_name: string;
	/** Failed attempts in a row. */
	failures: number;
	/** Short, secret-free reason of the last failure, shown in the feed's health. */
	last_error: string;
	first_failed_at: Millis;
	/** Not tried again before this time. */
	retry_at: Millis;
}

/** `modpacks`: a guild's named mod sets (`/modpack save`), resolved at saving; `/subscribe modpack` follows one. */
export interface ModpacksTable {
	/** 8 base36 characters; subscriptions refer to it as `modpack:{id}`. */
	id: string;
	guild_id: string;
	/** The name as given (trimmed, at most 50 characters). */
	name: string;
	/** The name in lower case: unique per guild, so `Space` and `space` are one set. */
	name_key: string;
	/** The server's Factorio version as given: `major.minor` (`2.0`) or exact (`2.0.28`). */
	factorio_version: string;
	/** 0/1: the Space Age expansion is on. */
	space_age: number;
	/** 0/1: recommended (`+`) dependencies were added. */
	recommended: number;
	/** With a `major.minor` version: the lowest patch the resolved set needs (`2.0.28`); else null. */
	minimum_game_version: string | null;
	created_by: string;
	created_at: ColumnType<Millis, Millis, never>;
	updated_by: string;
	updated_at: Millis;
}

/** `modpack_mods`: the resolved closure of a saved set, one row per mod (listed by the user or a dependency). */
export interface ModpackModsTable {
	modpack_id: string;
	mod_name: string;
	/** 1: one of the mods the user listed; 0: a dependency the resolver pulled in. */
	listed: number;
	/** The user's constraint on a listed mod (`>= 0.16`), else null. */
	version_constraint: string | null;
	/** The release chosen at saving. */
	version: string;
	/** JSON array of the chosen release's info.json dependency strings, as the portal gave them (parsed again on read). */
	dependencies: string;
}

/** Every table, for `Kysely<Database>`. */
export interface Database {
	subscriptions: SubscriptionsTable;
	forum_threads: ForumThreadsTable;
	announcements: AnnouncementsTable;
	outbox: OutboxTable;
	known_releases: KnownReleasesTable;
	state: StateTable;
	catalog_mods: CatalogModsTable;
	feed_mod_failures: FeedModFailuresTable;
	modpacks: ModpacksTable;
	modpack_mods: ModpackModsTable;
}

export type SubscriptionRow = Selectable<SubscriptionsTable>;
export type NewSubscriptionRow = Insertable<SubscriptionsTable>;
export type SubscriptionUpdate = Updateable<SubscriptionsTable>;
export type OutboxRow = Selectable<OutboxTable>;
