import { randomBytes } from 'node:crypto';
import {
	createServer,
	type IncomingHttpHeaders,
	type IncomingMessage,
	type Server,
	type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { PermissionFlagsBits } from 'discord.js';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import {
	formErrorBody,
	isObject,
	maxLength,
	objects,
	textLength,
	validateChoices,
	validateCommands,
	validateMessage,
	type FormError,
	type Json,
} from './discordLimits.js';

/*
 * A fake Discord (REST + gateway) on 127.0.0.1 for end-to-end tests of the real, unmodified discord.js 14 Client.
 * Behaviour follows the Discord developer docs (Gateway, Interactions, Channel/Message resources, Rate Limits,
 * Opcodes and Status Codes) and what discord.js 14.28 / @discordjs/rest 2.6 / @discordjs/ws 1.2 send, read in
 * node_modules. See ../shared/discord-testing.md.
 */

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
	/**
	 * How long a message nonce sent with `enforce_nonce` is remembered, in ms (Discord docs, "Create Message":
	 * `enforce_nonce` checks the nonce "for uniqueness in the past few minutes"; the exact time is not documented).
	 * Default 5 minutes. Tests of what happens after the window make it short, or move the fake's clock on with
	 * {@link FakeDiscord.passTime}.
	 */
	nonceWindowMs?: number;
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
	subcommandGroup?: string;
	/**
	 * Option values by name. Types come from the registered command when it was registered with the fake; otherwise
	 * from the value: string 3, integer 4, non-integer number 10, boolean 5; names `channel`/`*channel` are type 7
	 * CHANNEL, `role`/`*role` type 8 ROLE, `user`/`*user` type 6 USER (the value is an id, resolved into
	 * `data.resolved`). An attachment option (type 11 in the registered command) takes an id from
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
	 * Id of the message the component is on. A message the fake knows (created through it) is used as is;
	 * otherwise a bot message with this id is made up.
	 */
	messageId?: string;
	/** Use the original reply of this earlier interaction (by interaction id) as the component's message. */
	fromInteraction?: string;
	/** For a made-up message: the interaction it answered (`message.interaction_metadata`). */
	messageInteraction?: { id?: string; name?: string; user?: FakeUserKind };
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

interface Overwrite {
	id: string;
	type: 0 | 1;
	allow: string;
	deny: string;
}

interface ChannelPayload extends Json {
	id: string;
	guild_id: string;
	type: number;
	name: string;
	parent_id: string | null;
	permission_overwrites?: Overwrite[];
}

interface RolePayload extends Json {
	id: string;
	name: string;
	permissions: string;
	position: number;
}

interface UserPayload extends Json {
	id: string;
	username: string;
}

interface MemberPayload extends Json {
	user: UserPayload;
	roles: string[];
}

interface GuildState {
	info: FakeGuildInfo;
	ownerId: string;
	joinedAt: string;
	roles: RolePayload[];
	members: MemberPayload[];
	channels: Map<string, ChannelPayload>;
	/** The bot was removed (GUILD_DELETE without `unavailable`): REST answers 403 50001 for its channels. */
	removed: boolean;
}

interface InteractionState {
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
	followups: Set<string>;
}

interface GatewaySession {
	id: string;
	shard: [number, number];
	intents: number;
	seq: number;
	socket: WebSocket | undefined;
	/** Dispatches sent, kept for RESUME replay. */
	sent: Json[];
}

interface Reply {
	status: number;
	body?: unknown;
	headers?: Record<string, string>;
	/** No answer: see {@link FakeFault.connection}. */
	connection?: 'drop' | 'hang';
}

interface Waiter {
	predicate: (r: RecordedRequest) => boolean;
	resolve: (r: RecordedRequest) => void;
	reject: (e: Error) => void;
	timer: NodeJS.Timeout;
}

interface RegisteredCommand extends Json {
	id: string;
	name: string;
	type: number;
	options?: Json[];
}

const API_PREFIX = /^\/api(?:\/v\d+)?(?=\/|$)/;
const DISCORD_EPOCH = 1_420_070_400_000n;
const P = PermissionFlagsBits;
const ALL_PERMISSIONS = Object.values(P).reduce((all, bit) => all | bit, 0n);
/** @everyone: the basic permissions of a new server, minus Mention Everyone. */
const EVERYONE_PERMISSIONS =
	P.ViewChannel |
	P.CreateInstantInvite |
	P.ChangeNickname |
	P.SendMessages |
	P.SendMessagesInThreads |
	P.CreatePublicThreads |
	P.EmbedLinks |
	P.AttachFiles |
	P.AddReactions |
	P.UseExternalEmojis |
	P.ReadMessageHistory |
	P.UseApplicationCommands |
	P.Connect |
	P.Speak;
/** The bot's managed role adds Manage Messages (crossposting others' messages); no Mention Everyone. */
const BOT_ROLE_PERMISSIONS =
	P.ViewChannel |
	P.SendMessages |
	P.SendMessagesInThreads |
	P.EmbedLinks |
	P.AttachFiles |
	P.ReadMessageHistory |
	P.ManageMessages |
	P.AddReactions;
const FLAG_CROSSPOSTED = 1 << 0;
const FLAG_EPHEMERAL = 1 << 6;
const FLAG_LOADING = 1 << 7;
const FLAG_COMPONENTS_V2 = 1 << 15;
const NONCE_WINDOW_MS = 5 * 60_000;
/** Discord's time to answer (or defer) an interaction. */
const INTERACTION_DEADLINE_MS = 3_000;
const RESUME_BUFFER = 1000;

let lastSnowflake = 0n;

/** A fresh, increasing snowflake (Discord epoch timestamp << 22), 18–19 digits. */
function snowflake(): string {
	let next = (BigInt(Date.now()) - DISCORD_EPOCH) << 22n;
	if (next <= lastSnowflake) next = lastSnowflake + 1n;
	lastSnowflake = next;
	return next.toString();
}

function apiError(status: number, code: number, message: string): Reply {
	return { status, body: { code, message } };
}

const unknownChannel = (): Reply => apiError(404, 10003, 'Unknown Channel');
const unknownMessage = (): Reply => apiError(404, 10008, 'Unknown Message');
const missingAccess = (): Reply => apiError(403, 50001, 'Missing Access');
const missingPermissions = (): Reply => apiError(403, 50013, 'Missing Permissions');
const unknownInteraction = (): Reply => apiError(404, 10062, 'Unknown interaction');
const unknownWebhook = (): Reply => apiError(404, 10015, 'Unknown Webhook');

/** Discord's 400 50035 Invalid Form Body with its nested `errors` tree (`{field: {_errors: [{code, message}]}}`). */
function formErrorReply(errors: FormError[]): Reply {
	return { status: 400, body: formErrorBody(errors) };
}

function isEmptyMessage(data: Json, files: readonly RecordedFile[]): boolean {
	return (
		textLength(data.content) === 0 &&
		objects(data.embeds).length === 0 &&
		objects(data.components).length === 0 &&
		files.length === 0 &&
		!(Array.isArray(data.sticker_ids) && data.sticker_ids.length > 0) &&
		!isObject(data.poll)
	);
}

/**
 * Parses a multipart/form-data body as discord.js sends it: a `payload_json` part (JSON) and `files[n]` parts.
 * @throws SyntaxError when `payload_json` is not JSON
 */
function parseMultipart(raw: Buffer, contentType: string): { payload: unknown; files: RecordedFile[] } {
	const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
	const files: RecordedFile[] = [];
	let payload: unknown;
	if (boundary === undefined) return { payload, files };
	const delimiter = Buffer.from(`--${boundary}`);
	let start = raw.indexOf(delimiter);
	while (start !== -1) {
		const partStart = start + delimiter.length;
		const next = raw.indexOf(delimiter, partStart);
		if (next === -1) break;
		const part = raw.subarray(partStart, next);
		const headerEnd = part.indexOf('\r\n\r\n');
		if (headerEnd !== -1) {
			const head = part.subarray(0, headerEnd).toString('utf8');
			// The part body ends with the CRLF that precedes the next delimiter.
			const content = part.subarray(headerEnd + 4, Math.max(headerEnd + 4, part.length - 2));
			const field = /name="([^"]*)"/i.exec(head)?.[1] ?? '';
			const filename = /filename="([^"]*)"/i.exec(head)?.[1];
			const type = /content-type:\s*([^\r\n]+)/i.exec(head)?.[1] ?? 'application/octet-stream';
			if (filename !== undefined)
				files.push({ field, filename, size: content.length, contentType: type.trim(), data: Buffer.from(content) });
			else if (field === 'payload_json') payload = JSON.parse(content.toString('utf8')) as unknown;
		}
		start = next;
	}
	return { payload, files };
}

function rejected(request: RecordedRequest): void {
	if (request.status >= 400)
		throw new FakeDiscordError(
			`FakeDiscord answered ${request.method} ${request.path} with ${request.status} ${JSON.stringify(request.response ?? null)}; ` +
				`the bot sent ${JSON.stringify(request.body ?? null)}`,
		);
}

/** A message as Discord returns it when it is read back: without the `nonce` of its create request. */
function storedMessage(message: FakeMessage): FakeMessage {
	const copy = structuredClone(message);
	delete copy.nonce;
	return copy;
}

/** The shard that gets a guild (Discord docs, Gateway, "Sharding": `(guild_id >> 22) % num_shards`). */
export function shardOf(guildId: string, shardCount: number): number {
	return Number((BigInt(guildId) >> 22n) % BigInt(Math.max(1, shardCount)));
}

class Recorded implements RecordedRequest {
	constructor(
		readonly method: string,
		readonly path: string,
		readonly query: URLSearchParams,
		readonly headers: IncomingHttpHeaders,
		readonly body: unknown,
		readonly files: readonly RecordedFile[],
		readonly at: number,
		public status = 0,
		public response?: unknown,
	) {}

	// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- a typed view chosen by the test
	json<T>(): T {
		return this.body as T;
	}
}

/**
 * A fake Discord on 127.0.0.1: REST under `/api/v10` and the gateway (JSON, no compression) on the same port.
 * Start it with {@link FakeDiscord.start}, pass `apiUrl` as `new Client({ rest: { api } })`, log in with `token`.
 * Destroy every client before {@link FakeDiscord.close}; a client left connected keeps reconnecting to the closed port.
 */
