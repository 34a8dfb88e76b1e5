/**
 * Finds a post the bot already made for an outbox batch, by the batch's marker (`ref {nonce}` in the footer of an
 * embed, `services/announcements/lookBeforeSend.ts`), before delivery sends it again: in a channel's (or thread's)
 * recent messages, or among a forum's active posts. Discord keeps no nonce on a stored message (it is in the create
 * answer and MESSAGE_CREATE only), so the marker is what is matched.
 *
 * Uses discord.js's REST (`client.rest`) with no gateway cache: Discord docs, "Get Channel Messages" (`GET
 * /channels/{channel}/messages`, newest first, `limit` at most 100, `before`), "List Active Guild Threads" (`GET
 * /guilds/{guild}/threads/active`: every active thread of the guild, newest first), "List Public Archived Threads"
 * (`GET /channels/{forum}/threads/archived/public`, newest archived first, `before` a timestamp) and "Get Channel
 * Message" (a forum post's starter message has the thread's id; "Start Thread in Forum or Media Channel").
 */
import {
	DiscordAPIError,
	RESTJSONErrorCodes,
	Routes,
	SnowflakeUtil,
	type APIChannel,
	type APIMessage,
	type REST,
	type RESTGetAPIChannelThreadsArchivedPublicResult,
	type RESTGetAPIGuildThreadsResult,
} from 'discord.js';
import { markerNonce } from '../services/announcements/lookBeforeSend.js';

/** Messages read per page (Discord's maximum). */
const PAGE = 100;
/** Tolerance for the bot's clock against Discord's when comparing `since` with message ids. */
const CLOCK_SLACK_MS = 5 * 60_000;

/** The outcome of a look. */
export interface PostLookupResult {
	/** The post found: the message id (for a forum post, the thread's id, which is also its starter message's). */
	messageId?: string;
	/**
	 * True when every candidate since `since` was checked; false when the look stopped at `maxPages` (a busy
	 * channel) or `maxThreads`, so "not found" is a best guess.
	 */
	complete: boolean;
}

/** Options of {@link PostLookup}. */
export interface PostLookupOptions {
	/** discord.js REST (`client.rest`), already holding the bot token. */
	rest: REST;
	/** The bot user's id (`client.user.id`): only its own messages and forum posts count. */
	botUserId: string;
	/** Pages of 100 messages read at most per look. Default 5. */
	maxPages?: number;
	/** Forum posts whose starter message is read at most per look, newest first. Default 25. */
	maxThreads?: number;
}

function carriesMarker(message: Pick<APIMessage, 'embeds'>, nonce: string): boolean {
	return message.embeds.some((embed) => markerNonce(embed.footer?.text) === nonce);
}

/** When Discord made the object with this snowflake id (epoch ms). */
function createdAt(id: string): number {
	return SnowflakeUtil.timestampFrom(id);
}

/** Looks for an earlier post of a batch; see the module comment. */
export class PostLookup {
	readonly #rest: REST;
	readonly #botUserId: string;
	readonly #maxPages: number;
	readonly #maxThreads: number;

	constructor(options: PostLookupOptions) {
		this.#rest = options.rest;
		this.#botUserId = options.botUserId;
		this.#maxPages = options.maxPages ?? 5;
		this.#maxThreads = options.maxThreads ?? 25;
	}

