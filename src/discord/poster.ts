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
import type { PostProblem, Poster } from '../services/announcements/delivery.js';
import type { PostFailure } from '../services/announcements/refusals.js';
import { postFailureOf } from './postFailure.js';
import { PostLookup } from './postLookup.js';

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
	readonly #forumRest: REST;
	readonly #botUserId: () => string | undefined;

	/**
	 * @param options.rest the client's REST (`client.rest`), holding the token.
	 * @param options.forumRest a REST with `retries: 0` for starting forum posts: @discordjs/rest retries a request
	 *   after a reset connection or a timeout, which for a forum post (no nonce) opens a second one; without retries
	 *   an unknown outcome surfaces and the next pass looks for the post first. Default `rest`.
	 * @param options.botUserId the bot user's id once logged in (only its own posts are looked for).
	 */
	constructor(options: { rest: REST; forumRest?: REST; botUserId: () => string | undefined }) {
		this.#rest = options.rest;
		this.#forumRest = options.forumRest ?? options.rest;
		this.#botUserId = options.botUserId;
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
		const thread = (await this.#forumRest.post(Routes.threads(forumId), {
			body: { name: truncate(post.name, 100), message: body(post.message, post.roleId) },
		})) as APIThreadChannel;
		return { threadId: thread.id };
	}

	async crosspost(channelId: string, messageId: string): Promise<void> {
		await this.#rest.post(Routes.channelMessageCrosspost(channelId, messageId));
	}

	failureOf(error: unknown): PostFailure {
		return postFailureOf(error);
	}

	async findPost(
		target: { kind: 'message'; channelId: string } | { kind: 'forum_post'; guildId: string; forumId: string },
		nonce: string,
		since: number,
	): Promise<string | undefined> {
		const botUserId = this.#botUserId();
		if (botUserId === undefined) return undefined;
		const lookup = new PostLookup({ rest: this.#rest, botUserId });
		const found =
			target.kind === 'message'
				? await lookup.findMessage(target.channelId, nonce, since)
				: await lookup.findForumPost(target.guildId, target.forumId, nonce, since);
		return found.messageId;
	}

	/** 403 and Missing Access/Permissions: forbidden; 404 and Unknown Channel: gone; 400: refused; else retry. */
	classify(error: unknown): PostProblem {
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