export class FakeDiscord {
	/** `http://127.0.0.1:PORT/api`, for `new Client({ rest: { api: fake.apiUrl } })`. */
	readonly apiUrl: string;
	/** `ws://127.0.0.1:PORT`, returned by `GET /gateway/bot` and as READY's `resume_gateway_url`. */
	readonly gatewayUrl: string;
	/** Application id (READY `application.id`); distinct from `botUserId` so the two cannot be confused unnoticed. */
	readonly applicationId = snowflake();
	/** The bot user's id (READY `user.id`), a member of every guild with the managed bot role. */
	readonly botUserId = snowflake();
	/** The only token the fake accepts (`Authorization: Bot fake-token`, IDENTIFY). */
	readonly token = 'fake-token';
	/** Guild owner with the Admin role (Administrator, Manage Channels, Manage Guild). */
	readonly adminUserId = snowflake();
	/** A member with only @everyone's basic permissions. */
	readonly memberUserId = snowflake();
	/** The default guild's id (`guilds[0]`). */
	readonly guildId: string;
	/** The default guild's channels. */
	readonly channels: FakeChannelIds;
	/** Every guild, in the order of `options.guilds`; the first is the default. */
	readonly guilds: readonly FakeGuildInfo[];
	/** Every HTTP request, in arrival order. */
	readonly requests: RecordedRequest[] = [];

	readonly #server: Server;
	readonly #wss: WebSocketServer;
	readonly #options: FakeDiscordOptions;
	readonly #users: Record<'bot' | FakeUserKind, UserPayload>;
	readonly #guilds = new Map<string, GuildState>();
	readonly #messages = new Map<string, FakeMessage>();
	readonly #created = new Map<string, FakeMessage[]>();
	readonly #nonces = new Map<string, { messageId: string; at: number }>();
	/** Added to the request time where Discord remembers things for a while (the nonce window): {@link passTime}. */
	#clockOffsetMs = 0;
	/** Answers held back by a `hang` fault, ended when the fake closes. */
	readonly #hanging = new Set<ServerResponse>();
	readonly #interactions = new Map<string, InteractionState>();
	readonly #globalCommands: RegisteredCommand[] = [];
	readonly #guildCommands = new Map<string, RegisteredCommand[]>();
	readonly #commandIds = new Map<string, string>();
	readonly #sessions = new Map<string, GatewaySession>();
	readonly #sockets = new Set<WebSocket>();
	readonly #waiters = new Set<Waiter>();
	#faults: (FakeFault & { remaining: number })[] = [];
	#globalWindowEnd = 0;
	#globalCount = 0;
	#closing: Promise<void> | undefined;
	readonly #attachments = new Map<string, { payload: Json; content: Buffer }>();

	private constructor(server: Server, wss: WebSocketServer, port: number, options: FakeDiscordOptions) {
		this.#server = server;
		this.#wss = wss;
		this.#options = options;
		this.apiUrl = `http://127.0.0.1:${port}/api`;
		this.gatewayUrl = `ws://127.0.0.1:${port}`;
		const user = (id: string, username: string, bot = false): UserPayload => ({
			id,
			username,
			global_name: bot ? null : username,
			discriminator: bot ? '0001' : '0',
			avatar: null,
			bot,
			system: false,
			public_flags: 0,
			flags: 0,
		});
		this.#users = {
			bot: { ...user(this.botUserId, 'fake-mod-bot', true), verified: true, mfa_enabled: false },
			admin: user(this.adminUserId, 'admin-user'),
			member: user(this.memberUserId, 'member-user'),
		};
		const specs = options.guilds?.length ? options.guilds : [{}];
		this.guilds = specs.map((spec, i) => this.#buildGuild(spec, i));
		const first = this.guilds[0]!;
		this.guildId = first.id;
		this.channels = first.channels;
		server.on('request', (req: IncomingMessage, res: ServerResponse) => {
			void this.#onRequest(req, res);
		});
		wss.on('connection', (socket) => {
			this.#onConnection(socket);
		});
	}

