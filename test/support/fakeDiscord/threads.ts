import { isObject, maxLength, objects, validateMessage, type FormError, type Json } from '../discordLimits.js';
import { dispatch } from './gateway.js';
import { apiError, formErrorReply, isEmptyMessage, missingAccess, snowflake, type Recorded } from './http.js';
import { makeMessage, store } from './messages.js';
import { FLAG_EPHEMERAL, P, type FakeState } from './state.js';
import type { ChannelPayload, Reply } from './types.js';

/* REST: threads and forum posts (start, list active, list archived public). */

export function createThread(s: FakeState, r: Recorded, channelId: string, body: Json): Reply {
	const found = s.findChannel(channelId);
	const isForum = found !== undefined && [15, 16].includes(found.channel.type);
	const access = s.access(channelId, isForum ? P.SendMessages : P.CreatePublicThreads);
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
		owner_id: s.botUserId,
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
		member: { id: threadId, user_id: s.botUserId, join_timestamp: now, flags: 0 },
	};
	if (isForum && starter) {
		const message = makeMessage(s, threadId, starter, r.files);
		message.id = threadId; // a forum post's starter message shares the thread's id
		message.flags &= ~FLAG_EPHEMERAL;
		store(s, message, true);
		response.message = message;
	}
	dispatch(s, 'THREAD_CREATE', { ...structuredClone(thread), newly_created: true });
	return { status: 201, body: response };
}

/**
 * Discord docs, "List Active Guild Threads": `{threads, members}`, every active (not archived) thread of the guild
 * the bot can see, newest first; `members` holds the bot's thread member object for the threads it has joined (the
 * fake: the threads it started).
 */
export function activeThreads(s: FakeState, guildId: string): Reply {
	const guild = s.guilds.get(guildId);
	if (!guild) return apiError(404, 10004, 'Unknown Guild');
	if (guild.removed) return missingAccess();
	const threads = [...guild.channels.values()]
		.filter((c) => [10, 11, 12].includes(c.type))
		.filter((c) => !(isObject(c.thread_metadata) && c.thread_metadata.archived === true))
		.filter((c) => (s.permissions(guild, c, s.botUserId) & P.ViewChannel) === P.ViewChannel)
		.sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
	const members = threads
		.filter((c) => c.owner_id === s.botUserId)
		.map((c) => ({
			id: c.id,
			user_id: s.botUserId,
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
export function archivedPublicThreads(s: FakeState, r: Recorded, channelId: string): Reply {
	const access = s.access(channelId, P.ReadMessageHistory);
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
		.filter((c) => c.owner_id === s.botUserId)
		.map((c) => ({ id: c.id, user_id: s.botUserId, join_timestamp: new Date().toISOString(), flags: 0 }));
	return {
		status: 200,
		body: { threads: threads.map((c) => structuredClone(c)), members, has_more: archived.length > limit },
	};
}
