import type { IncomingHttpHeaders } from 'node:http';
import type { WebSocket } from 'ws';
import type { Json } from '../discordLimits.js';

/* Public shapes of the fake Discord (see ./index.ts) and the internal state it keeps, in Discord's snake_case. */

/** A file part of a multipart request (discord.js sends `payload_json` plus `files[n]` when attaching files). */
export interface RecordedFile {
	field: string;
	filename: string;
	size: number;
	contentType: string;
	/** The file's bytes. */
	data: Buffer;
}

/** One HTTP request the fake received, recorded just before its answer was written. */
export interface RecordedRequest {
	/** Upper-case HTTP method. */
	readonly method: string;
	/** Decoded path without the `/api/v10` prefix, e.g. `/channels/123/messages`, `/webhooks/APP/TOKEN/messages/@original`. */
	readonly path: string;
	readonly query: URLSearchParams;
	readonly headers: IncomingHttpHeaders;
	/** Parsed JSON body (for multipart: the parsed `payload_json`), or `undefined` when there was none. */
	readonly body: unknown;
	/** File parts of a multipart body; empty otherwise. */
	readonly files: readonly RecordedFile[];
	/** `Date.now()` when the request was recorded (ms). */
	readonly at: number;
	/** HTTP status the fake answered with. */
	readonly status: number;
	/** JSON body the fake answered with (`undefined` for 204). */
	readonly response?: unknown;
	/** The body, typed by the caller (no run-time check). */
	// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- a typed view chosen by the test
	json<T>(): T;
}

/** A guild of the fake; every guild gets the standard channel set (text, announcement, forum, thread, noAccess). */
export interface FakeGuild {
	id?: string;
	name?: string;
	/**
	 * Plain text channels (type 0, everyone may post) to add besides the standard set, e.g. for fan-out benchmarks.
	 * Their ids are in {@link FakeGuildInfo.extraTextChannels}. Default 0. (Discord allows 500 channels a guild.)
	 */
	extraTextChannels?: number;
}

/** Ids of the standard channels of a fake guild. */
export interface FakeChannelIds {
	/** Type 0 GUILD_TEXT. */
	text: string;
	/** Type 5 GUILD_ANNOUNCEMENT. */
	announcement: string;
	/** Type 15 GUILD_FORUM, with tags (see {@link FakeGuildInfo.forumTags}). */
	forum: string;
	/** Type 11 PUBLIC_THREAD whose parent is `text`. */
	thread: string;
	/** Type 0 text channel whose member overwrite denies the bot VIEW_CHANNEL and SEND_MESSAGES. */
	noAccess: string;
}

/** A guild as built by the fake. */
export interface FakeGuildInfo {
	id: string;
	name: string;
	channels: FakeChannelIds;
	/** Role ids: `everyone` equals the guild id. */
	roles: { everyone: string; admin: string; bot: string };
	/** Tag ids of the forum channel, by name (`release`, `update`). */
	forumTags: Record<'release' | 'update', string>;
	/** Ids of the extra text channels asked for with {@link FakeGuild.extraTextChannels}, in creation order. */
	extraTextChannels: string[];
}

/** Options of {@link FakeDiscord.start}. */
export interface FakeDiscordOptions {
	/** HELLO heartbeat interval in ms; the client's first heartbeat waits interval × jitter. Default 500. */
	heartbeatIntervalMs?: number;
	/**
	 * Global REST limit in requests per second (Discord's is 50). Requests over it get 429 with `Retry-After`
	 * (seconds, fractional), `X-RateLimit-Global: true` and `X-RateLimit-Scope: global`. Interaction callbacks and
	 * interaction webhooks are exempt, as on Discord. Windows are fixed: one second from the first request after the
	 * previous window ended. Default: no limit.
	 */
	rateLimitPerSecond?: number;
	/** Guilds to create. Default: one guild. The first is the default guild (`guildId`, `channels`). */
	guilds?: FakeGuild[];
	/**
	 * An interaction callback arriving later than this many ms after the dispatch gets 404 10062 Unknown interaction,
	 * as on Discord ("Receiving and Responding to Interactions": respond within 3 seconds). Default 3,000, so a handler
	 * that answers late fails its test. `false` turns the check off (a test that must not enforce it says so).
	 */
	interactionDeadlineMs?: number | false;
	// --- sharding (issue 9)
	/** Shards `GET /gateway/bot` recommends (guilds go to shard `(guild_id >> 22) % shards`). Default 1. */
	shardCount?: number;
	/** `session_start_limit.max_concurrency` of `GET /gateway/bot`. Default 1. */
	maxConcurrency?: number;
	// --- end sharding
}

/** A fault to inject: the next `times` matching requests get this answer instead of the normal one. */
export interface FakeFault {
	/** Upper-case method to match; any method when omitted. */
	method?: string;
	/** Tested against the decoded path without `/api/v10`. */
	path: RegExp;
	/** The HTTP status to answer with; ignored (may be omitted) for a {@link FakeFault.connection} fault. */
	status?: number;
	/** JSON body. Default for 429: `{message, retry_after: 0.05, global: false}`; otherwise `{code: 0, message}`. */
	body?: unknown;
	/** Extra headers. For 429 a `Retry-After` is derived from `body.retry_after` when not given. */
	headers?: Record<string, string>;
	/** How many requests to answer with the fault. Default 1. */
	times?: number;
	/**
	 * Handle the request normally first (e.g. create the message), then answer with the fault: the answer is lost,
	 * as when the bot crashes or the connection drops after Discord acted. Default false.
	 */
	afterHandling?: boolean;
	/**
	 * Answer with nothing: `drop` destroys the connection (the client sees a reset socket), `hang` keeps it open
	 * without an answer until the fake closes (the client times out). With `afterHandling` this is a crash
	 * "mid-request": Discord acted (the message or forum post exists) and the bot never learns of it. Recorded with
	 * `status` 0. Note that @discordjs/rest sends a request again after a timeout or ECONNRESET (`rest.retries`,
	 * default 3), though not after `drop` (it sees "other side closed"): a client that should see a `hang` itself
	 * needs `rest: { retries: 0 }`.
	 */
	connection?: 'drop' | 'hang';
}

