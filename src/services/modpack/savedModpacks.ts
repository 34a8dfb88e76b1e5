/**
 * A guild's saved mod sets (`/modpack save`, `list`, `remove`), kept in the relational store's `modpacks` and
 * `modpack_mods` tables (schema.ts, migration `0005_modpacks`). A set is stored resolved: its listed mods and the
 * whole closure the resolver chose, each with its release and that release's info.json dependencies, so the feed
 * can match a release of any mod of the closure to the set and judge it (`verdict.ts`) without asking the portal.
 *
 * Saving under a name the guild already uses (compared ignoring case) replaces that set in place and keeps its id,
 * so subscriptions following it (`modpack:{id}`) stay attached. Follows the Kysely docs ("Transactions",
 * "onConflict").
 */
import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../storage/schema.js';
import { UserError } from '../errors.js';
import type { Resolution } from './resolver.js';

/** Longest set name, in characters (Discord's option is limited to the same). */
export const MODPACK_NAME_MAX = 50;

/** One mod of a saved set's closure. */
export interface SavedModpackMod {
	/** Internal name. */
	name: string;
	/** One of the mods the user listed (else a dependency the resolver pulled in). */
	listed: boolean;
	/** The user's constraint on a listed mod, e.g. `>= 0.16`. */
	constraint?: string;
	/** The release chosen at saving. */
	version: string;
	/** That release's info.json dependency strings (`base >= 2.0.28`, `? bobplates`). */
	dependencies: string[];
}

/** A saved set with its closure. Times are epoch milliseconds. */
export interface SavedModpack {
	/** 8 base36 characters; a subscription follows it as `modpack:{id}`. */
	id: string;
	guildId: string;
	name: string;
	/** `major.minor` or `major.minor.patch`. */
	factorioVersion: string;
	spaceAge: boolean;
	recommended: boolean;
	/** With a `major.minor` version: the lowest patch the closure needs, e.g. `2.0.28`. */
	minimumGameVersion?: string;
	createdBy: string;
	createdAt: number;
	updatedBy: string;
	updatedAt: number;
	/** Sorted by name ignoring case, as the resolver sorts the kit. */
	mods: SavedModpackMod[];
}

/**
 * A new set would pass the guild's limit. Carries the limit, not wording: the command layer says what to do.
 */
export class ModpackLimitError extends Error {
	override readonly name = 'ModpackLimitError';

	/** @param limit how many sets one guild may keep. */
	constructor(readonly limit: number) {
		super(`The guild already keeps ${limit} saved sets, its limit`);
	}
}

/** A set as `/modpack list` shows it. */
export type ModpackSummary = Omit<SavedModpack, 'mods'> & { listedCount: number; modCount: number };

/** What {@link ModpackStore.save} takes: who saves which set, resolved. */
export interface ModpackToSave {
	guildId: string;
	name: string;
	userId: string;
	/** The resolution of the set; must have no excluded mods (the caller refuses those). */
	resolution: Resolution;
	/** Constraints the user wrote for listed mods, by name (`flib` -> `>= 0.16`). */
	constraints?: ReadonlyMap<string, string>;
}

const DependenciesSchema = z.array(z.string());

