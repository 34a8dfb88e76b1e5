/**
 * Posts what the outbox holds into the subscribed channels: one pass per poll tick. Exactly-once: entries are
 * already stored as pending; each message carries a nonce with `enforce_nonce` so a re-send after a crash returns the
 * earlier message instead of posting twice (Discord docs, "Create Message": nonce, enforce_nonce).
 */
import {
	ChannelType,
	DiscordAPIError,
	RESTJSONErrorCodes,
	type Client,
	type ForumChannel,
	type Message,
	type SendableChannels,
} from 'discord.js';
import pLimit from 'p-limit';
import type { Logger } from '../log.js';
import type { PortalLinks } from '../services/portal/links.js';
import { renderAnnouncementMessages } from '../render/announcement.js';
import type { MessagePayload } from '../render/components.js';
import { LIMITS, truncate } from '../render/limits.js';
import type { Outbox, OutboxEntry } from '../services/announcements/outbox.js';
import type { Announcement } from '../services/announcements/snapshot.js';
import type { Subscription, SubscriptionStore } from '../services/announcements/subscriptions.js';

/** Figures of one delivery pass. */
export interface DeliveryResult {
	messages: number;
	delivered: number;
	retried: number;
	paused: number;
}

/** The permission problems that pause a subscription instead of retrying (Discord docs, "JSON Error Codes"). */
function pauseReason(error: unknown): string | undefined {
	if (!(error instanceof DiscordAPIError)) return undefined;
	if (error.code === RESTJSONErrorCodes.MissingAccess) return 'Missing Access: the bot cannot see the channel';
	if (error.code === RESTJSONErrorCodes.MissingPermissions) return 'Missing Permissions: the bot cannot post there';
	if (error.code === RESTJSONErrorCodes.UnknownChannel || error.status === 404)
		return 'Unknown Channel: the channel is gone';
	if (error.status === 403) return `Forbidden (${error.code}): ${truncate(error.message, 100)}`;
	return undefined;
}

class PausedError extends Error {
	override readonly name = 'PausedError';
}

/**
 * Delivers due outbox entries, grouped per subscription, with bounded concurrency. 429s and 5xx are queued and retried
 * by discord.js itself; what still fails is retried on a later pass with backoff. 403 and 404 pause the subscription
 * (its entries stay pending until `/subscribe` resumes it or it is removed).
 */
export class Delivery {
	readonly #client: Client;
	readonly #subscriptions: SubscriptionStore;
	readonly #outbox: Outbox;
	readonly #links: PortalLinks;
	readonly #log: Logger;
	readonly #digestThreshold: number;
	readonly #limit: ReturnType<typeof pLimit>;
	#running: Promise<DeliveryResult> | undefined;
	readonly #onPass: ((result: DeliveryResult) => void) | undefined;

	constructor(options: {
		client: Client;
		subscriptions: SubscriptionStore;
		outbox: Outbox;
		links: PortalLinks;
		log: Logger;
		digestThreshold: number;
		/** Subscriptions served at once; discord.js still applies Discord's 50 requests a second. Default 16. */
		concurrency?: number;
		/** Called with the figures of each pass (metrics). */
		onPass?: (result: DeliveryResult) => void;
	}) {
		this.#client = options.client;
		this.#subscriptions = options.subscriptions;
		this.#outbox = options.outbox;
		this.#links = options.links;
		this.#log = options.log;
		this.#digestThreshold = options.digestThreshold;
		this.#limit = pLimit(options.concurrency ?? 16);
		this.#onPass = options.onPass;
	}

