/**
 * TEST SUPPORT: the subscription store of the keyv-document store (before the tables), kept as it was to build that
 * layout in the upgrade test (`test/storage/legacyImport.test.ts`).
 *
 * Release subscriptions: which Discord channel wants announcements of which mods, and whether posting there
 * currently works. Knows nothing of discord.js; ids are plain snowflake strings.
 *
 * Storage layout (keyv), one JSON document per guild plus an index:
 * - `subscriptions:index` -> `{ v: 1, guilds: string[] }`: the guilds that have a document.
 * - `subscriptions:guild:{guildId}` -> `{ v: 1, subscriptions: Subscription[] }`.
 *
 * Why: a change (a command, a pause, a post's timestamp) rewrites one small document (at most `maxPerGuild`
 * subscriptions) instead of all of them, and start-up reads everything with two queries however many guilds there
 * are (10,000 subscriptions load in well under a second). The index is written before a new guild's document and
 * without a removed guild before its document goes, so a crash in between leaves at worst an unreferenced document,
 * never a subscription the index does not reach.
 */
import { randomBytes } from 'node:crypto';
import type Keyv from 'keyv';
import { SerialQueue, deleteDocuments, readDocuments, writeDocuments } from './documents.js';
import { z } from 'zod';
import { silentLogger, type Logger } from '../../../src/log.js';
import { UserError } from '../../../src/services/errors.js';
import { factorioMinor } from '../../../src/services/factorio/version.js';
import type { ReleaseEvent } from './releaseTracker.js';

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

/** What a subscription follows: one mod (by internal name), one owner's mods, or every mod passing filters. */
export type SubscriptionTarget =
	{ kind: 'mod'; name: string } | { kind: 'author'; owner: string } | { kind: 'all'; filters: SubscriptionFilters };

/** Whether posting works; a paused subscription keeps collecting posts in the outbox until it is resumed. */
export type SubscriptionHealth = { state: 'active' } | { state: 'paused'; reason: string; since: string };

/** One channel's subscription to one target. */
export interface Subscription {
	/** 8 base36 characters, unique among all subscriptions. */
	id: string;
	guildId: string;
	/** A text, announcement or forum channel, or a thread. */
	channelId: string;
	target: SubscriptionTarget;
	/** Role pinged with each post. */
	roleId?: string;
	changelog: ChangelogDetail;
	/** User id of whoever created it. */
	createdBy: string;
	/** ISO 8601. */
	createdAt: string;
	/** ISO 8601 time of the last delivered post. */
	lastPostAt?: string;
	health: SubscriptionHealth;
	/** Forum channels: mod name -> the forum post (thread) id that mod's releases go to. */
	forumThreads: Record<string, string>;
}

/** What {@link SubscriptionStore.add} takes. */
export type NewSubscription = Pick<
	Subscription,
	'guildId' | 'channelId' | 'target' | 'roleId' | 'changelog' | 'createdBy'
>;

/** What {@link SubscriptionStore.add} did: a new subscription, or the existing one for the same channel and target. */
export type AddStatus = 'created' | 'exists' | 'resumed' | 'updated';

const INDEX_KEY = 'subscriptions:index';
const guildKey = (guildId: string) => `subscriptions:guild:${guildId}`;

const FiltersSchema = z.object({
	factorioVersion: z.string().optional(),
	category: z.string().optional(),
	tag: z.string().optional(),
});
const SubscriptionSchema = z.object({
	id: z.string().min(1),
	guildId: z.string().min(1),
	channelId: z.string().min(1),
	target: z.discriminatedUnion('kind', [
		z.object({ kind: z.literal('mod'), name: z.string().min(1) }),
		z.object({ kind: z.literal('author'), owner: z.string().min(1) }),
		z.object({ kind: z.literal('all'), filters: FiltersSchema }),
	]),
	roleId: z.string().optional(),
	changelog: z.enum(['full', 'summary', 'none']),
	createdBy: z.string(),
	createdAt: z.string(),
	lastPostAt: z.string().optional(),
	health: z.discriminatedUnion('state', [
		z.object({ state: z.literal('active') }),
		z.object({ state: z.literal('paused'), reason: z.string(), since: z.string() }),
	]),
	forumThreads: z.record(z.string(), z.string()).default({}),
});
const IndexSchema = z.object({ v: z.literal(1), guilds: z.array(z.string()) });
const GuildDocumentSchema = z.object({ v: z.literal(1), subscriptions: z.array(z.unknown()) });

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
		case 'author':
			return { kind: 'author', owner: target.owner.trim() };
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

