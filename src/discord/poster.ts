/**
 * The channel poster: sends what the release feed decided (`services/announcements/delivery.ts`, interface
 * {@link Poster}) with discord.js's REST client, using the channel type stored with each subscription, so posting
 * needs no gateway cache. Follows the Discord docs: "Create Message" (nonce, enforce_nonce, allowed_mentions),
 * "Start Thread in Forum or Media Channel", "Crosspost Message", "Get Channel", "JSON Error Codes".
 */
import {
	DiscordAPIError,
	RESTJSONErrorCodes,
	Routes,
	type APIChannel,
	type APIMessage,
	type APIThreadChannel,
	type REST,
} from 'discord.js';
import type { MessagePayload } from '../render/fit.js';
import { truncate } from '../render/limits.js';
import type { PostFailure, Poster } from '../services/announcements/delivery.js';

/** Only the subscription's role may be pinged, whatever the text says. */
function body(message: MessagePayload, roleId: string | undefined) {
	return {
		...(message.content === undefined ? {} : { content: message.content }),
		embeds: message.embeds,
		components: message.components,
		allowed_mentions: { parse: [], roles: roleId ? [roleId] : [] },
	};
}

/** {@link Poster} over discord.js REST. */
export class DiscordPoster implements Poster<MessagePayload> {
	readonly #rest: REST;

	constructor(rest: REST) {
		this.#rest = rest;
	}

	async channelType(channelId: string): Promise<number> {
		const channel = (await this.#rest.get(Routes.channel(channelId))) as APIChannel;
		return channel.type;
	}

	async send(
		channelId: string,
		message: MessagePayload,
		options: { nonce: string; roleId?: string },
	): Promise<{ messageId: string }> {
		const created = (await this.#rest.post(Routes.channelMessages(channelId), {
			body: { ...body(message, options.roleId), nonce: options.nonce, enforce_nonce: true },
		})) as APIMessage;
		return { messageId: created.id };
	}

	async startForumPost(
		forumId: string,
		post: { name: string; message: MessagePayload; roleId?: string },
	): Promise<{ threadId: string }> {
		const thread = (await this.#rest.post(Routes.threads(forumId), {
			body: { name: truncate(post.name, 100), message: body(post.message, post.roleId) },
		})) as APIThreadChannel;
		return { threadId: thread.id };
	}

	async crosspost(channelId: string, messageId: string): Promise<void> {
		await this.#rest.post(Routes.channelMessageCrosspost(channelId, messageId));
	}

	/** 403 and Missing Access/Permissions: forbidden; 404 and Unknown Channel: gone; 400: refused; else retry. */
	classify(error: unknown): PostFailure {
		if (!(error instanceof DiscordAPIError)) {
			return { kind: 'retry', reason: error instanceof Error ? truncate(error.message, 1_024) : String(error) };
		}
		if (error.code === RESTJSONErrorCodes.MissingAccess)
			return { kind: 'forbidden', reason: 'Missing Access: the bot cannot see the channel' };
		if (error.code === RESTJSONErrorCodes.MissingPermissions)
			return { kind: 'forbidden', reason: 'Missing Permissions: the bot cannot post there' };
		if (error.code === RESTJSONErrorCodes.UnknownChannel || error.status === 404)
			return { kind: 'gone', reason: 'Unknown Channel: the channel is gone' };
		if (error.status === 403)
			return { kind: 'forbidden', reason: `Forbidden (${error.code}): ${truncate(error.message, 100)}` };
		if (error.status === 400) return { kind: 'refused', reason: truncate(error.message, 1_024) };
		return { kind: 'retry', reason: truncate(error.message, 1_024) };
	}
}