	/** Delivers every due entry once; a pass already under way is joined, not doubled. Never rejects. */
	deliverDue(now = new Date()): Promise<DeliveryResult> {
		this.#running ??= this.#deliver(now).finally(() => {
			this.#running = undefined;
		});
		return this.#running;
	}

	async #deliver(now: Date): Promise<DeliveryResult> {
		const result: DeliveryResult = { messages: 0, delivered: 0, retried: 0, paused: 0 };
		const bySubscription = groupBy(this.#outbox.due(now), (entry) => entry.subscriptionId);
		await Promise.all(
			bySubscription.map((entries) =>
				this.#limit(async () => {
					const id = entries[0]?.subscriptionId ?? '';
					try {
						const subscription = this.#subscriptions.get(id);
						if (!subscription) await this.#outbox.dropSubscription(id);
						else if (subscription.health.state === 'active')
							await this.#deliverSubscription(subscription, entries, result);
					} catch (error) {
						this.#log.error({ err: error, subscription: id }, 'delivery failed unexpectedly');
					}
				}),
			),
		);
		if (result.messages > 0 || result.retried > 0 || result.paused > 0) this.#log.info(result, 'delivery pass');
		this.#onPass?.(result);
		return result;
	}

	async #deliverSubscription(
		subscription: Subscription,
		entries: OutboxEntry[],
		result: DeliveryResult,
	): Promise<void> {
		let channel;
		try {
			channel = await this.#client.channels.fetch(subscription.channelId);
		} catch (error) {
			if (await this.#pauseFor(subscription, error, result)) return;
			await this.#retry(entries, error, result);
			return;
		}
		if (!channel) {
			await this.#pause(subscription, 'Unknown Channel: the channel is gone', result);
			return;
		}
		const isForum = channel.type === ChannelType.GuildForum;
		// Entries tried before go out again in exactly the same message (same nonce); the rest are grouped afresh. A
		// forum gets one post per mod, so each mod's releases are rendered on their own.
		const groups = [
			...groupBy(
				entries.filter((e) => e.batch !== undefined),
				(e) => e.batch ?? '',
			),
			...(isForum
				? groupBy(
						entries.filter((e) => e.batch === undefined),
						(e) => this.#outbox.announcement(e.key)?.mod ?? '',
					)
				: [entries.filter((e) => e.batch === undefined)]),
		].filter((group) => group.length > 0);
		const before = result.messages;
		try {
			await this.#deliverGroups(subscription, channel, groups, result);
		} finally {
			// One write per pass, not per message: the last post time is for /subscriptions.
			if (result.messages > before) await this.#subscriptions.recordPost(subscription.id, new Date());
		}
	}

	async #deliverGroups(
		subscription: Subscription,
		channel: Exclude<Awaited<ReturnType<Client['channels']['fetch']>>, null>,
		groups: readonly OutboxEntry[][],
		result: DeliveryResult,
	): Promise<void> {
		const isForum = channel.type === ChannelType.GuildForum;
		for (const group of groups) {
			const byKey = new Map(group.map((e) => [e.key, e]));
			const announcements = group.flatMap((e): Announcement[] => {
				const a = this.#outbox.announcement(e.key);
				return a ? [a] : [];
			});
			const digestThreshold = isForum ? Number.POSITIVE_INFINITY : this.#digestThreshold;
			for (const { payload, keys } of renderAnnouncementMessages(this.#links, subscription, announcements, {
				digestThreshold,
			})) {
				const covered = keys.flatMap((k) => byKey.get(k) ?? []);
				if (covered.length === 0) continue;
				try {
					const nonce = this.#outbox.nonce(covered);
					await this.#outbox.assignBatch(
						covered.map((e) => e.id),
						nonce,
					);
					const first = announcements.find((a) => a.key === covered[0]?.key);
					const message = isForum
						? await this.#postInForum(
								channel,
								subscription,
								first?.mod ?? '',
								first?.title ?? 'Release',
								payload,
								nonce,
							)
						: await this.#send(channel as SendableChannels, subscription, payload, nonce);
					await this.#outbox.markSent(
						covered.map((e) => e.id),
						message.id,
					);
					result.messages++;
					result.delivered += covered.length;
					if (channel.type === ChannelType.GuildAnnouncement && message.crosspost) {
						await message.crosspost().catch((error: unknown) => {
							this.#log.warn({ err: error, channel: channel.id }, 'crossposting failed');
						});
					}
				} catch (error) {
					if (await this.#pauseFor(subscription, error, result)) return;
					await this.#retry(covered, error, result);
				}
			}
		}
	}

	/** Only the configured role may be pinged, whatever the text says. */
	#message(subscription: Subscription, payload: MessagePayload) {
		return { ...payload, allowedMentions: { parse: [], roles: subscription.roleId ? [subscription.roleId] : [] } };
	}

	#sendOptions(subscription: Subscription, payload: MessagePayload, nonce: string) {
		return { ...this.#message(subscription, payload), nonce, enforceNonce: true };
	}

	async #send(
		channel: SendableChannels,
		subscription: Subscription,
		payload: MessagePayload,
		nonce: string,
	): Promise<Message> {
		if (!('send' in channel)) throw new PausedError('The channel does not take messages');
		return channel.send(this.#sendOptions(subscription, payload, nonce));
	}

	/**
	 * Forum channels: the first release of a mod opens a post named after it; later ones go into that post. Opening a
	 * post takes no nonce (Discord docs, "Start Thread in Forum or Media Channel"), so the post is recorded at once.
	 */
	async #postInForum(
		forum: ForumChannel,
		subscription: Subscription,
		mod: string,
		title: string,
		payload: MessagePayload,
		nonce: string,
	): Promise<{ id: string; crosspost?: undefined }> {
		const threadId = subscription.forumThreads[mod];
		if (threadId) {
			// Only a post that is gone gets a new one; any other failure is retried like a failed send.
			const thread = await forum.threads.fetch(threadId).catch((error: unknown) => {
				if (error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.UnknownChannel) return null;
				throw error;
			});
			// Posting into an archived (not locked) post reopens it; no Manage Threads needed.
			if (thread) {
				return { id: (await thread.send(this.#sendOptions(subscription, payload, nonce))).id };
			}
		}
		const thread = await forum.threads.create({
			name: truncate(title, 100),
			message: this.#message(subscription, payload),
		});
		await this.#subscriptions.setForumThread(subscription.id, mod, thread.id);
		// A forum post's starter message has the thread's id.
		return { id: thread.id };
	}

	async #pauseFor(subscription: Subscription, error: unknown, result: DeliveryResult): Promise<boolean> {
		const reason = error instanceof PausedError ? error.message : pauseReason(error);
		if (!reason) return false;
		await this.#pause(subscription, reason, result);
		return true;
	}

	async #pause(subscription: Subscription, reason: string, result: DeliveryResult): Promise<void> {
		await this.#subscriptions.pause(subscription.id, reason);
		result.paused++;
		this.#log.warn(
			{ subscription: subscription.id, guild: subscription.guildId, channel: subscription.channelId, reason },
			'subscription paused',
		);
	}

	async #retry(entries: readonly OutboxEntry[], error: unknown, result: DeliveryResult): Promise<void> {
		const message = error instanceof Error ? truncate(error.message, LIMITS.fieldValue) : String(error);
		await this.#outbox.markRetry(
			entries.map((e) => e.id),
			message,
		);
		result.retried += entries.length;
		this.#log.warn({ err: error, entries: entries.length }, 'delivery will be retried');
	}
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
	const groups = new Map<string, T[]>();
	for (const item of items) {
		const list = groups.get(key(item)) ?? [];
		list.push(item);
		groups.set(key(item), list);
	}
	return [...groups.values()];
}
