/**
 * Release subscriptions on the `subscriptions` table (`storage/schema.ts`): which Discord channel wants announcements
 * of which mods, and whether posting there currently works. Knows nothing of discord.js; ids are snowflake strings.
 *
 * A subscription's identity within its channel is its `target_key` (unique with `channel_id`): `mod:{name}`,
 * `owner:{lower-case owner}`, `all:{factorio_version}|{category}|{tag}` (empty for "any"), `modpack:{id}` (a saved
 * mod set, `/subscribe modpack`). A release is matched by the few keys it can have ({@link matchKeys}), one indexed
 * `IN` lookup instead of a scan of every subscription; a `modpack` one by the set's closure (`modpack_mods`, see
 * `Outbox.enqueue`).
 * Removing a subscription (by id, channel or guild) drops its waiting posts and forum threads in the same statement
 * (foreign keys with `on delete cascade`).
 */
import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Engine } from '../../storage/database.js';
import type { Database, NewSubscriptionRow, SubscriptionRow } from '../../storage/schema.js';
import { UserError } from '../errors.js';
import { factorioMinor } from '../factorio/version.js';
import type { ModDetails, Release } from '../portal/schemas.js';

/** How much of a release's changelog section a subscription's posts show: all of it, the first entries, or none. */
export type ChangelogDetail = 'full' | 'summary' | 'none';

/** Filters of a `{ kind: 'all' }` subscription; every one that is set must match. */
export interface SubscriptionFilters {
	/** `major.minor` Factorio version (`2.0`) the release must be made for (its info.json `factorio_version`). */
	factorioVersion?: string;
	/** Portal category name, lower case (`overhaul`). */
	category?: string;
	/** Portal tag name, lower case (`trains`). */
	tag?: string;
}

/**
 * What a subscription follows: one mod (by internal name), one owner's mods, every mod passing filters, or the mods
 * of a saved set and their dependencies (by the set's id; `name` is the set's name as read, for showing).
 */
export type SubscriptionTarget =
	| { kind: 'mod'; name: string }
	| { kind: 'owner'; owner: string }
	| { kind: 'all'; filters: SubscriptionFilters }
	| { kind: 'modpack'; modpackId: string; name: string };

/** Whether posting works; a paused subscription keeps collecting posts in the outbox until it is resumed. */
export type SubscriptionHealth = { state: 'active' } | { state: 'paused'; reason: string; since: string };

/** One channel's subscription to one target. */
export interface Subscription {
	/** 8 base36 characters, unique among all subscriptions. */
	id: string;
	guildId: string;
	/** A text, announcement or forum channel, or a thread. */
	channelId: string;
	/** Discord's channel type number (0 text, 5 announcement, 10-12 threads, 15 forum); -1 when not known yet. */
	channelType: number;
	target: SubscriptionTarget;
	/** Role pinged with each post. */
	roleId?: string;
	/** How much of each release's changelog its posts show (column `changelog_detail`). */
	changelogDetail: ChangelogDetail;
	/** User id of whoever created it. */
	createdBy: string;
	/** ISO 8601. */
	createdAt: string;
	/** ISO 8601 time of the last delivered post. */
	lastPostAt?: string;
	health: SubscriptionHealth;
}

/** What {@link SubscriptionRepository.add} takes. */
export type NewSubscription = Pick<
	Subscription,
	'guildId' | 'channelId' | 'target' | 'roleId' | 'changelogDetail' | 'createdBy'
> & {
	/** Discord's channel type number of `channelId`; default -1 (unknown: the poster looks it up). */
	channelType?: number;
};

/** What {@link SubscriptionRepository.add} did: a new subscription, or the existing one for the same channel and target. */
export type AddStatus = 'created' | 'exists' | 'resumed' | 'updated';

function normalise(value: string | undefined, lower: boolean): string | undefined {
	const trimmed = value?.trim();
	if (!trimmed) return undefined;
	return lower ? trimmed.toLowerCase() : trimmed;
}

/** The stored form of a target: trimmed, filters lower case, the Factorio version as `major.minor`, no empty keys. */
function normaliseTarget(target: SubscriptionTarget): SubscriptionTarget {
	switch (target.kind) {
		case 'mod':
			return { kind: 'mod', name: target.name.trim() };
		case 'owner':
			return { kind: 'owner', owner: target.owner.trim() };
		case 'modpack':
			return { kind: 'modpack', modpackId: target.modpackId.trim(), name: target.name };
		case 'all': {
			const filters: SubscriptionFilters = {};
			const version = factorioMinor(normalise(target.filters.factorioVersion, false));
			const category = normalise(target.filters.category, true);
			const tag = normalise(target.filters.tag, true);
			if (version) filters.factorioVersion = version;
			if (category) filters.category = category;
			if (tag) filters.tag = tag;
			return { kind: 'all', filters };
		}
	}
}