	/**
	 * Starts the fake on an ephemeral port of 127.0.0.1.
	 * @param options see {@link FakeDiscordOptions}
	 * @returns the running fake
	 */
	static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
		const server = createServer();
		const wss = new WebSocketServer({ server });
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(0, '127.0.0.1', () => {
				server.off('error', reject);
				resolve();
			});
		});
		const { port } = server.address() as AddressInfo;
		return new FakeDiscord(server, wss, port, options);
	}

	// ---------------------------------------------------------------- inspection

	/**
	 * Resolves with the first recorded request (already recorded or future) that matches.
	 * @param timeoutMs default 5,000 ms
	 * @throws FakeDiscordError on timeout (listing the last requests) or when the fake closes first
	 */
	waitFor(predicate: (r: RecordedRequest) => boolean, timeoutMs = 5000): Promise<RecordedRequest> {
		const found = this.requests.find(predicate);
		if (found) return Promise.resolve(found);
		return new Promise((resolve, reject) => {
			const waiter: Waiter = {
				predicate,
				resolve,
				reject,
				timer: setTimeout(() => {
					this.#waiters.delete(waiter);
					const last = this.requests
						.slice(-15)
						.map((r) => `  ${r.method} ${r.path}${r.query.size ? `?${r.query.toString()}` : ''} -> ${r.status}`);
					reject(
						new FakeDiscordError(
							`FakeDiscord.waitFor timed out after ${timeoutMs} ms waiting for ${predicate.toString().slice(0, 200)}; ` +
								`last ${last.length} of ${this.requests.length} requests:\n${last.join('\n') || '  (none)'}`,
						),
					);
				}, timeoutMs),
			};
			this.#waiters.add(waiter);
		});
	}

	/** Recorded requests with this method (case-insensitive) whose path matches. */
	requestsTo(method: string, pathPattern: RegExp): RecordedRequest[] {
		const upper = method.toUpperCase();
		return this.requests.filter((r) => r.method === upper && pathPattern.test(r.path));
	}

	/** Recorded `POST /channels/{id}/messages` requests, including nonce repeats and failed ones. */
	messages(channelId: string): RecordedRequest[] {
		return this.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages`);
	}

	/**
	 * Messages actually created in a channel by `POST /channels/{id}/messages` (a repeated enforced nonce creates
	 * none) or as a forum post's starter message (channel = the thread), with later edits applied.
	 */
	createdMessages(channelId: string): FakeMessage[] {
		return [...(this.#created.get(channelId) ?? [])];
	}

	/** A message the fake stores (channel messages, interaction replies and follow-ups), by id. */
	message(messageId: string): FakeMessage | undefined {
		return this.#messages.get(messageId);
	}

	/** The current `@original` message of an interaction (after edits), if it has one. */
	replyMessage(interactionId: string): FakeMessage | undefined {
		const id = this.#interactions.get(interactionId)?.originalMessageId;
		return id === undefined ? undefined : this.#messages.get(id);
	}

	/** Commands from the last registration: global when `guildId` is omitted. */
	registeredCommands(guildId?: string): Json[] {
		return [...(guildId === undefined ? this.#globalCommands : (this.#guildCommands.get(guildId) ?? []))];
	}

	/** A copy of a channel's API object as the fake holds it (e.g. to modify and dispatch as CHANNEL_UPDATE). */
	channelPayload(channelId: string): Json {
		const channel = this.#findChannel(channelId)?.channel;
		if (!channel) throw new FakeDiscordError(`FakeDiscord: unknown channel ${channelId}`);
		return structuredClone(channel);
	}

	/** A copy of the full GUILD_CREATE payload of a guild. */
	guildPayload(guildId: string = this.guildId): Json {
		return structuredClone(this.#guildCreate(this.#guild(guildId)));
	}

	// ---------------------------------------------------------------- control

	/** Drops every injected fault that has not fired yet. */
	clearFaults(): void {
		this.#faults = [];
	}

	/** The next `times` requests matching `fault` get its answer; faults are checked before auth and rate limits. */
	injectFault(fault: FakeFault): void {
		this.#faults.push({ ...fault, remaining: fault.times ?? 1 });
	}

	/**
	 * Sends a gateway dispatch to every session that gets the guild (shard of `guild_id`, or `id` for GUILD_*),
	 * and keeps the fake's state in step: CHANNEL/THREAD_CREATE/UPDATE/DELETE change its channels, GUILD_DELETE
	 * without `unavailable` marks the bot removed (REST then answers 403 50001), GUILD_CREATE re-adds it.
	 */
	dispatch(event: string, data: unknown): void {
		this.#applyDispatch(event, data);
		const guildId = this.#guildIdOf(event, data);
		for (const session of this.#targets(guildId)) void this.#send(session, event, data);
	}

	/** Deletes a channel: CHANNEL_DELETE (THREAD_DELETE for threads) through {@link dispatch}. */
	deleteChannel(channelId: string): void {
		const payload = this.channelPayload(channelId);
		const isThread = [10, 11, 12].includes(Number(payload.type));
		this.dispatch(
			isThread ? 'THREAD_DELETE' : 'CHANNEL_DELETE',
			isThread
				? { id: payload.id, guild_id: payload.guild_id, parent_id: payload.parent_id, type: payload.type }
				: payload,
		);
	}

	/** Removes the bot from a guild: GUILD_DELETE `{id}` through {@link dispatch}. */
	removeGuild(guildId: string = this.guildId): void {
		this.dispatch('GUILD_DELETE', { id: guildId });
	}

	/** Closes every gateway socket with `code` (default 4000, which discord.js answers with RESUME). */
	dropGateway(code = 4000): void {
		for (const socket of this.#sockets) socket.close(code, 'dropped by test');
	}

	/**
	 * Dispatches a chat input command (INTERACTION_CREATE type 2) with a complete payload.
	 * @returns the interaction's id and token
	 * @throws FakeDiscordError when no gateway session receives the guild
	 */
	async chatInput(command: ChatInputInvocation): Promise<DispatchedInteraction> {
		return this.#dispatchCommand(2, command, undefined);
	}

	/** Dispatches an autocomplete interaction (type 4); the focused option carries `focused: true`. */
	async autocomplete(command: AutocompleteInvocation): Promise<DispatchedInteraction> {
		return this.#dispatchCommand(4, command, command.focused);
	}

	/**
	 * Dispatches a message component interaction (type 3) with its `message`.
	 * @throws FakeDiscordError when `fromInteraction` has no reply message or no session receives the guild
	 */
	async component(options: ComponentInvocation): Promise<DispatchedInteraction> {
		let message: FakeMessage | undefined;
		if (options.fromInteraction !== undefined) {
			message = this.replyMessage(options.fromInteraction);
			if (!message)
				throw new FakeDiscordError(`FakeDiscord: interaction ${options.fromInteraction} has no reply message yet`);
		} else if (options.messageId !== undefined) {
			message = this.#messages.get(options.messageId);
		}
		const guild = this.#guild(options.guildId ?? this.#channelGuild(message?.channel_id) ?? this.guildId);
		const channelId = options.channelId ?? message?.channel_id ?? guild.info.channels.text;
		if (!message) {
			const meta = options.messageInteraction;
			const metaUser = this.#users[meta?.user ?? 'member'];
			message = this.#makeMessage(channelId, {
				content: '',
				components: [
					{
						type: 1,
						components: [
							options.componentType === 2
								? { type: 2, style: 1, label: 'Button', custom_id: options.customId }
								: { type: 3, custom_id: options.customId, options: [] },
						],
					},
				],
			});
			if (options.messageId !== undefined) message.id = options.messageId;
			if (meta) {
				message.interaction_metadata = {
					id: meta.id ?? snowflake(),
					type: 2,
					name: meta.name,
					user: metaUser,
					authorizing_integration_owners: { '0': guild.info.id },
				};
				message.type = 20;
			}
			this.#messages.set(message.id, message);
		}
		const data: Json = { custom_id: options.customId, component_type: options.componentType };
		if (options.componentType === 3) data.values = options.values ?? [];
		return this.#dispatchInteraction(3, guild, channelId, options.user ?? 'member', data, undefined, message);
	}

	/** Waits for `POST /interactions/{id}/{token}/callback` (default timeout 5,000 ms). */
	interactionResponse(id: string, timeoutMs?: number): Promise<RecordedRequest> {
		return this.waitFor((r) => r.method === 'POST' && r.path.startsWith(`/interactions/${id}/`), timeoutMs);
	}

	/**
	 * The bot's answer to an interaction: the callback's `{type, data}`; for type 5 (deferred reply) or 6 (deferred
	 * update) `data` is the first later `PATCH .../messages/@original` body or, for type 5, the first follow-up.
	 * Each wait uses `timeoutMs` (default 5,000 ms).
	 * @throws FakeDiscordError when the fake answered the callback or the edit with an error (e.g. 50035, 40060)
	 */
	async interactionReply(id: string, timeoutMs?: number): Promise<InteractionReply> {
		const callback = await this.interactionResponse(id, timeoutMs);
		rejected(callback);
		const body = isObject(callback.body) ? callback.body : {};
		const type = Number(body.type);
		if (type !== 5 && type !== 6) return { type, data: isObject(body.data) ? body.data : {} };
		const token = this.#interactions.get(id)?.token ?? '';
		const base = `/webhooks/${this.applicationId}/${token}`;
		const edit = await this.waitFor(
			(r) =>
				r.at >= callback.at &&
				((r.method === 'PATCH' && r.path === `${base}/messages/@original`) ||
					(type === 5 && r.method === 'POST' && r.path === base)),
			timeoutMs,
		);
		rejected(edit);
		return { type, data: isObject(edit.body) ? edit.body : {} };
	}

	/** Closes the gateway and HTTP server and rejects pending `waitFor`s. Safe to call twice. */
	close(): Promise<void> {
		this.#closing ??= this.#close();
		return this.#closing;
	}

	async #close(): Promise<void> {
		for (const waiter of this.#waiters) {
			clearTimeout(waiter.timer);
			waiter.reject(new FakeDiscordError('FakeDiscord closed while waiting for a request'));
		}
		this.#waiters.clear();
		for (const socket of this.#sockets) socket.terminate();
		await new Promise<void>((resolve) => {
			this.#wss.close(() => {
				resolve();
			});
		});
		await new Promise<void>((resolve) => {
			this.#server.close(() => {
				resolve();
			});
			for (const res of this.#hanging) res.destroy();
			this.#server.closeAllConnections();
		});
	}

	// ---------------------------------------------------------------- guild model

	#buildGuild(spec: FakeGuild, index: number): FakeGuildInfo {
		const id = spec.id ?? snowflake();
		const name = spec.name ?? (index === 0 ? 'Fake Factorio Server' : `Fake Server ${index + 1}`);
		const roles = { everyone: id, admin: snowflake(), bot: snowflake() };
		const channels: FakeChannelIds = {
			text: snowflake(),
			announcement: snowflake(),
			forum: snowflake(),
			thread: snowflake(),
			noAccess: snowflake(),
		};
		const forumTags = { release: snowflake(), update: snowflake() };
		const extraTextChannels = Array.from({ length: spec.extraTextChannels ?? 0 }, () => snowflake());
		const info: FakeGuildInfo = { id, name, channels, roles, forumTags, extraTextChannels };
		const role = (roleId: string, roleName: string, permissions: bigint, position: number, extra: Json = {}) => ({
			id: roleId,
			name: roleName,
			permissions: permissions.toString(),
			position,
			color: 0,
			colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
			hoist: false,
			icon: null,
			unicode_emoji: null,
			managed: false,
			mentionable: false,
			flags: 0,
			...extra,
		});
		const joinedAt = new Date().toISOString();
		const member = (user: UserPayload, roleIds: string[]): MemberPayload => ({
			user,
			roles: roleIds,
			nick: null,
			avatar: null,
			banner: null,
			joined_at: joinedAt,
			premium_since: null,
			deaf: false,
			mute: false,
			flags: 0,
			pending: false,
			communication_disabled_until: null,
		});
		const channel = (channelId: string, channelName: string, type: number, position: number, extra: Json = {}) =>
			({
				id: channelId,
				guild_id: id,
				name: channelName,
				type,
				position,
				parent_id: null,
				permission_overwrites: [],
				nsfw: false,
				topic: null,
				last_message_id: null,
				rate_limit_per_user: 0,
				flags: 0,
				...extra,
			}) as ChannelPayload;
		const state: GuildState = {
			info,
			ownerId: this.adminUserId,
			joinedAt,
			removed: false,
			roles: [
				role(id, '@everyone', EVERYONE_PERMISSIONS, 0),
				role(roles.bot, 'Fake Mod Bot', BOT_ROLE_PERMISSIONS, 1, {
					managed: true,
					tags: { bot_id: this.botUserId },
				}),
				role(roles.admin, 'Admin', P.Administrator | P.ManageChannels | P.ManageGuild, 2),
			],
			members: [
				member(this.#users.bot, [roles.bot]),
				member(this.#users.admin, [roles.admin]),
				member(this.#users.member, []),
			],
			channels: new Map(),
		};
		const all: ChannelPayload[] = [
			channel(channels.text, 'mod-updates', 0, 0),
			channel(channels.announcement, 'mod-announcements', 5, 1),
			channel(channels.forum, 'mod-releases', 15, 2, {
				available_tags: [
					{ id: forumTags.release, name: 'release', moderated: false, emoji_id: null, emoji_name: null },
					{ id: forumTags.update, name: 'update', moderated: false, emoji_id: null, emoji_name: null },
				],
				default_reaction_emoji: null,
				default_sort_order: null,
				default_forum_layout: 0,
				default_thread_rate_limit_per_user: 0,
				default_auto_archive_duration: 1440,
			}),
			channel(channels.noAccess, 'staff-only', 0, 3, {
				permission_overwrites: [
					{ id: this.botUserId, type: 1, allow: '0', deny: (P.ViewChannel | P.SendMessages).toString() },
				],
			}),
			{
				id: channels.thread,
				guild_id: id,
				parent_id: channels.text,
				owner_id: this.adminUserId,
				name: 'mod-discussion',
				type: 11,
				last_message_id: null,
				rate_limit_per_user: 0,
				message_count: 0,
				member_count: 1,
				total_message_sent: 0,
				flags: 0,
				thread_metadata: {
					archived: false,
					auto_archive_duration: 1440,
					archive_timestamp: joinedAt,
					locked: false,
					create_timestamp: joinedAt,
				},
			},
		];
		extraTextChannels.forEach((channelId, i) => all.push(channel(channelId, `mod-updates-${i + 2}`, 0, 4 + i)));
		for (const c of all) state.channels.set(c.id, c);
		this.#guilds.set(id, state);
		return info;
	}

	#guild(guildId: string): GuildState {
		const guild = this.#guilds.get(guildId);
		if (!guild) throw new FakeDiscordError(`FakeDiscord: unknown guild ${guildId}`);
		return guild;
	}

	#findChannel(channelId: string): { guild: GuildState; channel: ChannelPayload } | undefined {
		for (const guild of this.#guilds.values()) {
			const channel = guild.channels.get(channelId);
			if (channel) return { guild, channel };
		}
		return undefined;
	}

	#channelGuild(channelId: string | undefined): string | undefined {
		return channelId === undefined ? undefined : this.#findChannel(channelId)?.guild.info.id;
	}

	#member(guild: GuildState, userId: string): MemberPayload | undefined {
		return guild.members.find((m) => m.user.id === userId);
	}

	/** Guild-level permissions of a member (Discord's "computing permissions" algorithm, base part). */
	#basePermissions(guild: GuildState, userId: string): bigint {
		if (userId === guild.ownerId) return ALL_PERMISSIONS;
		const member = this.#member(guild, userId);
		let permissions = BigInt(guild.roles.find((r) => r.id === guild.info.id)?.permissions ?? '0');
		for (const roleId of member?.roles ?? []) {
			permissions |= BigInt(guild.roles.find((r) => r.id === roleId)?.permissions ?? '0');
		}
		return (permissions & P.Administrator) === P.Administrator ? ALL_PERMISSIONS : permissions;
	}

	/** Channel permissions of a member: base, then @everyone, role and member overwrites; threads use the parent's. */
	#permissions(guild: GuildState, channel: ChannelPayload, userId: string): bigint {
		const base = this.#basePermissions(guild, userId);
		if (base === ALL_PERMISSIONS) return ALL_PERMISSIONS;
		const source = [10, 11, 12].includes(channel.type)
			? (guild.channels.get(channel.parent_id ?? '') ?? channel)
			: channel;
		const overwrites = source.permission_overwrites ?? [];
		let permissions = base;
		const apply = (o: Overwrite | undefined) => {
			if (!o) return;
			permissions &= ~BigInt(o.deny);
			permissions |= BigInt(o.allow);
		};
		apply(overwrites.find((o) => o.id === guild.info.id));
		const roleIds = this.#member(guild, userId)?.roles ?? [];
		let allow = 0n;
		let deny = 0n;
		for (const o of overwrites) {
			if (o.type === 0 && roleIds.includes(o.id)) {
				allow |= BigInt(o.allow);
				deny |= BigInt(o.deny);
			}
		}
		permissions = (permissions & ~deny) | allow;
		apply(overwrites.find((o) => o.type === 1 && o.id === userId));
		return (permissions & P.ViewChannel) === P.ViewChannel ? permissions : 0n;
	}

	#guildCreate(guild: GuildState): Json {
		const channels = [...guild.channels.values()];
		const isThread = (c: ChannelPayload) => [10, 11, 12].includes(c.type);
		return {
			id: guild.info.id,
			name: guild.info.name,
			icon: null,
			splash: null,
			discovery_splash: null,
			banner: null,
			description: null,
			owner_id: guild.ownerId,
			afk_channel_id: null,
			afk_timeout: 300,
			verification_level: 0,
			default_message_notifications: 1,
			explicit_content_filter: 0,
			mfa_level: 0,
			nsfw_level: 0,
			premium_tier: 0,
			premium_subscription_count: 0,
			premium_progress_bar_enabled: false,
			preferred_locale: 'en-US',
			features: [],
			application_id: null,
			system_channel_id: null,
			system_channel_flags: 0,
			rules_channel_id: null,
			public_updates_channel_id: null,
			safety_alerts_channel_id: null,
			vanity_url_code: null,
			max_members: 500_000,
			max_video_channel_users: 25,
			max_stage_video_channel_users: 50,
			joined_at: guild.joinedAt,
			large: false,
			unavailable: false,
			lazy: true,
			member_count: guild.members.length,
			roles: guild.roles,
			emojis: [],
			stickers: [],
			members: guild.members,
			channels: channels.filter((c) => !isThread(c)),
			threads: channels.filter(isThread),
			presences: [],
			voice_states: [],
			stage_instances: [],
			guild_scheduled_events: [],
			soundboard_sounds: [],
			embedded_activities: [],
			activity_instances: [],
			incidents_data: null,
			hub_type: null,
			latest_onboarding_question_id: null,
		};
	}

	#applyDispatch(event: string, data: unknown): void {
		if (!isObject(data) || typeof data.id !== 'string') return;
		switch (event) {
			case 'CHANNEL_CREATE':
			case 'CHANNEL_UPDATE':
			case 'THREAD_CREATE':
			case 'THREAD_UPDATE': {
				const guild = typeof data.guild_id === 'string' ? this.#guilds.get(data.guild_id) : undefined;
				guild?.channels.set(data.id, {
					parent_id: null,
					name: '',
					...structuredClone(data),
					guild_id: guild.info.id,
					type: Number(data.type),
				} as ChannelPayload);
				break;
			}
			case 'CHANNEL_DELETE':
			case 'THREAD_DELETE':
				this.#findChannel(data.id)?.guild.channels.delete(data.id);
				break;
			case 'GUILD_DELETE': {
				const guild = this.#guilds.get(data.id);
				if (guild && data.unavailable !== true) guild.removed = true;
				break;
			}
			case 'GUILD_CREATE': {
				const guild = this.#guilds.get(data.id);
				if (guild) guild.removed = false;
				break;
			}
			default:
				break;
		}
	}

	#guildIdOf(event: string, data: unknown): string | undefined {
		if (!isObject(data)) return undefined;
		if (typeof data.guild_id === 'string') return data.guild_id;
		if (event.startsWith('GUILD_') && typeof data.id === 'string') return data.id;
		return undefined;
	}

	// ---------------------------------------------------------------- gateway

	#targets(guildId: string | undefined): GatewaySession[] {
		return [...this.#sessions.values()].filter((s) =>
			guildId === undefined ? s.shard[0] === 0 : shardOf(guildId, s.shard[1]) === s.shard[0],
		);
	}

	#send(session: GatewaySession, event: string, data: unknown): Promise<void> {
		session.seq += 1;
		const payload: Json = { op: 0, t: event, s: session.seq, d: data };
		session.sent.push(payload);
		if (session.sent.length > RESUME_BUFFER) session.sent.shift();
		return this.#write(session.socket, payload);
	}

	#write(socket: WebSocket | undefined, payload: Json): Promise<void> {
		if (socket?.readyState !== WebSocket.OPEN) return Promise.resolve();
		return new Promise((resolve) => {
			socket.send(JSON.stringify(payload), () => {
				resolve();
			});
		});
	}

	#onConnection(socket: WebSocket): void {
		this.#sockets.add(socket);
		let session: GatewaySession | undefined;
		void this.#write(socket, {
			op: 10,
			s: null,
			t: null,
			d: { heartbeat_interval: this.#options.heartbeatIntervalMs ?? 500 },
		});
		socket.on('message', (raw: RawData) => {
			let payload: unknown;
			try {
				payload = JSON.parse(
					Buffer.isBuffer(raw) ? raw.toString('utf8') : Buffer.from(raw as ArrayBuffer).toString('utf8'),
				);
			} catch {
				socket.close(4002, 'Error while decoding payload.');
				return;
			}
			if (!isObject(payload)) return;
			const d = isObject(payload.d) ? payload.d : {};
			switch (payload.op) {
				case 1:
					void this.#write(socket, { op: 11, s: null, t: null, d: null });
					break;
				case 2:
					if (session) {
						socket.close(4005, 'Already authenticated.');
						return;
					}
					if (d.token !== this.token) {
						socket.close(4004, 'Authentication failed.');
						return;
					}
					session = this.#identify(socket, d);
					break;
				case 6: {
					const resumed = typeof d.session_id === 'string' ? this.#sessions.get(d.session_id) : undefined;
					if (!resumed || d.token !== this.token || session) {
						void this.#write(socket, { op: 9, s: null, t: null, d: false });
						return;
					}
					resumed.socket?.terminate();
					session = resumed;
					resumed.socket = socket;
					const after = Number(d.seq ?? 0);
					for (const old of resumed.sent) if (Number(old.s) > after) void this.#write(socket, old);
					void this.#send(resumed, 'RESUMED', {});
					break;
				}
				default:
					break;
			}
		});
		socket.on('close', (code: number) => {
			this.#sockets.delete(socket);
			if (session?.socket !== socket) return;
			session.socket = undefined;
			// A client closing with 1000/1001 ends its session; other codes keep it resumable, as on Discord.
			if (code === 1000 || code === 1001) this.#sessions.delete(session.id);
		});
	}

	#identify(socket: WebSocket, d: Json): GatewaySession {
		const shard = Array.isArray(d.shard) ? d.shard.map(Number) : [0, 1];
		const session: GatewaySession = {
			id: randomBytes(16).toString('hex'),
			shard: [shard[0] ?? 0, shard[1] ?? 1],
			intents: Number(d.intents ?? 0),
			seq: 0,
			socket,
			sent: [],
		};
		this.#sessions.set(session.id, session);
		const guilds = [...this.#guilds.values()].filter(
			(g) => !g.removed && shardOf(g.info.id, session.shard[1]) === session.shard[0],
		);
		void this.#send(session, 'READY', {
			v: 10,
			user: this.#users.bot,
			user_settings: {},
			guilds: guilds.map((g) => ({ id: g.info.id, unavailable: true })),
			session_id: session.id,
			session_type: 'normal',
			resume_gateway_url: this.gatewayUrl,
			shard: session.shard,
			application: { id: this.applicationId, flags: 0 },
			private_channels: [],
			presences: [],
			relationships: [],
			guild_join_requests: [],
			geo_ordered_rtc_regions: [],
			_trace: ['["fake-discord",{}]'],
		});
		// Discord sends GUILD_CREATE only with the GUILDS intent (1 << 0).
		if ((session.intents & 1) === 1)
			for (const g of guilds) void this.#send(session, 'GUILD_CREATE', this.#guildCreate(g));
		return session;
	}

	// ---------------------------------------------------------------- interactions

	#dispatchCommand(
		type: 2 | 4,
		command: ChatInputInvocation,
		focused: string | undefined,
	): Promise<DispatchedInteraction> {
		const guild = this.#guild(command.guildId ?? this.#channelGuild(command.channelId) ?? this.guildId);
		const channelId = command.channelId ?? guild.info.channels.text;
		const registered =
			(this.#guildCommands.get(guild.info.id) ?? []).find((c) => c.name === command.name && c.type === 1) ??
			this.#globalCommands.find((c) => c.name === command.name && c.type === 1);
		let definitions = objects(registered?.options);
		const pick = (name: string | undefined) => {
			const found = definitions.find((o) => o.name === name);
			definitions = objects(found?.options);
		};
		if (command.subcommandGroup !== undefined) pick(command.subcommandGroup);
		if (command.subcommand !== undefined) pick(command.subcommand);
		const values: Record<string, string | number | boolean> = { ...command.options };
		if (focused !== undefined && !(focused in values)) values[focused] = '';
		const resolved: Record<string, Json> = {};
		const addResolved = (kind: string, id: string, value: Json) => {
			resolved[kind] ??= {};
			resolved[kind][id] = value;
		};
		const memberId = command.user === 'admin' ? this.adminUserId : this.memberUserId;
		const leaves: Json[] = Object.entries(values).map(([name, value]) => {
			const declared = definitions.find((o) => o.name === name)?.type;
			const optionType = typeof declared === 'number' ? declared : this.#inferOptionType(name, value);
			const option: Json = { name, type: optionType, value };
			if (name === focused) option.focused = true;
			const id = String(value);
			if (optionType === 7) {
				const known = this.#findChannel(id);
				const channel = known?.channel ?? { id, guild_id: guild.info.id, name: 'unknown', type: 0, parent_id: null };
				const permissions = known ? this.#permissions(known.guild, known.channel, memberId) : 0n;
				addResolved('channels', id, { ...structuredClone(channel), permissions: permissions.toString() });
			} else if (optionType === 8) {
				const role = guild.roles.find((r) => r.id === id) ?? {
					id,
					name: 'unknown-role',
					permissions: '0',
					position: 0,
					color: 0,
					hoist: false,
					managed: false,
					mentionable: false,
					flags: 0,
				};
				addResolved('roles', id, structuredClone(role));
			} else if (optionType === 11) {
				const attachment = this.#attachments.get(id);
				if (attachment) addResolved('attachments', id, structuredClone(attachment.payload));
			} else if (optionType === 6) {
				const member = this.#member(guild, id);
				addResolved(
					'users',
					id,
					member ? structuredClone(member.user) : { id, username: 'unknown-user', discriminator: '0' },
				);
				if (member) {
					const rest: Json = structuredClone(member);
					delete rest.user;
					addResolved('members', id, { ...rest, permissions: this.#basePermissions(guild, id).toString() });
				}
			}
			return option;
		});
		let options = leaves;
		if (command.subcommand !== undefined) options = [{ type: 1, name: command.subcommand, options }];
		if (command.subcommandGroup !== undefined) options = [{ type: 2, name: command.subcommandGroup, options }];
		const key = `${guild.info.id}:${command.name}`;
		let commandId = registered?.id ?? this.#commandIds.get(key);
		if (commandId === undefined) {
			commandId = snowflake();
			this.#commandIds.set(key, commandId);
		}
		const data: Json = { id: commandId, name: command.name, type: 1, options };
		if (registered && typeof registered.guild_id === 'string') data.guild_id = registered.guild_id;
		if (Object.keys(resolved).length > 0) data.resolved = resolved;
		return this.#dispatchInteraction(type, guild, channelId, command.user ?? 'member', data, command.name, undefined);
	}

	#inferOptionType(name: string, value: string | number | boolean): number {
		const lower = name.toLowerCase();
		if (lower.endsWith('channel')) return 7;
		if (lower.endsWith('role')) return 8;
		if (lower === 'user' || lower.endsWith('user')) return 6;
		if (typeof value === 'boolean') return 5;
		if (typeof value === 'number') return Number.isInteger(value) ? 4 : 10;
		return 3;
	}

	async #dispatchInteraction(
		type: 2 | 3 | 4,
		guild: GuildState,
		channelId: string,
		userKind: FakeUserKind,
		data: Json,
		commandName: string | undefined,
		message: FakeMessage | undefined,
	): Promise<DispatchedInteraction> {
		const sessions = this.#targets(guild.info.id).filter((s) => s.socket?.readyState === WebSocket.OPEN);
		if (sessions.length === 0)
			throw new FakeDiscordError(
				`FakeDiscord: no connected gateway session receives guild ${guild.info.id}; dispatch after the client is ready`,
			);
		const found = this.#findChannel(channelId);
		if (!found) throw new FakeDiscordError(`FakeDiscord: unknown channel ${channelId}`);
		const user = this.#users[userKind];
		const member = this.#member(guild, user.id);
		const memberPermissions = this.#permissions(guild, found.channel, user.id);
		const appPermissions = this.#permissions(guild, found.channel, this.botUserId);
		const id = snowflake();
		const token = `aW50ZXJhY3Rpb246${randomBytes(48).toString('base64url')}`;
		const state: InteractionState = {
			id,
			token,
			type,
			guildId: guild.info.id,
			channelId,
			user,
			commandName,
			dispatchedAt: Date.now(),
			callbackType: undefined,
			originalMessageId: type === 3 ? message?.id : undefined,
			loading: false,
			followups: new Set(),
		};
		this.#interactions.set(id, state);
		const payload: Json = {
			id,
			application_id: this.applicationId,
			type,
			data,
			guild: { id: guild.info.id, locale: 'en-US', features: [] },
			guild_id: guild.info.id,
			channel: { ...structuredClone(found.channel), permissions: memberPermissions.toString() },
			channel_id: channelId,
			member: { ...structuredClone(member), permissions: memberPermissions.toString() },
			token,
			version: 1,
			app_permissions: appPermissions.toString(),
			locale: 'en-US',
			guild_locale: 'en-US',
			entitlements: [],
			authorizing_integration_owners: { '0': guild.info.id },
			context: 0,
			attachment_size_limit: 10_485_760,
		};
		if (message) payload.message = structuredClone(message);
		await Promise.all(sessions.map((s) => this.#send(s, 'INTERACTION_CREATE', payload)));
		return { id, token };
	}

	// ---------------------------------------------------------------- attachments (options of type 11)

	/**
	 * Uploads a file a user attaches to a slash command: use the returned id as the value of an attachment option
	 * (type 11, from the registered command). The interaction then carries it in `data.resolved.attachments` with a
	 * `url` on this fake (`http://127.0.0.1:PORT/attachments/{channel}/{id}/{filename}`), which answers
	 * `GET` with the bytes, like Discord's CDN.
	 *
	 * @param options.size - the `size` the payload claims (default: the real length), e.g. to announce a large file.
	 * @returns the attachment's snowflake id.
	 */
	addAttachment(
		filename: string,
		content: string | Buffer,
		options: { contentType?: string; size?: number; channelId?: string } = {},
	): string {
		const id = snowflake();
		const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
		const channel = options.channelId ?? this.channels.text;
		const url = `${this.apiUrl.replace(/\/api$/, '')}/attachments/${channel}/${id}/${encodeURIComponent(filename)}`;
		this.#attachments.set(id, {
			content: bytes,
			payload: {
				id,
				filename,
				size: options.size ?? bytes.length,
				url: `${url}?ex=${Math.floor(Date.now() / 1000 + 86_400).toString(16)}`,
				proxy_url: url,
				content_type: options.contentType ?? 'text/plain; charset=utf-8',
				ephemeral: true,
			},
		});
		return id;
	}

	/** The `GET /attachments/...` downloads the fake served (the bot reading attached files). */
	attachmentDownloads(): RecordedRequest[] {
		return this.requests.filter((r) => r.path.startsWith('/attachments/'));
	}

	#serveAttachment(method: string, url: URL, req: IncomingMessage, res: ServerResponse): void {
		const id = url.pathname.split('/')[3] ?? '';
		const attachment = this.#attachments.get(id);
		const recorded = new Recorded(method, url.pathname, url.searchParams, req.headers, undefined, [], Date.now());
		recorded.status = method === 'GET' && attachment ? 200 : 404;
		this.requests.push(recorded);
		if (recorded.status !== 200 || !attachment) {
			res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
			return;
		}
		res.writeHead(200, {
			'content-type': String(attachment.payload.content_type),
			'content-length': attachment.content.length,
		});
		res.end(attachment.content);
	}

	// ---------------------------------------------------------------- HTTP

	async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const raw = Buffer.concat(chunks);
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const prefixed = API_PREFIX.exec(url.pathname);
		let path: string;
		try {
			path = decodeURIComponent(prefixed ? url.pathname.slice(prefixed[0].length) || '/' : url.pathname);
		} catch {
			path = url.pathname;
		}
		const method = (req.method ?? 'GET').toUpperCase();
		if (!prefixed && url.pathname.startsWith('/attachments/')) {
			this.#serveAttachment(method, url, req, res);
			return;
		}
		let body: unknown;
		let files: RecordedFile[] = [];
		let badBody = false;
		const contentType = req.headers['content-type'] ?? '';
		if (raw.length > 0) {
			try {
				if (contentType.startsWith('multipart/form-data')) {
					const parsed = parseMultipart(raw, contentType);
					body = parsed.payload;
					files = parsed.files;
				} else {
					body = JSON.parse(raw.toString('utf8')) as unknown;
				}
			} catch {
				badBody = true;
			}
		}
		const recorded = new Recorded(method, path, url.searchParams, req.headers, body, files, Date.now());
		let reply: Reply;
		try {
			reply = badBody
				? apiError(400, 50109, 'The request body contains invalid JSON.')
				: prefixed
					? this.#route(recorded)
					: apiError(404, 0, '404: Not Found');
		} catch (error) {
			reply = apiError(500, 0, `FakeDiscord internal error: ${String(error)}`);
		}
		recorded.status = reply.status;
		recorded.response = reply.body;
		this.requests.push(recorded);
		for (const waiter of [...this.#waiters]) {
			if (waiter.predicate(recorded)) {
				clearTimeout(waiter.timer);
				this.#waiters.delete(waiter);
				waiter.resolve(recorded);
			}
		}
		if (reply.connection === 'drop') {
			res.socket?.destroy();
			return;
		}
		if (reply.connection === 'hang') {
			this.#hanging.add(res);
			res.on('close', () => this.#hanging.delete(res));
			return;
		}
		const headers: Record<string, string> = { ...reply.headers };
		if (reply.body === undefined) {
			res.writeHead(reply.status, headers).end();
		} else {
			res.writeHead(reply.status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(reply.body));
		}
	}

	#route(r: Recorded, skipFaults = false): Reply {
		const fault = skipFaults
			? undefined
			: this.#faults.find(
					(f) => f.remaining > 0 && (!f.method || f.method.toUpperCase() === r.method) && f.path.test(r.path),
				);
		if (fault) {
			fault.remaining -= 1;
			this.#faults = this.#faults.filter((f) => f.remaining > 0);
			if (fault.afterHandling) this.#route(r, true);
			return this.#faultReply(fault);
		}
		// Interaction callbacks and interaction webhooks carry no Authorization and skip the global limit.
		const exempt = /^\/interactions\/\d+\/[^/]+\/callback$/.test(r.path) || /^\/webhooks\/\d+\/[^/]+/.test(r.path);
		if (!exempt) {
			if (r.headers.authorization !== `Bot ${this.token}`) return apiError(401, 0, '401: Unauthorized');
			const limited = this.#globalLimit();
			if (limited) return limited;
		}
		const m = (method: string, pattern: RegExp): string[] | undefined => {
			if (r.method !== method) return undefined;
			const match = pattern.exec(r.path);
			return match ? match.slice(1) : undefined;
		};
		const body = isObject(r.body) ? r.body : {};
		let p: string[] | undefined;
		if (m('GET', /^\/gateway\/bot$/)) {
			return {
				status: 200,
				body: {
					url: this.gatewayUrl,
					shards: this.#options.shardCount ?? 1,
					session_start_limit: {
						total: 1000,
						remaining: 999,
						reset_after: 14_400_000,
						max_concurrency: this.#options.maxConcurrency ?? 1,
					},
				},
			};
		}
		if (m('GET', /^\/gateway$/)) return { status: 200, body: { url: this.gatewayUrl } };
		if (m('GET', /^\/users\/@me$/)) return { status: 200, body: this.#users.bot };
		if (m('GET', /^\/applications\/@me$/)) return { status: 200, body: this.#application() };
		if ((p = m('POST', /^\/interactions\/(\d+)\/([^/]+)\/callback$/))) return this.#callback(r, p[0]!, p[1]!, body);
		if ((p = m('POST', /^\/webhooks\/(\d+)\/([^/]+)$/))) return this.#followup(r, p[0]!, p[1]!, body);
		if ((p = /^\/webhooks\/(\d+)\/([^/]+)\/messages\/([^/]+)$/.exec(r.path)?.slice(1)))
			return this.#webhookMessage(r, p[0]!, p[1]!, p[2]!, body);
		if ((p = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands(?:\/(\d+))?$/.exec(r.path)?.slice(1)))
			return this.#commands(r, p[0]!, p[1], p[2]);
		if ((p = m('POST', /^\/channels\/(\d+)\/messages$/))) return this.#createMessage(r, p[0]!, body);
		if ((p = m('GET', /^\/channels\/(\d+)\/messages$/))) return this.#listMessages(r, p[0]!);
		if ((p = m('GET', /^\/guilds\/(\d+)\/threads\/active$/))) return this.#activeThreads(p[0]!);
		if ((p = m('GET', /^\/channels\/(\d+)\/threads\/archived\/public$/))) return this.#archivedPublicThreads(r, p[0]!);
		if ((p = m('POST', /^\/channels\/(\d+)\/messages\/(\d+)\/crosspost$/))) return this.#crosspost(p[0]!, p[1]!);
		if ((p = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(r.path)?.slice(1)))
			return this.#channelMessage(r, p[0]!, p[1]!, body);
		if ((p = m('POST', /^\/channels\/(\d+)\/threads$/))) return this.#createThread(r, p[0]!, body);
		if ((p = m('GET', /^\/channels\/(\d+)$/))) {
			const access = this.#access(p[0]!, 0n);
			return 'status' in access ? access : { status: 200, body: access.channel };
		}
		if ((p = m('GET', /^\/guilds\/(\d+)$/))) {
			const guild = this.#guilds.get(p[0]!);
			if (!guild) return apiError(404, 10004, 'Unknown Guild');
			if (guild.removed) return missingAccess();
			const gatewayOnly = new Set([
				'channels',
				'threads',
				'members',
				'presences',
				'voice_states',
				'joined_at',
				'large',
			]);
			const rest = Object.entries(this.#guildCreate(guild)).filter(([key]) => !gatewayOnly.has(key));
			return { status: 200, body: Object.fromEntries(rest) };
		}
		if ((p = m('GET', /^\/guilds\/(\d+)\/channels$/))) {
			const guild = this.#guilds.get(p[0]!);
			if (!guild) return apiError(404, 10004, 'Unknown Guild');
			if (guild.removed) return missingAccess();
			return { status: 200, body: [...guild.channels.values()].filter((c) => ![10, 11, 12].includes(c.type)) };
		}
		if ((p = m('GET', /^\/guilds\/(\d+)\/members\/(\d+)$/))) {
			const guild = this.#guilds.get(p[0]!);
			if (!guild) return apiError(404, 10004, 'Unknown Guild');
			if (guild.removed) return missingAccess();
			const member = this.#member(guild, p[1]!);
			return member ? { status: 200, body: member } : apiError(404, 10007, 'Unknown Member');
		}
		if ((p = m('GET', /^\/guilds\/(\d+)\/roles$/))) {
			const guild = this.#guilds.get(p[0]!);
			if (!guild) return apiError(404, 10004, 'Unknown Guild');
			return guild.removed ? missingAccess() : { status: 200, body: guild.roles };
		}
		return apiError(404, 0, '404: Not Found');
	}

	#faultReply(fault: FakeFault): Reply {
		if (fault.connection !== undefined) return { status: 0, connection: fault.connection };
		const status = fault.status ?? 500;
		const headers: Record<string, string> = { ...fault.headers };
		let body = fault.body;
		if (status === 429) {
			body ??= { message: 'You are being rate limited.', retry_after: 0.05, global: false };
			const retryAfter = isObject(body) && typeof body.retry_after === 'number' ? body.retry_after : 0.05;
			const has = (name: string) => Object.keys(headers).some((h) => h.toLowerCase() === name);
			if (!has('retry-after')) headers['Retry-After'] = String(retryAfter);
			if (!has('x-ratelimit-scope')) headers['X-RateLimit-Scope'] = 'user';
		}
		body ??= { code: 0, message: `${status}: Injected fault` };
		return { status, body, headers };
	}

	#globalLimit(): Reply | undefined {
		const limit = this.#options.rateLimitPerSecond;
		if (limit === undefined) return undefined;
		const now = Date.now();
		if (now >= this.#globalWindowEnd) {
			this.#globalWindowEnd = now + 1000;
			this.#globalCount = 0;
		}
		if (this.#globalCount < limit) {
			this.#globalCount += 1;
			return undefined;
		}
		const retryAfter = Math.max(0.001, (this.#globalWindowEnd - now) / 1000);
		return {
			status: 429,
			body: { message: 'You are being rate limited.', retry_after: retryAfter, global: true },
			headers: {
				'Retry-After': retryAfter.toFixed(3),
				'X-RateLimit-Global': 'true',
				'X-RateLimit-Scope': 'global',
			},
		};
	}

	#application(): Json {
		return {
			id: this.applicationId,
			name: 'Fake Mod Bot',
			icon: null,
			description: '',
			summary: '',
			type: null,
			bot_public: true,
			bot_require_code_grant: false,
			verify_key: '0'.repeat(64),
			flags: 0,
			hook: true,
			team: null,
			owner: this.#users.admin,
			bot: this.#users.bot,
			integration_types_config: { '0': {} },
			approximate_guild_count: this.#guilds.size,
		};
	}

	/**
	 * Where the bot may act: the channel, or 404 10003 (unknown/deleted), 403 50001 (bot removed from the guild or
	 * lacking VIEW_CHANNEL), 403 50013 (lacking `need`).
	 */
	#access(channelId: string, need: bigint): Reply | { guild: GuildState; channel: ChannelPayload } {
		const found = this.#findChannel(channelId);
		if (!found) return unknownChannel();
		if (found.guild.removed) return missingAccess();
		const permissions = this.#permissions(found.guild, found.channel, this.botUserId);
		if ((permissions & P.ViewChannel) !== P.ViewChannel) return missingAccess();
		if ((permissions & need) !== need) return missingPermissions();
		return found;
	}

	#makeMessage(channelId: string, data: Json, files: readonly RecordedFile[] = []): FakeMessage {
		const keepFlags =
			(1 << 2) /* SUPPRESS_EMBEDS */ | (1 << 12) /* SUPPRESS_NOTIFICATIONS */ | FLAG_COMPONENTS_V2 | FLAG_EPHEMERAL;
		const message: FakeMessage = {
			id: snowflake(),
			channel_id: channelId,
			type: 0,
			author: this.#users.bot,
			content: typeof data.content === 'string' ? data.content : '',
			timestamp: new Date().toISOString(),
			edited_timestamp: null,
			tts: data.tts === true,
			mention_everyone: false,
			mentions: [],
			mention_roles: [],
			mention_channels: [],
			attachments: files.map((f) => ({
				id: snowflake(),
				filename: f.filename,
				size: f.size,
				content_type: f.contentType,
				url: `https://cdn.discordapp.invalid/attachments/${channelId}/${f.filename}`,
				proxy_url: `https://media.discordapp.invalid/attachments/${channelId}/${f.filename}`,
			})),
			embeds: objects(data.embeds).map((e) => ({ type: 'rich', ...structuredClone(e) })),
			components: structuredClone(objects(data.components)),
			reactions: [],
			pinned: false,
			flags: Number(data.flags ?? 0) & keepFlags,
		};
		if (data.nonce !== undefined) message.nonce = data.nonce;
		if (isObject(data.message_reference)) message.message_reference = structuredClone(data.message_reference);
		return message;
	}

	#editMessage(message: FakeMessage, data: Json, files: readonly RecordedFile[]): void {
		if ('content' in data) message.content = typeof data.content === 'string' ? data.content : '';
		if ('embeds' in data) message.embeds = objects(data.embeds).map((e) => ({ type: 'rich', ...structuredClone(e) }));
		if ('components' in data) message.components = structuredClone(objects(data.components));
		if (typeof data.flags === 'number') message.flags = (message.flags & ~(1 << 2)) | (data.flags & (1 << 2));
		if (files.length > 0 || Array.isArray(data.attachments)) {
			const kept = objects(message.attachments).filter((a) =>
				objects(data.attachments).some((b) => String(b.id) === String(a.id)),
			);
			const added = this.#makeMessage(message.channel_id, {}, files).attachments as Json[];
			message.attachments = [...kept, ...added];
		}
		message.flags &= ~FLAG_LOADING;
		message.edited_timestamp = new Date().toISOString();
	}

	#createMessage(r: Recorded, channelId: string, body: Json): Reply {
		const found = this.#findChannel(channelId);
		if (found && [4, 13, 15, 16].includes(found.channel.type))
			return apiError(400, 50008, 'Cannot send messages in a non-text channel');
		const isThread = found !== undefined && [10, 11, 12].includes(found.channel.type);
		const access = this.#access(channelId, isThread ? P.SendMessagesInThreads : P.SendMessages);
		if ('status' in access) return access;
		const errors = validateMessage(body);
		const nonceKey = typeof body.nonce === 'string' || typeof body.nonce === 'number' ? String(body.nonce) : undefined;
		if (nonceKey !== undefined && nonceKey.length > 25)
			errors.push({ path: 'nonce', code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' });
		if (errors.length > 0) return formErrorReply(errors);
		if (isEmptyMessage(body, r.files)) return apiError(400, 50006, 'Cannot send an empty message');
		// Discord: with enforce_nonce, a nonce reused by the same author within a few minutes returns the earlier message.
		if (nonceKey !== undefined && body.enforce_nonce === true) {
			const seen = this.#nonces.get(nonceKey);
			const window = this.#options.nonceWindowMs ?? NONCE_WINDOW_MS;
			const now = r.at + this.#clockOffsetMs;
			const earlier = seen && now - seen.at < window ? this.#messages.get(seen.messageId) : undefined;
			if (earlier) return { status: 200, body: earlier };
		}
		const message = this.#makeMessage(channelId, body, r.files);
		message.flags &= ~FLAG_EPHEMERAL;
		this.#store(message, true);
		if (nonceKey !== undefined && body.enforce_nonce === true)
			this.#nonces.set(nonceKey, { messageId: message.id, at: r.at + this.#clockOffsetMs });
		return { status: 200, body: message };
	}

	#store(message: FakeMessage, channelMessage: boolean): void {
		this.#messages.set(message.id, message);
		if (!channelMessage) return;
		const list = this.#created.get(message.channel_id) ?? [];
		list.push(message);
		this.#created.set(message.channel_id, list);
		const channel = this.#findChannel(message.channel_id)?.channel;
		if (channel) channel.last_message_id = message.id;
	}

	// ------------------------------------------------------------ feed delivery: history, threads, crashes

	/**
	 * Discord docs, "Get Channel Messages": newest first; `limit` 1-100 (default 50); `before`/`after`/`around` a
	 * message id (mutually exclusive); VIEW_CHANNEL needed, and without READ_MESSAGE_HISTORY no messages are returned.
	 * Messages come as stored: no `nonce` (Discord keeps it only for the create answer and MESSAGE_CREATE).
	 */
	#listMessages(r: Recorded, channelId: string): Reply {
		const access = this.#access(channelId, 0n);
		if ('status' in access) return access;
		const limitParam = r.query.get('limit');
		const limit = limitParam === null ? 50 : Number(limitParam);
		if (!Number.isInteger(limit) || limit < 1 || limit > 100)
			return formErrorReply([{ path: 'limit', code: 'NUMBER_TYPE_MAX', message: 'Must be between 1 and 100.' }]);
		const anchors = (['before', 'after', 'around'] as const).filter((key) => r.query.has(key));
		if (anchors.length > 1) return apiError(400, 50035, 'Invalid Form Body');
		const permissions = this.#permissions(access.guild, access.channel, this.botUserId);
		if ((permissions & P.ReadMessageHistory) !== P.ReadMessageHistory) return { status: 200, body: [] };
		const id = (m: FakeMessage) => BigInt(m.id);
		const oldestFirst = [...(this.#created.get(channelId) ?? [])]
			.filter((m) => this.#messages.has(m.id))
			.sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0));
		let page: FakeMessage[];
		const anchor = anchors[0] === undefined ? undefined : BigInt(r.query.get(anchors[0]) ?? '0');
		if (anchor === undefined) page = oldestFirst.slice(-limit);
		else if (anchors[0] === 'before') page = oldestFirst.filter((m) => id(m) < anchor).slice(-limit);
		else if (anchors[0] === 'after') page = oldestFirst.filter((m) => id(m) > anchor).slice(0, limit);
		else {
			const older = oldestFirst.filter((m) => id(m) <= anchor).slice(-Math.ceil(limit / 2));
			page = [...older, ...oldestFirst.filter((m) => id(m) > anchor).slice(0, limit - older.length)];
		}
		return { status: 200, body: page.reverse().map((m) => storedMessage(m)) };
	}

	/**
	 * Discord docs, "List Active Guild Threads": `{threads, members}`, every active (not archived) thread of the guild
	 * the bot can see, newest first; `members` holds the bot's thread member object for the threads it has joined (the
	 * fake: the threads it started).
	 */
	#activeThreads(guildId: string): Reply {
		const guild = this.#guilds.get(guildId);
		if (!guild) return apiError(404, 10004, 'Unknown Guild');
		if (guild.removed) return missingAccess();
		const threads = [...guild.channels.values()]
			.filter((c) => [10, 11, 12].includes(c.type))
			.filter((c) => !(isObject(c.thread_metadata) && c.thread_metadata.archived === true))
			.filter((c) => (this.#permissions(guild, c, this.botUserId) & P.ViewChannel) === P.ViewChannel)
			.sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
		const members = threads
			.filter((c) => c.owner_id === this.botUserId)
			.map((c) => ({
				id: c.id,
				user_id: this.botUserId,
				join_timestamp: isObject(c.thread_metadata) ? c.thread_metadata.create_timestamp : null,
				flags: 0,
			}));
		return { status: 200, body: { threads: threads.map((c) => structuredClone(c)), members } };
	}

	/**
	 * Discord docs, "List Public Archived Threads": `{threads, members, has_more}`, the channel's archived public
	 * threads (types 10 and 11) newest archived first; `before` an ISO8601 timestamp (archived before it), `limit`
	 * (default 50, at most 100). Needs READ_MESSAGE_HISTORY. Archive a thread with THREAD_UPDATE ({@link dispatch})
	 * carrying `thread_metadata.archived: true` and an `archive_timestamp`.
	 */
	#archivedPublicThreads(r: Recorded, channelId: string): Reply {
		const access = this.#access(channelId, P.ReadMessageHistory);
		if ('status' in access) return access;
		const limit = Math.min(100, Math.max(2, Number(r.query.get('limit') ?? 50)));
		const before = r.query.has('before') ? Date.parse(r.query.get('before') ?? '') : Number.POSITIVE_INFINITY;
		const archivedAt = (c: ChannelPayload) =>
			isObject(c.thread_metadata) ? Date.parse(String(c.thread_metadata.archive_timestamp)) : 0;
		const archived = [...access.guild.channels.values()]
			.filter((c) => c.parent_id === channelId && [10, 11].includes(c.type))
			.filter((c) => isObject(c.thread_metadata) && c.thread_metadata.archived === true)
			.filter((c) => archivedAt(c) < before)
			.sort((a, b) => archivedAt(b) - archivedAt(a));
		const threads = archived.slice(0, limit);
		const members = threads
			.filter((c) => c.owner_id === this.botUserId)
			.map((c) => ({ id: c.id, user_id: this.botUserId, join_timestamp: new Date().toISOString(), flags: 0 }));
		return {
			status: 200,
			body: { threads: threads.map((c) => structuredClone(c)), members, has_more: archived.length > limit },
		};
	}

	/**
	 * The forum posts (threads) started in a forum channel, oldest first, each with its starter message (same id as
	 * the thread) as it is now; a post whose thread was deleted is left out.
	 */
	forumPosts(forumId: string): { thread: Json; message: FakeMessage | undefined }[] {
		const found = this.#findChannel(forumId);
		if (!found) throw new FakeDiscordError(`FakeDiscord: unknown channel ${forumId}`);
		return [...found.guild.channels.values()]
			.filter((c) => c.parent_id === forumId && [10, 11, 12].includes(c.type))
			.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1))
			.map((c) => ({ thread: structuredClone(c), message: this.#messages.get(c.id) }));
	}

	/**
	 * Moves the fake's clock on by `ms` for what Discord remembers only for a while: a nonce sent with `enforce_nonce`
	 * is forgotten once {@link FakeDiscordOptions.nonceWindowMs} has passed on this clock. Message timestamps and ids
	 * keep the real time.
	 */
	passTime(ms: number): void {
		this.#clockOffsetMs += ms;
	}

	#channelMessage(r: Recorded, channelId: string, messageId: string, body: Json): Reply {
		const access = this.#access(channelId, r.method === 'GET' ? P.ReadMessageHistory : 0n);
		if ('status' in access) return access;
		const message = this.#messages.get(messageId);
		if (message?.channel_id !== channelId) return unknownMessage();
		const own = message.author.id === this.botUserId;
		switch (r.method) {
			case 'GET':
				return { status: 200, body: storedMessage(message) };
			case 'PATCH': {
				if (!own) return apiError(403, 50005, 'Cannot edit a message authored by another user');
				const errors = validateMessage(body);
				if (errors.length > 0) return formErrorReply(errors);
				this.#editMessage(message, body, r.files);
				return { status: 200, body: message };
			}
			case 'DELETE': {
				if (!own) {
					const denied = this.#access(channelId, P.ManageMessages);
					if ('status' in denied) return denied;
				}
				this.#messages.delete(messageId);
				return { status: 204 };
			}
			default:
				return apiError(405, 0, '405: Method Not Allowed');
		}
	}

	#crosspost(channelId: string, messageId: string): Reply {
		const access = this.#access(channelId, P.SendMessages);
		if ('status' in access) return access;
		if (access.channel.type !== 5) return apiError(400, 50024, 'Cannot execute action on this channel type');
		const message = this.#messages.get(messageId);
		if (message?.channel_id !== channelId) return unknownMessage();
		if (message.author.id !== this.botUserId) {
			const denied = this.#access(channelId, P.SendMessages | P.ManageMessages);
			if ('status' in denied) return denied;
		}
		if ((message.flags & FLAG_CROSSPOSTED) !== 0)
			return apiError(400, 40033, 'This message has already been crossposted.');
		message.flags |= FLAG_CROSSPOSTED;
		return { status: 200, body: message };
	}

	#createThread(r: Recorded, channelId: string, body: Json): Reply {
		const found = this.#findChannel(channelId);
		const isForum = found !== undefined && [15, 16].includes(found.channel.type);
		const access = this.#access(channelId, isForum ? P.SendMessages : P.CreatePublicThreads);
		if ('status' in access) return access;
		const errors: FormError[] = [];
		maxLength(errors, 'name', body.name, 100, 1);
		const starter = isObject(body.message) ? body.message : undefined;
		if (isForum) {
			if (!starter) errors.push({ path: 'message', code: 'BASE_TYPE_REQUIRED', message: 'This field is required' });
			else errors.push(...validateMessage(starter, 'message'));
			const tags = Array.isArray(body.applied_tags) ? body.applied_tags.map(String) : [];
			const known = objects(access.channel.available_tags).map((t) => String(t.id));
			if (tags.length > 5)
				errors.push({ path: 'applied_tags', code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 5 or fewer in length.' });
			tags.forEach((tag, i) => {
				if (!known.includes(tag))
					errors.push({
						path: `applied_tags.${i}`,
						code: 'BASE_TYPE_CHOICES',
						message: `Value "${tag}" is not a valid tag.`,
					});
			});
		}
		if (errors.length > 0) return formErrorReply(errors);
		if (isForum && starter && isEmptyMessage(starter, r.files))
			return apiError(400, 50006, 'Cannot send an empty message');
		const now = new Date().toISOString();
		const threadId = snowflake();
		const thread: ChannelPayload = {
			id: threadId,
			guild_id: access.guild.info.id,
			parent_id: channelId,
			owner_id: this.botUserId,
			name: String(body.name),
			type: isForum ? 11 : Number(body.type ?? 11),
			last_message_id: isForum ? threadId : null,
			rate_limit_per_user: Number(body.rate_limit_per_user ?? 0),
			message_count: 0,
			member_count: 1,
			total_message_sent: isForum ? 1 : 0,
			flags: 0,
			applied_tags: Array.isArray(body.applied_tags) ? body.applied_tags.map(String) : [],
			thread_metadata: {
				archived: false,
				auto_archive_duration: Number(body.auto_archive_duration ?? 1440),
				archive_timestamp: now,
				locked: false,
				create_timestamp: now,
			},
		};
		access.guild.channels.set(threadId, thread);
		const response: Json = {
			...structuredClone(thread),
			member: { id: threadId, user_id: this.botUserId, join_timestamp: now, flags: 0 },
		};
		if (isForum && starter) {
			const message = this.#makeMessage(threadId, starter, r.files);
			message.id = threadId; // a forum post's starter message shares the thread's id
			message.flags &= ~FLAG_EPHEMERAL;
			this.#store(message, true);
			response.message = message;
		}
		this.dispatch('THREAD_CREATE', { ...structuredClone(thread), newly_created: true });
		return { status: 201, body: response };
	}

	#callback(r: Recorded, id: string, token: string, body: Json): Reply {
		const interaction = this.#interactions.get(id);
		if (interaction?.token !== token) return unknownInteraction();
		const deadline = this.#options.interactionDeadlineMs ?? INTERACTION_DEADLINE_MS;
		if (deadline !== false && r.at - interaction.dispatchedAt > deadline) return unknownInteraction();
		if (interaction.callbackType !== undefined)
			return apiError(400, 40060, 'Interaction has already been acknowledged.');
		const type = Number(body.type);
		const data = isObject(body.data) ? body.data : {};
		const allowed = interaction.type === 4 ? [8] : interaction.type === 3 ? [4, 5, 6, 7, 9] : [4, 5, 9];
		if (!allowed.includes(type))
			return formErrorReply([
				{
					path: 'type',
					code: 'INTERACTION_CALLBACK_TYPE_INVALID',
					message: `Callback type ${type} is not valid here.`,
				},
			]);
		let message: FakeMessage | undefined;
		if (type === 4 || type === 7) {
			const errors = validateMessage(data, 'data');
			if (errors.length > 0) return formErrorReply(errors);
			if (type === 4 && isEmptyMessage(data, r.files)) return apiError(400, 50006, 'Cannot send an empty message');
		}
		if (type === 8) {
			const errors = validateChoices(data.choices);
			if (errors.length > 0) return formErrorReply(errors);
		}
		if (type === 4 || type === 5) {
			message = this.#makeMessage(
				interaction.channelId,
				type === 4 ? data : { flags: data.flags },
				type === 4 ? r.files : [],
			);
			if (type === 5) {
				message.flags |= FLAG_LOADING;
				interaction.loading = true;
			}
			this.#asInteractionReply(message, interaction);
			this.#store(message, false);
			interaction.originalMessageId = message.id;
		} else if (type === 7 || type === 6) {
			message =
				interaction.originalMessageId === undefined ? undefined : this.#messages.get(interaction.originalMessageId);
			if (type === 7 && message) this.#editMessage(message, data, r.files);
		}
		interaction.callbackType = type;
		if (r.query.get('with_response') !== 'true') return { status: 204 };
		const resource: Json = { type };
		if (message && type !== 6) resource.message = message;
		return {
			status: 200,
			body: {
				interaction: {
					id,
					type: interaction.type,
					response_message_id: message?.id,
					response_message_loading: type === 5,
					response_message_ephemeral: message ? (message.flags & FLAG_EPHEMERAL) !== 0 : false,
				},
				resource,
			},
		};
	}

	#asInteractionReply(message: FakeMessage, interaction: InteractionState): void {
		message.webhook_id = this.applicationId;
		message.application_id = this.applicationId;
		message.type = interaction.type === 2 ? 20 : 0;
		message.interaction_metadata = {
			id: interaction.id,
			type: interaction.type,
			user: interaction.user,
			authorizing_integration_owners: { '0': interaction.guildId },
			...(interaction.commandName === undefined ? {} : { name: interaction.commandName }),
		};
	}

	#interactionForWebhook(applicationId: string, token: string): InteractionState | Reply {
		if (applicationId !== this.applicationId) return unknownWebhook();
		for (const interaction of this.#interactions.values()) if (interaction.token === token) return interaction;
		return apiError(401, 50027, 'Invalid Webhook Token');
	}

	#followup(r: Recorded, applicationId: string, token: string, body: Json): Reply {
		const interaction = this.#interactionForWebhook(applicationId, token);
		if ('status' in interaction) return interaction;
		if (interaction.callbackType === undefined || interaction.callbackType === 8) return unknownWebhook();
		const errors = validateMessage(body);
		if (errors.length > 0) return formErrorReply(errors);
		if (isEmptyMessage(body, r.files)) return apiError(400, 50006, 'Cannot send an empty message');
		// The first follow-up after a deferred reply fills the "thinking" message (keeping its ephemeral flag).
		const original =
			interaction.originalMessageId === undefined ? undefined : this.#messages.get(interaction.originalMessageId);
		if (interaction.loading && original) {
			interaction.loading = false;
			this.#editMessage(original, body, r.files);
			original.edited_timestamp = null;
			return { status: 200, body: original };
		}
		const message = this.#makeMessage(interaction.channelId, body, r.files);
		this.#asInteractionReply(message, interaction);
		this.#store(message, false);
		interaction.followups.add(message.id);
		return { status: 200, body: message };
	}

	#webhookMessage(r: Recorded, applicationId: string, token: string, messageRef: string, body: Json): Reply {
		const interaction = this.#interactionForWebhook(applicationId, token);
		if ('status' in interaction) return interaction;
		const messageId = messageRef === '@original' ? interaction.originalMessageId : messageRef;
		if (messageId === undefined || interaction.callbackType === undefined) return unknownWebhook();
		if (messageRef !== '@original' && !interaction.followups.has(messageId)) return unknownMessage();
		const message = this.#messages.get(messageId);
		if (!message) return unknownMessage();
		switch (r.method) {
			case 'GET':
				return { status: 200, body: message };
			case 'PATCH': {
				const errors = validateMessage(body);
				if (errors.length > 0) return formErrorReply(errors);
				if (messageRef === '@original') interaction.loading = false;
				this.#editMessage(message, body, r.files);
				return { status: 200, body: message };
			}
			case 'DELETE':
				this.#messages.delete(messageId);
				return { status: 204 };
			default:
				return apiError(405, 0, '405: Method Not Allowed');
		}
	}

	#commands(r: Recorded, applicationId: string, guildId: string | undefined, commandId: string | undefined): Reply {
		if (applicationId !== this.applicationId) return apiError(403, 50001, 'Missing Access');
		if (guildId !== undefined) {
			const guild = this.#guilds.get(guildId);
			if (!guild) return apiError(404, 10004, 'Unknown Guild');
			if (guild.removed) return missingAccess();
		}
		const current = guildId === undefined ? this.#globalCommands : (this.#guildCommands.get(guildId) ?? []);
		const save = (list: RegisteredCommand[]) => {
			if (guildId === undefined) this.#globalCommands.splice(0, this.#globalCommands.length, ...list);
			else this.#guildCommands.set(guildId, list);
		};
		const toRegistered = (command: Json): RegisteredCommand => {
			const type = Number(command.type ?? 1);
			const name = String(command.name);
			// Discord keeps a command's id when an overwrite carries the same name and type.
			const same = current.find((c) => c.name === name && c.type === type);
			const registered: RegisteredCommand = {
				id: same?.id ?? snowflake(),
				application_id: this.applicationId,
				version: snowflake(),
				type,
				name,
				name_localizations: command.name_localizations ?? null,
				description: typeof command.description === 'string' ? command.description : '',
				description_localizations: command.description_localizations ?? null,
				default_member_permissions:
					command.default_member_permissions === undefined ? null : command.default_member_permissions,
				dm_permission: command.dm_permission ?? true,
				nsfw: command.nsfw ?? false,
				contexts: command.contexts ?? null,
				integration_types: command.integration_types ?? [0],
			};
			if (Array.isArray(command.options)) registered.options = structuredClone(objects(command.options));
			if (guildId !== undefined) registered.guild_id = guildId;
			return registered;
		};
		if (commandId === undefined && r.method === 'GET') return { status: 200, body: current };
		if (commandId === undefined && r.method === 'PUT') {
			const list = objects(r.body);
			if (!Array.isArray(r.body))
				return formErrorReply([{ path: '', code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' }]);
			if (list.length > 100)
				return formErrorReply([{ path: '', code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 100 or fewer in length.' }]);
			const errors = validateCommands(list);
			if (errors.length > 0) return formErrorReply(errors);
			const registered = list.map(toRegistered);
			save(registered);
			return { status: 200, body: registered };
		}
		if (commandId === undefined && r.method === 'POST') {
			const command = isObject(r.body) ? r.body : {};
			const errors = validateCommands([command]);
			if (errors.length > 0) return formErrorReply(errors);
			const registered = toRegistered(command);
			const existed = current.some((c) => c.id === registered.id);
			save([...current.filter((c) => c.id !== registered.id), registered]);
			return { status: existed ? 200 : 201, body: registered };
		}
		const existing = current.find((c) => c.id === commandId);
		if (!existing) return apiError(404, 10063, 'Unknown application command');
		if (r.method === 'GET') return { status: 200, body: existing };
		if (r.method === 'DELETE') {
			save(current.filter((c) => c.id !== commandId));
			return { status: 204 };
		}
		return apiError(405, 0, '405: Method Not Allowed');
	}
}
