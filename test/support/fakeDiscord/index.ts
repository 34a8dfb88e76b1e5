import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { isObject, type Json } from '../discordLimits.js';
import { faultReply, globalLimit } from './faults.js';
import { dispatch, onConnection } from './gateway.js';
import { buildGuild } from './guilds.js';
import { API_PREFIX, apiError, parseMultipart, Recorded, rejected, snowflake } from './http.js';
import {
	callback,
	dispatchCommand,
	dispatchInteraction,
	followup,
	originalMessage,
	putGuildCommands,
} from './interactions.js';
import { createMessage, crosspost, getMessage, listMessages, makeMessage } from './messages.js';
import { FakeState } from './state.js';
import { activeThreads, archivedPublicThreads, createThread } from './threads.js';
import {
	FakeDiscordError,
	type AutocompleteInvocation,
	type ChatInputInvocation,
	type ComponentInvocation,
	type DispatchedInteraction,
	type FakeChannelIds,
	type FakeDiscordOptions,
	type FakeFault,
	type FakeGuildInfo,
	type FakeMessage,
	type InteractionReply,
	type RecordedFile,
	type RecordedRequest,
	type Reply,
	type Waiter,
} from './types.js';

/*
 * A fake Discord (REST + gateway) on 127.0.0.1 for end-to-end tests of the real, unmodified discord.js 14 Client.
 * Behaviour follows the Discord developer docs (Gateway, Interactions, Channel/Message resources, Rate Limits,
 * Opcodes and Status Codes) and what discord.js 14.28 / @discordjs/rest 2.6 / @discordjs/ws 1.2 send, read in
 * node_modules. See ../shared/discord-testing.md.
 *
 * Files: this one holds the class, the HTTP server and the route table; ./gateway.ts the gateway; ./messages.ts,
 * ./threads.ts and ./interactions.ts the REST routes by area; ./guilds.ts the guild fixtures; ./faults.ts injected
 * faults and the global rate limit; ./state.ts what the fake knows; ./http.ts replies and request parsing;
 * ./types.ts the shapes. Only the routes the bot calls are served; any other answers 404.
 */