const allKey = (version: string, category: string, tag: string) => `all:${version}|${category}|${tag}`;

/** Identity of a (normalised) target: mod names are case-sensitive (as on the portal), owner names are not. */
export function targetKey(target: SubscriptionTarget): string {
	switch (target.kind) {
		case 'mod':
			return `mod:${target.name}`;
		case 'owner':
			return `owner:${target.owner.toLowerCase()}`;
		case 'modpack':
			return `modpack:${target.modpackId}`;
		case 'all':
			return allKey(target.filters.factorioVersion ?? '', target.filters.category ?? '', target.filters.tag ?? '');
	}
}

/**
 * Every `target_key` a subscription wanting this release can have: `mod:{name}`, `owner:{lower-case owner}`, and
 * for `all` each combination of "any" or the release's value of `factorio_version` (its `major.minor`), category
 * and tag (lower case). A release with 3 tags has 2 + 2 × 2 × 4 = 18 keys.
 */
export function matchKeys(
	mod: Pick<ModDetails, 'name' | 'owner' | 'category' | 'tags'>,
	release: Pick<Release, 'factorioVersion'>,
): string[] {
	const versions = ['', factorioMinor(release.factorioVersion) ?? ''];
	const categories = ['', mod.category?.toLowerCase() ?? ''];
	const tags = ['', ...mod.tags.map((tag) => tag.toLowerCase())];
	const keys = new Set([`mod:${mod.name}`, `owner:${mod.owner.toLowerCase()}`]);
	for (const version of versions) {
		for (const category of categories) for (const tag of tags) keys.add(allKey(version, category, tag));
	}
	return [...keys];
}

/**
 * A short label: `mod Krastorio2`, `owner Bobingabout`, `all mods`, `all mods (Factorio 2.0, tag trains)`,
 * `mod set main server`. The set's name is user input: the caller escapes it for its medium.
 */
export function describeTarget(target: SubscriptionTarget): string {
	switch (target.kind) {
		case 'mod':
			return `mod ${target.name}`;
		case 'owner':
			return `owner ${target.owner}`;
		case 'modpack':
			return `mod set ${target.name}`;
		case 'all': {
			const { factorioVersion, category, tag } = target.filters;
			const parts = [
				factorioVersion ? `Factorio ${factorioVersion}` : undefined,
				category ? `category ${category}` : undefined,
				tag ? `tag ${tag}` : undefined,
			].filter((part) => part !== undefined);
			return parts.length > 0 ? `all mods (${parts.join(', ')})` : 'all mods';
		}
	}
}

