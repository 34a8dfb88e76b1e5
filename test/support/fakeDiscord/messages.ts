import { isObject, objects, validateMessage, type Json } from '../discordLimits.js';
import {
	apiError,
	formErrorReply,
	isEmptyMessage,
	snowflake,
	storedMessage,
	unknownMessage,
	type Recorded,
} from './http.js';
import { FLAG_COMPONENTS_V2, FLAG_CROSSPOSTED, FLAG_EPHEMERAL, FLAG_LOADING, P, type FakeState } from './state.js';
import type { FakeMessage, RecordedFile, Reply } from './types.js';

/* REST: channel messages (create with the nonce window, read, history, crosspost) and the message model. */

/**
 * How long a nonce sent with `enforce_nonce` is remembered (Discord docs, "Create Message": unique "in the past few
 * minutes"; the exact time is not documented). Tests move the fake's clock on with {@link FakeDiscord.passTime}.
 */
const NONCE_WINDOW_MS = 5 * 60_000;

export function makeMessage(
	s: FakeState,
	channelId: string,
	data: Json,
	files: readonly RecordedFile[] = [],
): FakeMessage {
	const keepFlags =
		(1 << 2) /* SUPPRESS_EMBEDS */ | (1 << 12) /* SUPPRESS_NOTIFICATIONS */ | FLAG_COMPONENTS_V2 | FLAG_EPHEMERAL;
	const message: FakeMessage = {
		id: snowflake(),
		channel_id: channelId,
		type: 0,
		author: s.users.bot,
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

export function editMessage(s: FakeState, message: FakeMessage, data: Json, files: readonly RecordedFile[]): void {
	if ('content' in data) message.content = typeof data.content === 'string' ? data.content : '';
	if ('embeds' in data) message.embeds = objects(data.embeds).map((e) => ({ type: 'rich', ...structuredClone(e) }));
	if ('components' in data) message.components = structuredClone(objects(data.components));
	if (typeof data.flags === 'number') message.flags = (message.flags & ~(1 << 2)) | (data.flags & (1 << 2));
	if (files.length > 0 || Array.isArray(data.attachments)) {
		const kept = objects(message.attachments).filter((a) =>
			objects(data.attachments).some((b) => String(b.id) === String(a.id)),
		);
		const added = makeMessage(s, message.channel_id, {}, files).attachments as Json[];
		message.attachments = [...kept, ...added];
	}
	message.flags &= ~FLAG_LOADING;
	message.edited_timestamp = new Date().toISOString();
}

export function store(s: FakeState, message: FakeMessage, channelMessage: boolean): void {
	s.messages.set(message.id, message);
	if (!channelMessage) return;
	const list = s.created.get(message.channel_id) ?? [];
	list.push(message);
	s.created.set(message.channel_id, list);
	const channel = s.findChannel(message.channel_id)?.channel;
	if (channel) channel.last_message_id = message.id;
}

export function createMessage(s: FakeState, r: Recorded, channelId: string, body: Json): Reply {
	const found = s.findChannel(channelId);
	if (found && [4, 13, 15, 16].includes(found.channel.type))
		return apiError(400, 50008, 'Cannot send messages in a non-text channel');
	const isThread = found !== undefined && [10, 11, 12].includes(found.channel.type);
	const access = s.access(channelId, isThread ? P.SendMessagesInThreads : P.SendMessages);
	if ('status' in access) return access;
	const errors = validateMessage(body);
	const nonceKey = typeof body.nonce === 'string' || typeof body.nonce === 'number' ? String(body.nonce) : undefined;
	if (nonceKey !== undefined && nonceKey.length > 25)
		errors.push({ path: 'nonce', code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' });
	if (errors.length > 0) return formErrorReply(errors);
	if (isEmptyMessage(body, r.files)) return apiError(400, 50006, 'Cannot send an empty message');
	// Discord: with enforce_nonce, a nonce reused by the same author within a few minutes returns the earlier message.
	if (nonceKey !== undefined && body.enforce_nonce === true) {
		const seen = s.nonces.get(nonceKey);
		const now = r.at + s.clockOffsetMs;
		const earlier = seen && now - seen.at < NONCE_WINDOW_MS ? s.messages.get(seen.messageId) : undefined;
		if (earlier) return { status: 200, body: earlier };
	}
	const message = makeMessage(s, channelId, body, r.files);
	message.flags &= ~FLAG_EPHEMERAL;
	store(s, message, true);
	if (nonceKey !== undefined && body.enforce_nonce === true)
		s.nonces.set(nonceKey, { messageId: message.id, at: r.at + s.clockOffsetMs });
	return { status: 200, body: message };
}

/**
 * Discord docs, "Get Channel Messages": newest first; `limit` 1-100 (default 50); `before`/`after`/`around` a
 * message id (mutually exclusive); VIEW_CHANNEL needed, and without READ_MESSAGE_HISTORY no messages are returned.
 * Messages come as stored: no `nonce` (Discord keeps it only for the create answer and MESSAGE_CREATE).
 */
export function listMessages(s: FakeState, r: Recorded, channelId: string): Reply {
	const access = s.access(channelId, 0n);
	if ('status' in access) return access;
	const limitParam = r.query.get('limit');
	const limit = limitParam === null ? 50 : Number(limitParam);
	if (!Number.isInteger(limit) || limit < 1 || limit > 100)
		return formErrorReply([{ path: 'limit', code: 'NUMBER_TYPE_MAX', message: 'Must be between 1 and 100.' }]);
	const anchors = (['before', 'after', 'around'] as const).filter((key) => r.query.has(key));
	if (anchors.length > 1) return apiError(400, 50035, 'Invalid Form Body');
	const permissions = s.permissions(access.guild, access.channel, s.botUserId);
	if ((permissions & P.ReadMessageHistory) !== P.ReadMessageHistory) return { status: 200, body: [] };
	const id = (m: FakeMessage) => BigInt(m.id);
	const oldestFirst = [...(s.created.get(channelId) ?? [])]
		.filter((m) => s.messages.has(m.id))
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

/** `GET /channels/{channel}/messages/{message}`: the stored message (without its `nonce`); needs READ_MESSAGE_HISTORY. */
export function getMessage(s: FakeState, channelId: string, messageId: string): Reply {
	const access = s.access(channelId, P.ReadMessageHistory);
	if ('status' in access) return access;
	const message = s.messages.get(messageId);
	if (message?.channel_id !== channelId) return unknownMessage();
	return { status: 200, body: storedMessage(message) };
}

export function crosspost(s: FakeState, channelId: string, messageId: string): Reply {
	const access = s.access(channelId, P.SendMessages);
	if ('status' in access) return access;
	if (access.channel.type !== 5) return apiError(400, 50024, 'Cannot execute action on this channel type');
	const message = s.messages.get(messageId);
	if (message?.channel_id !== channelId) return unknownMessage();
	if (message.author.id !== s.botUserId) {
		const denied = s.access(channelId, P.SendMessages | P.ManageMessages);
		if ('status' in denied) return denied;
	}
	if ((message.flags & FLAG_CROSSPOSTED) !== 0)
		return apiError(400, 40033, 'This message has already been crossposted.');
	message.flags |= FLAG_CROSSPOSTED;
	return { status: 200, body: message };
}