/** Identity of a target: mod names are case-sensitive (as on the portal), owner names are not. */
function targetKey(target: SubscriptionTarget): string {
	switch (target.kind) {
		case 'mod':
			return `mod:${target.name}`;
		case 'author':
			return `author:${target.owner.toLowerCase()}`;
		case 'all':
			return `all:${target.filters.factorioVersion ?? ''}|${target.filters.category ?? ''}|${target.filters.tag ?? ''}`;
	}
}

function newId(taken: (id: string) => boolean): string {
	for (;;) {
		// 6 random bytes = 48 bits, printed in base36 and cut to 8 characters (about 41 bits).
		const id = BigInt(`0x${randomBytes(6).toString('hex')}`)
			.toString(36)
			.padStart(8, '0')
			.slice(-8);
		if (!taken(id)) return id;
	}
}

/**
 * The subscriptions of every guild, all held in memory and persisted in keyv (layout in the module comment).
 *
 * Changes run one at a time; each one is written (the promise resolves after the store confirmed the write) before
 * it becomes visible to `list`, `get`, `all` and `matching`. Objects handed out are replaced, never changed, by later
 * changes.
 */
export class SubscriptionStore {
	readonly #store: Keyv;
	readonly #maxPerGuild: number;
	readonly #log: Logger;
	readonly #queue = new SerialQueue();
	#byGuild = new Map<string, readonly Subscription[]>();
	#byId = new Map<string, Subscription>();
	/** The guild ids in the stored index. */
	#index = new Set<string>();
	#all: Subscription[] | undefined;

	/**
	 * @param options.store the bot's keyv store.
	 * @param options.maxPerGuild how many subscriptions one guild may have (`MAX_SUBSCRIPTIONS_PER_GUILD`).
	 * @param options.log default: silent.
	 */
	constructor(options: { store: Keyv; maxPerGuild: number; log?: Logger }) {
		this.#store = options.store;
		this.#maxPerGuild = options.maxPerGuild;
		this.#log = options.log ?? silentLogger();
	}