function newId(): string {
	// 6 random bytes = 48 bits, printed in base36 and cut to 8 characters (about 41 bits).
	return BigInt(`0x${randomBytes(6).toString('hex')}`)
		.toString(36)
		.padStart(8, '0')
		.slice(-8);
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A `subscriptions` row with the name of the saved set it follows, when joined ({@link withModpackName}). */
export type SubscriptionRowWithSet = SubscriptionRow & { modpack_name?: string | null };

/**
 * The domain form of a `subscriptions` row. A `modpack` subscription read without its set's name (or whose set is
 * gone) shows the set's id instead.
 */
export function subscriptionOf(row: SubscriptionRowWithSet): Subscription {
	let target: SubscriptionTarget;
	if (row.target_kind === 'mod') target = { kind: 'mod', name: row.mod_name ?? '' };
	else if (row.target_kind === 'owner') target = { kind: 'owner', owner: row.owner ?? '' };
	else if (row.target_kind === 'modpack') {
		const modpackId = row.modpack_id ?? '';
		target = { kind: 'modpack', modpackId, name: row.modpack_name ?? modpackId };
	} else {
		const filters: SubscriptionFilters = {};
		if (row.factorio_version) filters.factorioVersion = row.factorio_version;
		if (row.category) filters.category = row.category;
		if (row.tag) filters.tag = row.tag;
		target = { kind: 'all', filters };
	}
	const subscription: Subscription = {
		id: row.id,
		guildId: row.guild_id,
		channelId: row.channel_id,
		channelType: row.channel_type,
		target,
		changelogDetail:
			row.changelog_detail === 'summary' || row.changelog_detail === 'none' ? row.changelog_detail : 'full',
		createdBy: row.created_by,
		createdAt: iso(row.created_at),
		health:
			row.paused_reason === null
				? { state: 'active' }
				: { state: 'paused', reason: row.paused_reason, since: iso(row.paused_since ?? row.created_at) },
	};
	if (row.role_id) subscription.roleId = row.role_id;
	if (row.last_post_at !== null) subscription.lastPostAt = iso(row.last_post_at);
	return subscription;
}

function targetColumns(
	target: SubscriptionTarget,
): Pick<
	NewSubscriptionRow,
	| 'target_kind'
	| 'target_key'
	| 'mod_name'
	| 'owner'
	| 'owner_key'
	| 'factorio_version'
	| 'category'
	| 'tag'
	| 'modpack_id'
> {
	const none = {
		mod_name: null,
		owner: null,
		owner_key: null,
		factorio_version: null,
		category: null,
		tag: null,
		modpack_id: null,
	};
	const key = targetKey(target);
	switch (target.kind) {
		case 'mod':
			return { ...none, target_kind: 'mod', target_key: key, mod_name: target.name };
		case 'modpack':
			return { ...none, target_kind: 'modpack', target_key: key, modpack_id: target.modpackId };
		case 'owner':
			return {
				...none,
				target_kind: 'owner',
				target_key: key,
				owner: target.owner,
				owner_key: target.owner.toLowerCase(),
			};
		case 'all':
			return {
				...none,
				target_kind: 'all',
				target_key: key,
				factorio_version: target.filters.factorioVersion ?? null,
				category: target.filters.category ?? null,
				tag: target.filters.tag ?? null,
			};
	}
}

/**
 * Selects `subscriptions` rows with the name of the saved set a `modpack` one follows (`modpack_name`, null for the
 * other kinds): a left join on `modpacks`.
 */
export function withModpackName(db: Kysely<Database>) {
	return db
		.selectFrom('subscriptions')
		.leftJoin('modpacks', 'modpacks.id', 'subscriptions.modpack_id')
		.selectAll('subscriptions')
		.select('modpacks.name as modpack_name');
}

/**
 * The subscriptions of every guild, read and written in the `subscriptions` table. Every change is one statement or
 * one transaction; nothing is held in memory, so several processes may share a PostgreSQL store.
 */
export class SubscriptionRepository {
	readonly #db: Kysely<Database>;
	readonly #engine: Engine;
	readonly #maxPerGuild: number;

	/**
	 * @param options.db the migrated database.
	 * @param options.engine its engine (PostgreSQL takes a per-guild advisory lock while adding).
	 * @param options.maxPerGuild how many subscriptions one guild may have (`MAX_SUBSCRIPTIONS_PER_GUILD`).
	 */
	constructor(options: { db: Kysely<Database>; engine: Engine; maxPerGuild: number }) {
		this.#db = options.db;
		this.#engine = options.engine;
		this.#maxPerGuild = options.maxPerGuild;
	}

	/** This guild's subscriptions, oldest first. @throws the driver's error. */
	async list(guildId: string): Promise<Subscription[]> {
		const rows = await withModpackName(this.#db)
			.where('subscriptions.guild_id', '=', guildId)
			.orderBy('subscriptions.created_at')
			.orderBy('subscriptions.id')
			.execute();
		return rows.map(subscriptionOf);
	}

	/** The subscription with this id. @throws the driver's error. */
	async get(id: string): Promise<Subscription | undefined> {
		const row = await withModpackName(this.#db).where('subscriptions.id', '=', id).executeTakeFirst();
		return row && subscriptionOf(row);
	}

	/**
	 * Adds a subscription, or finds the one this channel already has for the same target (same mod name, owner
	 * case-insensitive, or same filters): that one is `resumed` when paused (health back to active), `updated` when
	 * the role or changelog detail differ (they are replaced, a missing role included), otherwise it `exists`. One
	 * transaction; the unique `(channel_id, target_key)` makes a concurrent twin come back as `exists`.
	 *
	 * @throws {UserError} when a new one would exceed `maxPerGuild` (the message names no command), or the target is empty.
	 * @throws the driver's error; nothing changed then.
	 */
	async add(input: NewSubscription, now = Date.now()): Promise<{ subscription: Subscription; status: AddStatus }> {
		const target = normaliseTarget(input.target);
		if ((target.kind === 'mod' && !target.name) || (target.kind === 'owner' && !target.owner)) {
			throw new UserError('Give a mod name or a mod portal user name.');
		}
		if (target.kind === 'modpack' && !target.modpackId) throw new UserError('Give the name of a saved mod set.');
		const roleId = normalise(input.roleId, false) ?? null;
		const columns = targetColumns(target);
		const result = await this.#db.transaction().execute(async (trx) => {
			if (this.#engine === 'postgres') {
				await sql`select pg_advisory_xact_lock(hashtext(${`subscriptions:${input.guildId}`}))`.execute(trx);
			}
			const existing = await this.#find(trx, input.channelId, columns.target_key);
			if (existing) return this.#update(trx, existing, input, roleId);
			const count = await trx
				.selectFrom('subscriptions')
				.select((eb) => eb.fn.countAll().as('count'))
				.where('guild_id', '=', input.guildId)
				.executeTakeFirstOrThrow();
			if (Number(count.count) >= this.#maxPerGuild) {
				throw new UserError(
					`This server has ${Number(count.count)} subscriptions, the limit is ${this.#maxPerGuild}. Remove one first.`,
				);
			}
			const row: NewSubscriptionRow = {
				id: newId(),
				guild_id: input.guildId,
				channel_id: input.channelId,
				channel_type: input.channelType ?? -1,
				...columns,
				role_id: roleId,
				changelog_detail: input.changelogDetail,
				created_by: input.createdBy,
				created_at: now,
				last_post_at: null,
				paused_reason: null,
				paused_since: null,
			};
			const inserted = await trx
				.insertInto('subscriptions')
				.values(row)
				.onConflict((oc) => oc.doNothing())
				.returningAll()
				.executeTakeFirst();
			if (inserted) return { subscription: subscriptionOf(inserted), status: 'created' as const };
			const twin = await this.#find(trx, input.channelId, columns.target_key);
			if (!twin) throw new Error('A subscription conflicted but cannot be found');
			return this.#update(trx, twin, input, roleId);
		});
		// The row holds a set's id only; the caller named the set.
		if (target.kind === 'modpack') result.subscription.target = target;
		return result;
	}

	/**
	 * Removes one subscription of `guildId` (an id of another guild is not found), its waiting posts and forum
	 * threads with it.
	 *
	 * @returns the removed subscription, or undefined when there was none. @throws the driver's error.
	 */
	async remove(guildId: string, id: string): Promise<Subscription | undefined> {
		const rows = await this.#db
			.deleteFrom('subscriptions')
			.where('guild_id', '=', guildId)
			.where('id', '=', id)
			.returningAll()
			.execute();
		return rows[0] && subscriptionOf(rows[0]);
	}

	/**
	 * Removes every subscription posting into `channelId` (the channel or thread was deleted), or of `guildId` (the
	 * bot left the guild): one statement, their posts and forum threads going with them.
	 *
	 * @returns the removed subscriptions. @throws the driver's error.
	 */
	async removeWhere(scope: { channelId: string } | { guildId: string }): Promise<Subscription[]> {
		const rows = await this.#db
			.deleteFrom('subscriptions')
			.where(
				'channelId' in scope ? 'channel_id' : 'guild_id',
				'=',
				'channelId' in scope ? scope.channelId : scope.guildId,
			)
			.returningAll()
			.execute();
		return rows.map(subscriptionOf);
	}

	/**
	 * Pauses a subscription: delivery stops, its posts wait in the outbox. An already paused one keeps its `since`
	 * and gets the new reason. An unknown id is ignored (it may have been removed meanwhile).
	 *
	 * @param reason - shown to admins, e.g. `Missing Permissions: the bot cannot post there`.
	 */
	async pause(id: string, reason: string, at = Date.now()): Promise<void> {
		await this.#db
			.updateTable('subscriptions')
			.set((eb) => ({ paused_reason: reason, paused_since: eb.fn.coalesce('paused_since', eb.val(at)) }))
			.where('id', '=', id)
			.execute();
	}

	/** Sets a paused subscription active again; an active or unknown one is left alone. */
	async resume(id: string): Promise<void> {
		await this.#db
			.updateTable('subscriptions')
			.set({ paused_reason: null, paused_since: null })
			.where('id', '=', id)
			.execute();
	}

	async #find(trx: Transaction<Database>, channelId: string, key: string): Promise<SubscriptionRow | undefined> {
		return trx
			.selectFrom('subscriptions')
			.selectAll()
			.where('channel_id', '=', channelId)
			.where('target_key', '=', key)
			.executeTakeFirst();
	}

	async #update(
		trx: Transaction<Database>,
		row: SubscriptionRow,
		input: NewSubscription,
		roleId: string | null,
	): Promise<{ subscription: Subscription; status: AddStatus }> {
		const paused = row.paused_reason !== null;
		const changed = row.role_id !== roleId || row.changelog_detail !== input.changelogDetail;
		if (!paused && !changed) return { subscription: subscriptionOf(row), status: 'exists' };
		const updated = await trx
			.updateTable('subscriptions')
			.set({ role_id: roleId, changelog_detail: input.changelogDetail, paused_reason: null, paused_since: null })
			.where('id', '=', row.id)
			.returningAll()
			.executeTakeFirstOrThrow();
		return { subscription: subscriptionOf(updated), status: paused ? 'resumed' : 'updated' };
	}
}
