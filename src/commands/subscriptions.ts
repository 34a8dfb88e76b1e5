/**
 * `/subscriptions`: this server's subscriptions with target, channel, filters, role, last post and health.
 */
import {
	InteractionContextType,
	MessageFlags,
	PermissionFlagsBits,
	SlashCommandBuilder,
	embedLength,
	type APIEmbed,
} from 'discord.js';
import type { Command } from '../discord/command.js';
import { EMBED_COLOR } from '../render/components.js';
import { LIMITS, chunkWithin, discordTimestamp, truncate } from '../render/limits.js';
import { safeMarkdown } from '../render/safeText.js';
import { UserError } from '../services/errors.js';
import type { FeedStatus } from '../services/announcements/feedStatus.js';
import type { FeedHealth } from '../services/announcements/releaseFeed.js';
import { describeTarget, type Subscription } from '../services/announcements/subscriptions.js';

const data = new SlashCommandBuilder()
	.setName('subscriptions')
	.setDescription('List this server’s release subscriptions and their health')
	.setDefaultMemberPermissions(PermissionFlagsBits.ManageChannels)
	.setContexts(InteractionContextType.Guild)
	.toJSON();

/** One line block per subscription: health first, so a paused feed is seen at once. */
export function subscriptionLine(describe: string, subscription: Subscription, failedPosts?: string): string {
	const health =
		subscription.health.state === 'active'
			? '✅ active'
			: `⏸️ **paused** since ${discordTimestamp(subscription.health.since, 'R') ?? subscription.health.since}: ${subscription.health.reason}. Fix it, then run \`/subscribe\` again to resume.`;
	const details = [
		`<#${subscription.channelId}>`,
		subscription.roleId ? `pings <@&${subscription.roleId}>` : undefined,
		`changelog ${subscription.changelogDetail}`,
		`last post ${subscription.lastPostAt ? (discordTimestamp(subscription.lastPostAt, 'R') ?? 'unknown') : 'none yet'}`,
	]
		.filter(Boolean)
		.join(' · ');
	const failed = failedPosts ? `\n⚠️ ${failedPosts}` : '';
	return `**${describe}** (\`${subscription.id}\`)\n${details}\n${health}${failed}`;
}

/**
 * One line on the release feed as a whole: when the portal was last checked, or since when it fails and, while the
 * poller backs off, when it checks next. Admins see a silent feed explained instead of wondering.
 */
export function feedLine(status: FeedStatus, mods?: Pick<FeedHealth, 'failingMods' | 'failingModCount'>): string {
	const line = pollLine(status);
	if (!mods || mods.failingModCount === 0) return line;
	const names = mods.failingMods.map((mod) => `${truncate(mod.name, 60)} (${mod.reason})`).join(', ');
	const more =
		mods.failingModCount > mods.failingMods.length ? ` and ${mods.failingModCount - mods.failingMods.length} more` : '';
	const count = mods.failingModCount === 1 ? '1 mod' : `${mods.failingModCount} mods`;
	return `${line}\n⚠️ ${count} could not be read and ${mods.failingModCount === 1 ? 'is' : 'are'} skipped for now, retried later: ${names}${more}.`;
}

function pollLine(status: FeedStatus): string {
	if (status.failingSince) {
		const since = discordTimestamp(status.failingSince.toISOString(), 'R') ?? 'a while';
		const next = status.nextCheckAt ? discordTimestamp(status.nextCheckAt.toISOString(), 'R') : undefined;
		const backoff = next ? `; the bot backs off, next check ${next}` : '';
		return `⚠️ Release checks have been failing since ${since} (${status.lastFailure ?? 'unknown reason'})${backoff}. Nothing is lost: releases are announced once the portal answers again.`;
	}
	if (status.lastSuccessAt)
		return `Release feed: last checked ${discordTimestamp(status.lastSuccessAt.toISOString(), 'R') ?? ''}.`;
	if (status.waitingForCatalog)
		return 'Release feed: starting, waiting for the first copy of the mod list from the portal.';
	return 'Release feed: starting.';
}

/** `/subscriptions`. */
export const subscriptionsCommand = {
	data,
	async execute(interaction, context) {
		if (!interaction.inCachedGuild()) throw new UserError('Subscriptions work in servers the bot is in.');
		// The subscription store may have to be read: acknowledge within Discord's 3 s first.
		await interaction.deferReply({ flags: MessageFlags.Ephemeral });
		const [list, health, failed] = await Promise.all([
			context.subscriptions.list(interaction.guildId),
			context.feed.health(),
			context.feed.failedPosts(interaction.guildId),
		]);
		const feed = truncate(feedLine(health.status, health), 1_500);
		if (list.length === 0) {
			await interaction.editReply({
				content: `This server has no subscriptions yet. Add one with \`/subscribe\`.\n${feed}`,
			});
			return;
		}
		const embeds: APIEmbed[] = [];
		let description = '';
		for (const subscription of list) {
			const line = subscriptionLine(
				safeMarkdown(describeTarget(subscription.target)),
				subscription,
				failed.get(subscription.id),
			);
			if (description.length + line.length + 2 > LIMITS.embedDescription - 100) {
				embeds.push({ color: EMBED_COLOR, description });
				description = '';
			}
			description = description ? `${description}\n\n${line}` : truncate(line, LIMITS.embedDescription);
		}
		if (description) embeds.push({ color: EMBED_COLOR, description });
		const paused = list.filter((s) => s.health.state === 'paused').length;
		if (embeds[0])
			embeds[0].title = `Subscriptions in this server: ${list.length}${paused ? `, ${paused} paused` : ''}`;
		// Several embeds fit in one message up to 6,000 characters; 50 subscriptions need about two messages.
		const [first, ...rest] = chunkEmbeds(embeds);
		await interaction.editReply({
			content: feed,
			embeds: first ?? [],
			allowedMentions: { parse: [] },
		});
		for (const chunk of rest)
			await interaction.followUp({ embeds: chunk, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
	},
} satisfies Command;

function chunkEmbeds(embeds: readonly APIEmbed[]): APIEmbed[][] {
	return chunkWithin(embeds, embedLength, LIMITS.embedsPerMessage, LIMITS.embedTotal);
}