	/**
	 * Loads every stored subscription into memory, replacing what was there. Entries that fail validation are left
	 * out and logged; a guild listed in the index without a document counts as empty.
	 *
	 * @throws the store's error when it cannot be read (starting with no subscriptions would later overwrite them).
	 */
	async load(): Promise<void> {
		await this.#queue.run(async () => {
			const [rawIndex] = await readDocuments(this.#store, [INDEX_KEY]);
			const index = rawIndex === undefined ? { v: 1 as const, guilds: [] } : IndexSchema.parse(rawIndex);
			const documents = await readDocuments(
				this.#store,
				index.guilds.map((guildId) => guildKey(guildId)),
			);
			const byGuild = new Map<string, readonly Subscription[]>();
			let invalid = 0;
			for (const [position, guildId] of index.guilds.entries()) {
				const document = GuildDocumentSchema.safeParse(documents[position]);
				if (!document.success) {
					if (documents[position] !== undefined) invalid++;
					continue;
				}
				const list: Subscription[] = [];
				for (const raw of document.data.subscriptions) {
					const parsed = SubscriptionSchema.safeParse(raw);
					if (parsed.success && parsed.data.guildId === guildId) list.push(parsed.data);
					else invalid++;
				}
				if (list.length > 0) byGuild.set(guildId, list);
			}
			if (invalid > 0) this.#log.warn({ invalid }, 'stored subscriptions failed validation and were left out');
			this.#index = new Set(index.guilds);
			this.#byGuild = byGuild;
			this.#byId = new Map([...byGuild.values()].flat().map((s) => [s.id, s]));
			this.#all = undefined;
		});
	}

	/** This guild's subscriptions, oldest first. */
	list(guildId: string): Subscription[] {
		return [...(this.#byGuild.get(guildId) ?? [])];
	}

	/** Every subscription of every guild. */
	all(): Subscription[] {
		this.#all ??= [...this.#byGuild.values()].flat();
		return [...this.#all];
	}

	/** The subscription with this id. */
	get(id: string): Subscription | undefined {
		return this.#byId.get(id);
	}

	/**
	 * Adds a subscription, or finds the one this channel already has for the same target (same mod name, owner
	 * case-insensitive, or same filters): that one is `resumed` when paused (health back to active), `updated` when
	 * the role or changelog detail differ (they are replaced, a missing role included), otherwise it `exists`.
	 * Never creates a duplicate.
	 *
	 * @throws {UserError} when a new one would exceed `maxPerGuild`, or the target is empty.
	 * @throws {StoreError} or the store's error when it could not be written; nothing changed then.
	 */
	add(input: NewSubscription): Promise<{ subscription: Subscription; status: AddStatus }> {
		return this.#queue.run(async () => {
			const target = normaliseTarget(input.target);
			if ((target.kind === 'mod' && !target.name) || (target.kind === 'author' && !target.owner)) {
				throw new UserError('Give a mod name or a mod portal user name.');
			}
			const roleId = normalise(input.roleId, false);
			const current = this.#byGuild.get(input.guildId) ?? [];
			const key = targetKey(target);
			const existing = current.find((s) => s.channelId === input.channelId && targetKey(s.target) === key);
			if (existing) {
				const paused = existing.health.state === 'paused';
				const changed = existing.roleId !== roleId || existing.changelog !== input.changelog;
				if (!paused && !changed) return { subscription: existing, status: 'exists' };
				const next: Subscription = { ...existing, changelog: input.changelog, health: { state: 'active' } };
				if (roleId) next.roleId = roleId;
				else delete next.roleId;
				await this.#commit(new Map([[input.guildId, current.map((s) => (s.id === existing.id ? next : s))]]));
				return { subscription: next, status: paused ? 'resumed' : 'updated' };
			}
			if (current.length >= this.#maxPerGuild) {
				throw new UserError(
					`This server has ${current.length} subscriptions, the limit is ${this.#maxPerGuild}. Remove one with /unsubscribe first.`,
				);
			}
			const subscription: Subscription = {
				id: newId((id) => this.#byId.has(id)),
				guildId: input.guildId,
				channelId: input.channelId,
				target,
				changelog: input.changelog,
				createdBy: input.createdBy,
				createdAt: new Date().toISOString(),
				health: { state: 'active' },
				forumThreads: {},
			};
			if (roleId) subscription.roleId = roleId;
			await this.#commit(new Map([[input.guildId, [...current, subscription]]]));
			return { subscription, status: 'created' };
		});
	}

	/**
	 * Removes one subscription of `guildId` (an id of another guild is not found).
	 *
	 * @returns the removed subscription, or undefined when there was none.
	 * @throws {StoreError} or the store's error when it could not be written; nothing changed then.
	 */
	remove(guildId: string, id: string): Promise<Subscription | undefined> {
		return this.#queue.run(async () => {
			const subscription = this.#byId.get(id);
			if (!subscription || subscription.guildId !== guildId) return undefined;
			await this.#removeWhere((s) => s.id === id);
			return subscription;
		});
	}

	/**
	 * Removes every subscription posting into `channelId` (the channel or thread was deleted).
	 *
	 * @returns the removed subscriptions.
	 * @throws {StoreError} or the store's error when it could not be written; nothing changed then.
	 */
	removeChannel(channelId: string): Promise<Subscription[]> {
		return this.#queue.run(() => this.#removeWhere((s) => s.channelId === channelId));
	}

	/**
	 * Removes every subscription of `guildId` (the bot left the guild).
	 *
	 * @returns the removed subscriptions.
	 * @throws {StoreError} or the store's error when it could not be written; nothing changed then.
	 */
	removeGuild(guildId: string): Promise<Subscription[]> {
		return this.#queue.run(() => this.#removeWhere((s) => s.guildId === guildId));
	}

	/**
	 * Pauses a subscription: delivery stops, its posts wait in the outbox. An already paused one keeps its `since`
	 * and gets the new reason. An unknown id is ignored (it may have been removed meanwhile).
	 *
	 * @param reason - shown by `/subscriptions`, e.g. `Missing Permissions: the bot cannot post there`.
	 * @param at - default now.
	 */
	pause(id: string, reason: string, at: Date = new Date()): Promise<void> {
		return this.#update(id, (s) => {
			const since = s.health.state === 'paused' ? s.health.since : at.toISOString();
			if (s.health.state === 'paused' && s.health.reason === reason) return undefined;
			return { ...s, health: { state: 'paused', reason, since } };
		});
	}

	/** Sets a paused subscription active again; an active or unknown one is left alone. */
	resume(id: string): Promise<void> {
		return this.#update(id, (s) => (s.health.state === 'paused' ? { ...s, health: { state: 'active' } } : undefined));
	}

	/** Records the time of a delivered post (`lastPostAt`); an earlier time than the stored one is ignored. */
	recordPost(id: string, at: Date): Promise<void> {
		return this.#update(id, (s) => {
			if (s.lastPostAt && Date.parse(s.lastPostAt) >= at.getTime()) return undefined;
			return { ...s, lastPostAt: at.toISOString() };
		});
	}

	/** Remembers the forum post (thread) that `mod`'s releases go to, for a subscription of a forum channel. */
	setForumThread(id: string, mod: string, threadId: string): Promise<void> {
		return this.#update(id, (s) =>
			s.forumThreads[mod] === threadId ? undefined : { ...s, forumThreads: { ...s.forumThreads, [mod]: threadId } },
		);
	}

	/**
	 * The subscriptions that want `event` announced, paused ones included (their posts wait in the outbox):
	 * `mod` when the names are equal; `author` when the mod's owner equals it case-insensitively; `all` when every
	 * set filter matches: `factorioVersion` against the `major.minor` of the release's `factorio_version`, `category`
	 * against the mod's category, `tag` among the mod's tags (both case-insensitive).
	 */
	matching(event: ReleaseEvent): Subscription[] {
		const { mod, release } = event;
		const owner = mod.owner.toLowerCase();
		const factorio = factorioMinor(release.factorioVersion);
		const category = mod.category?.toLowerCase();
		const tags = new Set(mod.tags.map((tag) => tag.toLowerCase()));
		return this.all().filter(({ target }) => {
			switch (target.kind) {
				case 'mod':
					return target.name === mod.name;
				case 'author':
					return target.owner.toLowerCase() === owner;
				case 'all': {
					const { filters } = target;
					if (filters.factorioVersion !== undefined && filters.factorioVersion !== factorio) return false;
					if (filters.category !== undefined && filters.category.toLowerCase() !== category) return false;
					return filters.tag === undefined || tags.has(filters.tag.toLowerCase());
				}
			}
		});
	}

	/** A short label: `mod Krastorio2`, `author Bobingabout`, `all mods`, `all mods (Factorio 2.0, tag trains)`. */
	describe(subscription: Pick<Subscription, 'target'>): string {
		const { target } = subscription;
		switch (target.kind) {
			case 'mod':
				return `mod ${target.name}`;
			case 'author':
				return `author ${target.owner}`;
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

	/** Applies `change` to one subscription; `undefined` from `change` means nothing to write. */
	#update(id: string, change: (subscription: Subscription) => Subscription | undefined): Promise<void> {
		return this.#queue.run(async () => {
			const current = this.#byId.get(id);
			if (!current) return;
			const next = change(current);
			if (!next) return;
			const list = this.#byGuild.get(current.guildId) ?? [];
			await this.#commit(new Map([[current.guildId, list.map((s) => (s.id === id ? next : s))]]));
		});
	}

	async #removeWhere(predicate: (subscription: Subscription) => boolean): Promise<Subscription[]> {
		const removed: Subscription[] = [];
		const changes = new Map<string, Subscription[]>();
		for (const [guildId, list] of this.#byGuild) {
			const kept = list.filter((s) => !predicate(s));
			if (kept.length === list.length) continue;
			removed.push(...list.filter(predicate));
			changes.set(guildId, kept);
		}
		if (changes.size > 0) await this.#commit(changes);
		return removed;
	}

	/**
	 * Writes the new lists of the changed guilds (an empty list removes the guild), then makes them visible.
	 * Order: index first when it changes, then documents (see the module comment).
	 */
	async #commit(changes: ReadonlyMap<string, readonly Subscription[]>): Promise<void> {
		const index = new Set(this.#index);
		for (const [guildId, list] of changes) {
			if (list.length > 0) index.add(guildId);
			else index.delete(guildId);
		}
		const indexChanged = index.size !== this.#index.size || [...index].some((guildId) => !this.#index.has(guildId));
		if (indexChanged) {
			await writeDocuments(this.#store, [{ key: INDEX_KEY, value: { v: 1, guilds: [...index] } }]);
			this.#index = index;
		}
		const written = [...changes].filter(([, list]) => list.length > 0);
		await writeDocuments(
			this.#store,
			written.map(([guildId, list]) => ({ key: guildKey(guildId), value: { v: 1, subscriptions: list } })),
		);
		const emptied = [...changes].filter(([, list]) => list.length === 0).map(([guildId]) => guildKey(guildId));
		await deleteDocuments(this.#store, emptied);
		for (const [guildId, list] of changes) {
			for (const old of this.#byGuild.get(guildId) ?? []) this.#byId.delete(old.id);
			for (const subscription of list) this.#byId.set(subscription.id, subscription);
			if (list.length > 0) this.#byGuild.set(guildId, list);
			else this.#byGuild.delete(guildId);
		}
		this.#all = undefined;
	}
}