/** Which fake user invokes an interaction. */
export type FakeUserKind = 'admin' | 'member';

/** A slash command invocation for {@link FakeDiscord.chatInput}. */
export interface ChatInputInvocation {
	name: string;
	subcommand?: string;
	/**
	 * Option values by name. Types come from the registered command when it was registered with the fake; otherwise
	 * from the value: string 3, integer 4, non-integer number 10, boolean 5; names `channel`/`*channel` are type 7
	 * CHANNEL and `role`/`*role` type 8 ROLE (the value is an id, resolved into `data.resolved`). An attachment option (type 11 in the registered command) takes an id from
	 * {@link FakeDiscord.addAttachment}, resolved into `data.resolved.attachments`.
	 */
	options?: Record<string, string | number | boolean>;
	/** Default `'member'`. */
	user?: FakeUserKind;
	/** Default: the guild's text channel. */
	channelId?: string;
	/** Default: the default guild. */
	guildId?: string;
}

/** An autocomplete invocation for {@link FakeDiscord.autocomplete}. */
export interface AutocompleteInvocation extends ChatInputInvocation {
	/** Name of the focused option; it is added with value `''` when missing from `options`. */
	focused: string;
}

/** A component click/selection for {@link FakeDiscord.component}. */
export interface ComponentInvocation {
	customId: string;
	/** 2 button, 3 string select. */
	componentType: 2 | 3;
	/** Selected values (string select). */
	values?: string[];
	/**
	 * Use the original reply of this earlier interaction (by interaction id) as the component's message; without it a
	 * bot message with the component is made up.
	 */
	fromInteraction?: string;
	/** Default `'member'`. */
	user?: FakeUserKind;
	/** Default: the guild's text channel (or the channel of the `fromInteraction` reply). */
	channelId?: string;
	guildId?: string;
}

/** The id and token of a dispatched interaction. */
export interface DispatchedInteraction {
	id: string;
	token: string;
}

/** What the bot answered to an interaction; for deferrals (types 5, 6) `data` is the later edit of `@original`. */
export interface InteractionReply {
	type: number;
	data: Json;
}

/** A message object as the fake stores and returns it (Discord's message shape, snake_case). */
export interface FakeMessage extends Json {
	id: string;
	channel_id: string;
	content: string;
	embeds: Json[];
	components: Json[];
	flags: number;
	author: Json;
	timestamp: string;
}

/** Thrown by fake helpers used wrongly (e.g. dispatching an interaction with no gateway session). */
export class FakeDiscordError extends Error {
	override readonly name = 'FakeDiscordError';
}

export interface Overwrite {
	id: string;
	type: 0 | 1;
	allow: string;
	deny: string;
}

export interface ChannelPayload extends Json {
	id: string;
	guild_id: string;
	type: number;
	name: string;
	parent_id: string | null;
	permission_overwrites?: Overwrite[];
}

export interface RolePayload extends Json {
	id: string;
	name: string;
	permissions: string;
	position: number;
}

export interface UserPayload extends Json {
	id: string;
	username: string;
}

export interface MemberPayload extends Json {
	user: UserPayload;
	roles: string[];
}

export interface GuildState {
	info: FakeGuildInfo;
	ownerId: string;
	joinedAt: string;
	roles: RolePayload[];
	members: MemberPayload[];
	channels: Map<string, ChannelPayload>;
	/** The bot was removed (GUILD_DELETE without `unavailable`): REST answers 403 50001 for its channels. */
	removed: boolean;
}

export interface InteractionState {
	id: string;
	token: string;
	/** 2 application command, 3 component, 4 autocomplete. */
	type: 2 | 3 | 4;
	guildId: string;
	channelId: string;
	user: UserPayload;
	commandName: string | undefined;
	dispatchedAt: number;
	callbackType: number | undefined;
	/** The message `@original` refers to: the reply, or for components the message the component is on. */
	originalMessageId: string | undefined;
	/** The deferred reply still shows "thinking": the first follow-up fills it instead of creating a message. */
	loading: boolean;
}

export interface GatewaySession {
	id: string;
	shard: [number, number];
	intents: number;
	seq: number;
	socket: WebSocket | undefined;
	/** Dispatches sent, kept for RESUME replay. */
	sent: Json[];
}

export interface Reply {
	status: number;
	body?: unknown;
	headers?: Record<string, string>;
	/** No answer: see {@link FakeFault.connection}. */
	connection?: 'drop' | 'hang';
}

export interface Waiter {
	predicate: (r: RecordedRequest) => boolean;
	resolve: (r: RecordedRequest) => void;
	reject: (e: Error) => void;
	timer: NodeJS.Timeout;
}

export interface RegisteredCommand extends Json {
	id: string;
	name: string;
	type: number;
	options?: Json[];
}