export { shardOf } from './gateway.js';
export {
	FakeDiscordError,
	type AutocompleteInvocation,
	type ChatInputInvocation,
	type ComponentInvocation,
	type DispatchedInteraction,
	type FakeChannelIds,
	type FakeDiscordOptions,
	type FakeFault,
	type FakeGuild,
	type FakeGuildInfo,
	type FakeMessage,
	type FakeUserKind,
	type InteractionReply,
	type RecordedFile,
	type RecordedRequest,
} from './types.js';

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
	readonly applicationId: string;
	/** The bot user's id (READY `user.id`), a member of every guild with the managed bot role. */
	readonly botUserId: string;
	/** The only token the fake accepts (`Authorization: Bot fake-token`, IDENTIFY). */
	readonly token: string;
	/** Guild owner with the Admin role (Administrator, Manage Channels, Manage Guild). */
	readonly adminUserId: string;
	/** A member with only @everyone's basic permissions. */
	readonly memberUserId: string;
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
	readonly #s: FakeState;
	/** Answers held back by a `hang` fault, ended when the fake closes. */
	readonly #hanging = new Set<ServerResponse>();
	readonly #waiters = new Set<Waiter>();
	#faults: (FakeFault & { remaining: number })[] = [];
	#closing: Promise<void> | undefined;

	private constructor(server: Server, wss: WebSocketServer, port: number, options: FakeDiscordOptions) {
		this.#server = server;
		this.#wss = wss;
		this.apiUrl = `http://127.0.0.1:${port}/api`;
		this.gatewayUrl = `ws://127.0.0.1:${port}`;
		const s = new FakeState(options, this.apiUrl, this.gatewayUrl);
		this.#s = s;
		this.applicationId = s.applicationId;
		this.botUserId = s.botUserId;
		this.token = s.token;
		this.adminUserId = s.adminUserId;
		this.memberUserId = s.memberUserId;
		const specs = options.guilds?.length ? options.guilds : [{}];
		this.guilds = specs.map((spec, i) => buildGuild(s, spec, i));
		const first = this.guilds[0]!;
		this.guildId = first.id;
		s.guildId = first.id;
		this.channels = first.channels;
		server.on('request', (req: IncomingMessage, res: ServerResponse) => {
			void this.#onRequest(req, res);
		});
		wss.on('connection', (socket) => {
			onConnection(s, socket);
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
		return [...(this.#s.created.get(channelId) ?? [])];
	}

	/** The current `@original` message of an interaction (after edits), if it has one. */
	replyMessage(interactionId: string): FakeMessage | undefined {
		const id = this.#s.interactions.get(interactionId)?.originalMessageId;
		return id === undefined ? undefined : this.#s.messages.get(id);
	}

	/** A copy of a channel's API object as the fake holds it (e.g. to modify and dispatch as CHANNEL_UPDATE). */
	channelPayload(channelId: string): Json {
		const channel = this.#s.findChannel(channelId)?.channel;
		if (!channel) throw new FakeDiscordError(`FakeDiscord: unknown channel ${channelId}`);
		return structuredClone(channel);
	}

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
	 * without `unavailable` marks the bot removed (REST then answers 403 50001).
	 */
	dispatch(event: string, data: unknown): void {
		dispatch(this.#s, event, data);
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
		for (const socket of this.#s.sockets) socket.close(code, 'dropped by test');
	}

	/**
	 * Dispatches a chat input command (INTERACTION_CREATE type 2) with a complete payload.
	 * @returns the interaction's id and token
	 * @throws FakeDiscordError when no gateway session receives the guild
	 */
	async chatInput(command: ChatInputInvocation): Promise<DispatchedInteraction> {
		return dispatchCommand(this.#s, 2, command, undefined);
	}

	/** Dispatches an autocomplete interaction (type 4); the focused option carries `focused: true`. */
	async autocomplete(command: AutocompleteInvocation): Promise<DispatchedInteraction> {
		return dispatchCommand(this.#s, 4, command, command.focused);
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
		}
		const guild = this.#s.guild(options.guildId ?? this.#s.channelGuild(message?.channel_id) ?? this.guildId);
		const channelId = options.channelId ?? message?.channel_id ?? guild.info.channels.text;
		if (!message) {
			message = makeMessage(this.#s, channelId, {
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
			this.#s.messages.set(message.id, message);
		}
		const data: Json = { custom_id: options.customId, component_type: options.componentType };
		if (options.componentType === 3) data.values = options.values ?? [];
		return dispatchInteraction(this.#s, 3, guild, channelId, options.user ?? 'member', data, undefined, message);
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
		const token = this.#s.interactions.get(id)?.token ?? '';
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

	/**
	 * The forum posts (threads) started in a forum channel, oldest first, each with its starter message (same id as
	 * the thread) as it is now; a post whose thread was deleted is left out.
	 */
	forumPosts(forumId: string): { thread: Json; message: FakeMessage | undefined }[] {
		const found = this.#s.findChannel(forumId);
		if (!found) throw new FakeDiscordError(`FakeDiscord: unknown channel ${forumId}`);
		return [...found.guild.channels.values()]
			.filter((c) => c.parent_id === forumId && [10, 11, 12].includes(c.type))
			.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1))
			.map((c) => ({ thread: structuredClone(c), message: this.#s.messages.get(c.id) }));
	}

	/**
	 * Moves the fake's clock on by `ms` for what Discord remembers only for a while: a nonce sent with `enforce_nonce`
	 * is forgotten once 5 minutes have passed on this clock. Message timestamps and ids
	 * keep the real time.
	 */
	passTime(ms: number): void {
		this.#s.clockOffsetMs += ms;
	}

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
		this.#s.attachments.set(id, {
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
		for (const socket of this.#s.sockets) socket.terminate();
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

	#serveAttachment(method: string, url: URL, req: IncomingMessage, res: ServerResponse): void {
		const id = url.pathname.split('/')[3] ?? '';
		const attachment = this.#s.attachments.get(id);
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
			return faultReply(fault);
		}
		// Interaction callbacks and interaction webhooks carry no Authorization and skip the global limit.
		const exempt = /^\/interactions\/\d+\/[^/]+\/callback$/.test(r.path) || /^\/webhooks\/\d+\/[^/]+/.test(r.path);
		if (!exempt) {
			if (r.headers.authorization !== `Bot ${this.token}`) return apiError(401, 0, '401: Unauthorized');
			const limited = globalLimit(this.#s);
			if (limited) return limited;
		}
		const m = (method: string, pattern: RegExp): string[] | undefined => {
			if (r.method !== method) return undefined;
			const match = pattern.exec(r.path);
			return match ? match.slice(1) : undefined;
		};
		const s = this.#s;
		const body = isObject(r.body) ? r.body : {};
		let p: string[] | undefined;
		if (m('GET', /^\/gateway\/bot$/)) {
			return {
				status: 200,
				body: {
					url: this.gatewayUrl,
					shards: s.options.shardCount ?? 1,
					session_start_limit: {
						total: 1000,
						remaining: 999,
						reset_after: 14_400_000,
						max_concurrency: s.options.maxConcurrency ?? 1,
					},
				},
			};
		}
		if (m('GET', /^\/applications\/@me$/)) return { status: 200, body: this.#application() };
		if ((p = m('POST', /^\/interactions\/(\d+)\/([^/]+)\/callback$/))) return callback(s, r, p[0]!, p[1]!, body);
		if ((p = m('POST', /^\/webhooks\/(\d+)\/([^/]+)$/))) return followup(s, r, p[0]!, p[1]!, body);
		if ((p = m('PATCH', /^\/webhooks\/(\d+)\/([^/]+)\/messages\/@original$/)))
			return originalMessage(s, r, p[0]!, p[1]!, body);
		if ((p = m('DELETE', /^\/webhooks\/(\d+)\/([^/]+)\/messages\/@original$/)))
			return originalMessage(s, r, p[0]!, p[1]!, body);
		if ((p = m('PUT', /^\/applications\/(\d+)\/guilds\/(\d+)\/commands$/))) return putGuildCommands(s, r, p[0]!, p[1]!);
		if ((p = m('POST', /^\/channels\/(\d+)\/messages$/))) return createMessage(s, r, p[0]!, body);
		if ((p = m('GET', /^\/channels\/(\d+)\/messages$/))) return listMessages(s, r, p[0]!);
		if ((p = m('GET', /^\/guilds\/(\d+)\/threads\/active$/))) return activeThreads(s, p[0]!);
		if ((p = m('GET', /^\/channels\/(\d+)\/threads\/archived\/public$/))) return archivedPublicThreads(s, r, p[0]!);
		if ((p = m('POST', /^\/channels\/(\d+)\/messages\/(\d+)\/crosspost$/))) return crosspost(s, p[0]!, p[1]!);
		if ((p = m('GET', /^\/channels\/(\d+)\/messages\/(\d+)$/))) return getMessage(s, p[0]!, p[1]!);
		if ((p = m('POST', /^\/channels\/(\d+)\/threads$/))) return createThread(s, r, p[0]!, body);
		if ((p = m('GET', /^\/channels\/(\d+)$/))) {
			const access = s.access(p[0]!, 0n);
			return 'status' in access ? access : { status: 200, body: access.channel };
		}
		return apiError(404, 0, '404: Not Found');
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
			owner: this.#s.users.admin,
			bot: this.#s.users.bot,
			integration_types_config: { '0': {} },
			approximate_guild_count: this.#s.guilds.size,
		};
	}
}