	/**
	 * The bot's message carrying the marker of `nonce` in a text, announcement or thread channel, made at or after
	 * `since`: reads the history newest first, page by page, until it is older than `since` (less 5 minutes of clock
	 * slack). A channel where the bot lacks Read Message History gives no messages (Discord answers an empty list),
	 * so nothing is found there.
	 *
	 * @param since - epoch ms, `outbox.batch_started_at` (from `lookBeforeSend`).
	 * @throws DiscordAPIError as the REST call fails (403 50001, 404 10003, ...), after discord.js's own retries.
	 */
	async findMessage(channelId: string, nonce: string, since: number): Promise<PostLookupResult> {
		let before: string | undefined;
		for (let page = 0; page < this.#maxPages; page++) {
			const query = new URLSearchParams({ limit: String(PAGE) });
			if (before !== undefined) query.set('before', before);
			const messages = (await this.#rest.get(Routes.channelMessages(channelId), { query })) as APIMessage[];
			for (const message of messages) {
				if (message.author.id === this.#botUserId && carriesMarker(message, nonce)) {
					return { messageId: message.id, complete: true };
				}
			}
			const oldest = messages.at(-1);
			if (messages.length < PAGE || oldest === undefined || createdAt(oldest.id) < since - CLOCK_SLACK_MS)
				return { complete: true };
			before = oldest.id;
		}
		return { complete: false };
	}

	/**
	 * The bot's forum post in `forumId` whose starter message carries the marker of `nonce`, started at or after
	 * `since`: among the guild's active threads first, then the forum's archived public posts archived since then (a
	 * post is archived after the forum's auto-archive time, at least an hour), newest first; the starter messages of
	 * the bot's own posts started since then are read (at most `maxThreads`).
	 *
	 * @param since - epoch ms, `outbox.batch_started_at`.
	 * @returns `messageId` = the thread id (record it in `forum_threads` and as the entries' `message_id`).
	 * @throws DiscordAPIError as a REST call fails, after discord.js's own retries. Without Read Message History the
	 *   archived posts cannot be listed (403 50013): the look then ends with `complete: false`.
	 */
	async findForumPost(guildId: string, forumId: string, nonce: string, since: number): Promise<PostLookupResult> {
		const budget = { threads: this.#maxThreads };
		const { threads } = (await this.#rest.get(Routes.guildActiveThreads(guildId))) as RESTGetAPIGuildThreadsResult;
		const active = await this.#matchPost(threads, forumId, nonce, since, budget);
		if (active !== undefined) return { messageId: active, complete: true };
		if (budget.threads < 0) return { complete: false };
		let before: string | undefined;
		for (let page = 0; page < this.#maxPages; page++) {
			const query = new URLSearchParams({ limit: String(PAGE) });
			if (before !== undefined) query.set('before', before);
			const archived = await this.#archivedPosts(forumId, query);
			if (archived === undefined) return { complete: false };
			const found = await this.#matchPost(archived.threads, forumId, nonce, since, budget);
			if (found !== undefined) return { messageId: found, complete: true };
			if (budget.threads < 0) return { complete: false };
			const last = archived.threads.at(-1);
			const archivedAt = last && 'thread_metadata' in last ? last.thread_metadata?.archive_timestamp : undefined;
			if (!archived.has_more || archivedAt === undefined || Date.parse(archivedAt) < since - CLOCK_SLACK_MS)
				return { complete: true };
			before = archivedAt;
		}
		return { complete: false };
	}

	/** The first of `threads` that is the bot's post in `forumId` since `since` with the marker, reading starters. */
	async #matchPost(
		threads: readonly APIChannel[],
		forumId: string,
		nonce: string,
		since: number,
		budget: { threads: number },
	): Promise<string | undefined> {
		const candidates = threads
			.filter(
				(thread) =>
					'parent_id' in thread &&
					thread.parent_id === forumId &&
					'owner_id' in thread &&
					thread.owner_id === this.#botUserId &&
					createdAt(thread.id) >= since - CLOCK_SLACK_MS,
			)
			.sort((a, b) => createdAt(b.id) - createdAt(a.id));
		for (const thread of candidates) {
			budget.threads -= 1;
			if (budget.threads < 0) return undefined;
			const starter = await this.#starterMessage(thread.id);
			if (starter && starter.author.id === this.#botUserId && carriesMarker(starter, nonce)) return thread.id;
		}
		return undefined;
	}

	/** A page of the forum's archived public posts; undefined without Read Message History (403 50013). */
	async #archivedPosts(
		forumId: string,
		query: URLSearchParams,
	): Promise<RESTGetAPIChannelThreadsArchivedPublicResult | undefined> {
		try {
			return (await this.#rest.get(Routes.channelThreads(forumId, 'public'), {
				query,
			})) as RESTGetAPIChannelThreadsArchivedPublicResult;
		} catch (error) {
			if (error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.MissingPermissions) return undefined;
			throw error;
		}
	}

	/** A forum post's starter message (same id as the thread), or undefined when it was deleted (10008). */
	async #starterMessage(threadId: string): Promise<APIMessage | undefined> {
		try {
			return (await this.#rest.get(Routes.channelMessage(threadId, threadId))) as APIMessage;
		} catch (error) {
			if (error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.UnknownMessage) return undefined;
			throw error;
		}
	}
}