/** Names may hold letters and digits of any script, spaces, and `- _ . + ' ( ) & # ! ?`. */
const NAME_CHARACTER = /^[\p{L}\p{N} _.+'()&#!?-]$/u;

/**
 * A set's name made fit for storage: white space runs made one space, trimmed, at most {@link MODPACK_NAME_MAX}
 * characters, only letters, digits, spaces and `- _ . + ' ( ) & # ! ?`.
 *
 * @returns the name to store.
 * @throws {UserError} naming the first odd character (by its code point, never echoing markdown or mentions) or the
 *   length, for a name that is empty, too long or holds anything else.
 */
export function checkModpackName(input: string): string {
	const name = input.replace(/\s+/g, ' ').trim();
	if (name === '') throw new UserError('Give the set a name, e.g. `main server`.');
	const chars = Array.from(name);
	if (chars.length > MODPACK_NAME_MAX)
		throw new UserError(`A set’s name has at most ${MODPACK_NAME_MAX} characters; that one has ${chars.length}.`);
	const odd = chars.find((char) => !NAME_CHARACTER.test(char));
	if (odd !== undefined) {
		const code = `U+${(odd.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
		const shown = /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(odd) && !'`\\'.includes(odd) ? ` \`${odd}\`` : '';
		throw new UserError(
			`A set’s name may hold letters, digits, spaces and - _ . + ' ( ) & # ! ? only, not${shown} (${code}).`,
		);
	}
	return name;
}

function newId(): string {
	// 6 random bytes in base36, cut to 8 characters (about 41 bits); the primary key catches the rare repeat.
	return BigInt(`0x${randomBytes(6).toString('hex')}`)
		.toString(36)
		.padStart(8, '0')
		.slice(-8);
}

function isUniqueViolation(error: unknown): boolean {
	const code = (error as { code?: unknown } | null)?.code;
	// better-sqlite3: SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY; PostgreSQL: 23505 unique_violation.
	return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

function summaryOf(row: {
	id: string;
	guild_id: string;
	name: string;
	factorio_version: string;
	space_age: number;
	recommended: number;
	minimum_game_version: string | null;
	created_by: string;
	created_at: number;
	updated_by: string;
	updated_at: number;
}): Omit<SavedModpack, 'mods'> {
	const set: Omit<SavedModpack, 'mods'> = {
		id: row.id,
		guildId: row.guild_id,
		name: row.name,
		factorioVersion: row.factorio_version,
		spaceAge: row.space_age === 1,
		recommended: row.recommended === 1,
		createdBy: row.created_by,
		createdAt: row.created_at,
		updatedBy: row.updated_by,
		updatedAt: row.updated_at,
	};
	if (row.minimum_game_version) set.minimumGameVersion = row.minimum_game_version;
	return set;
}

function byName(a: { name: string }, b: { name: string }): number {
	const x = a.name.toLowerCase();
	const y = b.name.toLowerCase();
	return x < y ? -1 : x > y ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * One set by id (a subscription's `modpack_id`), with its closure: what delivery judges a release against.
 *
 * @param db the database or a transaction.
 * @throws the driver's error; a ZodError when a stored dependency list is not a JSON array of strings.
 */
export async function modpackById(db: Kysely<Database>, id: string): Promise<SavedModpack | undefined> {
	const row = await db.selectFrom('modpacks').selectAll().where('id', '=', id).executeTakeFirst();
	return row ? withMods(db, row) : undefined;
}

async function withMods(db: Kysely<Database>, row: Parameters<typeof summaryOf>[0]): Promise<SavedModpack> {
	const mods = await db.selectFrom('modpack_mods').selectAll().where('modpack_id', '=', row.id).execute();
	return {
		...summaryOf(row),
		mods: mods
			.map((mod) => ({
				name: mod.mod_name,
				listed: mod.listed === 1,
				...(mod.version_constraint ? { constraint: mod.version_constraint } : {}),
				version: mod.version,
				dependencies: DependenciesSchema.parse(JSON.parse(mod.dependencies)),
			}))
			.sort(byName),
	};
}

/** The saved sets of every guild, in one database (SQLite or PostgreSQL). */
export class ModpackStore {
	readonly #db: Kysely<Database>;
	readonly #maxPerGuild: number;

	/**
	 * @param options.maxPerGuild how many sets one guild may keep (`MAX_MODPACKS_PER_GUILD`).
	 */
	constructor(db: Kysely<Database>, options: { maxPerGuild: number }) {
		this.#db = db;
		this.#maxPerGuild = options.maxPerGuild;
	}

	/** How many sets one guild may keep. */
	get maxPerGuild(): number {
		return this.#maxPerGuild;
	}

	/**
	 * Saves a resolved set under its name: a new set, or (same name ignoring case) the guild's existing set replaced
	 * in place, keeping its id and creation, in one transaction.
	 *
	 * @param now epoch ms of the change.
	 * @throws {ModpackLimitError} when a new set would pass the guild's limit; the driver's error otherwise.
	 */
	async save(
		input: ModpackToSave,
		now = Date.now(),
	): Promise<{ modpack: SavedModpack; status: 'created' | 'updated' }> {
		// A concurrent save of the same new name loses the unique constraint; the second try then updates.
		for (let attempt = 0; ; attempt++) {
			try {
				return await this.#db.transaction().execute((trx) => this.#save(trx, input, now));
			} catch (error) {
				if (attempt < 2 && isUniqueViolation(error)) continue;
				throw error;
			}
		}
	}

	async #save(
		trx: Transaction<Database>,
		input: ModpackToSave,
		now: number,
	): Promise<{ modpack: SavedModpack; status: 'created' | 'updated' }> {
		const { resolution } = input;
		const nameKey = input.name.toLowerCase();
		const existing = await trx
			.selectFrom('modpacks')
			.selectAll()
			.where('guild_id', '=', input.guildId)
			.where('name_key', '=', nameKey)
			.executeTakeFirst();
		const fields = {
			name: input.name,
			factorio_version: resolution.game.version,
			space_age: resolution.game.spaceAge ? 1 : 0,
			recommended: resolution.recommended ? 1 : 0,
			minimum_game_version: resolution.minimumGameVersion ?? null,
			updated_by: input.userId,
			updated_at: now,
		};
		let id: string;
		let created: { by: string; at: number };
		if (existing) {
			id = existing.id;
			created = { by: existing.created_by, at: existing.created_at };
			await trx.updateTable('modpacks').set(fields).where('id', '=', id).execute();
			await trx.deleteFrom('modpack_mods').where('modpack_id', '=', id).execute();
		} else {
			const { count } = await trx
				.selectFrom('modpacks')
				.select((eb) => eb.fn.countAll<number | string>().as('count'))
				.where('guild_id', '=', input.guildId)
				.executeTakeFirstOrThrow();
			if (Number(count) >= this.#maxPerGuild) throw new ModpackLimitError(this.#maxPerGuild);
			id = newId();
			created = { by: input.userId, at: now };
			await trx
				.insertInto('modpacks')
				.values({ id, guild_id: input.guildId, name_key: nameKey, created_by: created.by, created_at: now, ...fields })
				.execute();
		}
		const mods: SavedModpackMod[] = resolution.mods.map((mod) => {
			const constraint = mod.listed ? input.constraints?.get(mod.name) : undefined;
			return {
				name: mod.name,
				listed: mod.listed,
				...(constraint ? { constraint } : {}),
				version: mod.release.version,
				dependencies: mod.release.dependencies.map((d) => d.raw.trim()),
			};
		});
		// 6 parameters a row: chunks of 500 stay far below both engines' parameter limits.
		for (let start = 0; start < mods.length; start += 500) {
			await trx
				.insertInto('modpack_mods')
				.values(
					mods.slice(start, start + 500).map((mod) => ({
						modpack_id: id,
						mod_name: mod.name,
						listed: mod.listed ? 1 : 0,
						version_constraint: mod.constraint ?? null,
						version: mod.version,
						dependencies: JSON.stringify(mod.dependencies),
					})),
				)
				.execute();
		}
		const modpack: SavedModpack = {
			id,
			guildId: input.guildId,
			name: input.name,
			factorioVersion: fields.factorio_version,
			spaceAge: resolution.game.spaceAge,
			recommended: resolution.recommended,
			...(resolution.minimumGameVersion ? { minimumGameVersion: resolution.minimumGameVersion } : {}),
			createdBy: created.by,
			createdAt: created.at,
			updatedBy: input.userId,
			updatedAt: now,
			mods: [...mods].sort(byName),
		};
		return { modpack, status: existing ? 'updated' : 'created' };
	}

	/**
	 * The guild's sets by name ignoring case, with how many listed mods and mods in all each holds.
	 *
	 * @throws the driver's error.
	 */
	async list(guildId: string): Promise<ModpackSummary[]> {
		const rows = await this.#db
			.selectFrom('modpacks')
			.leftJoin('modpack_mods', 'modpack_mods.modpack_id', 'modpacks.id')
			.selectAll('modpacks')
			.select((eb) => [
				eb.fn.count<number | string>('modpack_mods.mod_name').as('mod_count'),
				eb.fn.sum<number | string | null>('modpack_mods.listed').as('listed_count'),
			])
			.where('modpacks.guild_id', '=', guildId)
			.groupBy([
				'modpacks.id',
				'modpacks.guild_id',
				'modpacks.name',
				'modpacks.name_key',
				'modpacks.factorio_version',
				'modpacks.space_age',
				'modpacks.recommended',
				'modpacks.minimum_game_version',
				'modpacks.created_by',
				'modpacks.created_at',
				'modpacks.updated_by',
				'modpacks.updated_at',
			])
			.execute();
		return rows
			.map((row) => ({
				...summaryOf(row),
				modCount: Number(row.mod_count),
				listedCount: Number(row.listed_count ?? 0),
			}))
			.sort(byName);
	}

	/**
	 * The guild's names starting with (else containing) `typed`, ignoring case, for autocomplete.
	 *
	 * @throws the driver's error.
	 */
	async names(guildId: string, typed: string, limit: number): Promise<string[]> {
		const rows = await this.#db.selectFrom('modpacks').select('name').where('guild_id', '=', guildId).execute();
		const wanted = typed.replace(/\s+/g, ' ').trim().toLowerCase();
		const names = rows.map((row) => row.name).sort((a, b) => byName({ name: a }, { name: b }));
		const starting = names.filter((name) => name.toLowerCase().startsWith(wanted));
		const containing = names.filter(
			(name) => !name.toLowerCase().startsWith(wanted) && name.toLowerCase().includes(wanted),
		);
		return [...starting, ...containing].slice(0, limit);
	}

	/**
	 * One set of the guild by name (ignoring case), with its closure.
	 *
	 * @throws the driver's error; a ZodError when a stored dependency list is not a JSON array of strings.
	 */
	async get(guildId: string, name: string): Promise<SavedModpack | undefined> {
		const row = await this.#db
			.selectFrom('modpacks')
			.selectAll()
			.where('guild_id', '=', guildId)
			.where('name_key', '=', name.replace(/\s+/g, ' ').trim().toLowerCase())
			.executeTakeFirst();
		return row ? withMods(this.#db, row) : undefined;
	}

	/**
	 * One set by id (the feed's `modpack_id`), with its closure.
	 *
	 * @throws as {@link get}.
	 */
	async getById(id: string): Promise<SavedModpack | undefined> {
		return modpackById(this.#db, id);
	}

	/**
	 * The ids of the sets whose closure holds `modName` (exact internal name), for matching a release to sets.
	 *
	 * @throws the driver's error.
	 */
	async idsContaining(modName: string): Promise<string[]> {
		const rows = await this.#db
			.selectFrom('modpack_mods')
			.select('modpack_id')
			.where('mod_name', '=', modName)
			.orderBy('modpack_id')
			.execute();
		return rows.map((row) => row.modpack_id);
	}

	/**
	 * The `/subscribe modpack` subscriptions a release of `modName` goes to: those whose set's closure holds the mod,
	 * each with its set's id, at most once per subscription. The same join the feed's outbox `INSERT … SELECT` uses
	 * (see {@link modpackSubscriptionsOf}).
	 *
	 * @throws the driver's error.
	 */
	async subscriptionsFor(modName: string): Promise<{ subscriptionId: string; modpackId: string }[]> {
		const rows = await modpackSubscriptionsOf(this.#db, modName).orderBy('subscriptions.id').execute();
		return rows.map((row) => ({ subscriptionId: row.subscription_id, modpackId: row.modpack_id }));
	}

	/**
	 * Removes the guild's set by name (ignoring case) with its closure, and the subscriptions following it (their
	 * waiting posts go with them: `outbox` cascades), in one transaction.
	 *
	 * @returns the removed set and how many subscriptions went with it; undefined when the guild has no such set.
	 * @throws the driver's error.
	 */
	async remove(guildId: string, name: string): Promise<{ modpack: ModpackSummary; subscriptions: number } | undefined> {
		const summary = (await this.list(guildId)).find(
			(set) => set.name.toLowerCase() === name.replace(/\s+/g, ' ').trim().toLowerCase(),
		);
		if (!summary) return undefined;
		return this.#db.transaction().execute(async (trx) => {
			const subscriptions = await trx
				.deleteFrom('subscriptions')
				.where('target_kind', '=', 'modpack')
				.where('modpack_id', '=', summary.id)
				.executeTakeFirst();
			const removed = await trx.deleteFrom('modpacks').where('id', '=', summary.id).executeTakeFirst();
			if (Number(removed.numDeletedRows) === 0) return undefined;
			return { modpack: summary, subscriptions: Number(subscriptions.numDeletedRows) };
		});
	}
}

/**
 * Removes every set of a guild (the bot left it), with their closures and the subscriptions following them.
 *
 * @returns how many sets went.
 * @throws the driver's error.
 */
export async function removeGuildModpacks(db: Kysely<Database>, guildId: string): Promise<number> {
	return db.transaction().execute(async (trx) => {
		await trx
			.deleteFrom('subscriptions')
			.where('target_kind', '=', 'modpack')
			.where('modpack_id', 'in', trx.selectFrom('modpacks').select('id').where('guild_id', '=', guildId))
			.execute();
		const removed = await trx.deleteFrom('modpacks').where('guild_id', '=', guildId).executeTakeFirst();
		return Number(removed.numDeletedRows);
	});
}

/**
 * The query that matches a release of `modName` to `/subscribe modpack` subscriptions: `subscriptions` with
 * `target_kind = 'modpack'` joined to `modpack_mods` on `modpack_id` where `mod_name = modName` (exact internal
 * name; the primary key `(modpack_id, mod_name)` makes it one row per subscription). Selects `subscription_id` and
 * `modpack_id`; the feed adds its own columns for its outbox `INSERT … SELECT`. Served by the `modpack_mods_mod`
 * index `(mod_name, modpack_id)` and `subscriptions_modpack` `(target_kind, modpack_id)`.
 *
 * @param db the database or a transaction.
 */
export function modpackSubscriptionsOf(db: Kysely<Database>, modName: string) {
	return db
		.selectFrom('subscriptions')
		.innerJoin('modpack_mods', 'modpack_mods.modpack_id', 'subscriptions.modpack_id')
		.select(['subscriptions.id as subscription_id', 'modpack_mods.modpack_id as modpack_id'])
		.where('subscriptions.target_kind', '=', 'modpack')
		.where('modpack_mods.mod_name', '=', modName);
}
