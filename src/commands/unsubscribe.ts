/**
 * `/unsubscribe subscription:<autocomplete>`: removes one of this server's subscriptions (and its waiting posts).
 */
import { InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import type { Command } from '../discord/command.js';
import { fitChoices } from '../render/fit.js';
import { LIMITS, truncate } from '../render/limits.js';
import { safeMarkdown } from '../render/safeText.js';
import { UserError } from '../services/errors.js';
import { describeTarget, type Subscription } from '../services/announcements/subscriptions.js';

const data = new SlashCommandBuilder()
	.setName('unsubscribe')
	.setDescription('Stop posting releases for one of this server’s subscriptions')
	.setDefaultMemberPermissions(PermissionFlagsBits.ManageChannels)
	.setContexts(InteractionContextType.Guild)
	.addStringOption((o) =>
		o.setName('subscription').setDescription('The subscription to remove').setRequired(true).setAutocomplete(true),
	)
	.toJSON();

/** A subscription's label in menus: `mod Krastorio2 → #announcements` (channel names from the cache). */
export function subscriptionLabel(subscription: Subscription, channelName: string | undefined): string {
	return truncate(
		`${describeTarget(subscription.target)} → #${channelName ?? subscription.channelId}`,
		LIMITS.choiceName,
	);
}

/** `/unsubscribe`. */
export const unsubscribeCommand = {
	data,
	async execute(interaction, context) {
		if (!interaction.inCachedGuild()) throw new UserError('Subscriptions work in servers the bot is in.');
		// Removing writes the store, which can take longer than Discord's 3 s.
		await interaction.deferReply({ flags: MessageFlags.Ephemeral });
		const input = interaction.options.getString('subscription', true).trim();
		const list = await context.subscriptions.list(interaction.guildId);
		const subscription =
			list.find((s) => s.id === input) ??
			list.find((s) => subscriptionLabel(s, interaction.guild.channels.cache.get(s.channelId)?.name) === input);
		if (!subscription)
			throw new UserError('No such subscription in this server. Pick one from the list, or see `/subscriptions`.');
		const channel = interaction.guild.channels.cache.get(subscription.channelId);
		if (channel && !channel.permissionsFor(interaction.member).has(PermissionFlagsBits.ManageChannels)) {
			throw new UserError(`You need the Manage Channels permission in <#${channel.id}> to change its subscriptions.`);
		}
		// Its waiting posts and forum posts go with it (one statement).
		await context.subscriptions.remove(interaction.guildId, subscription.id);
		await interaction.editReply({
			content: `Unsubscribed: ${safeMarkdown(describeTarget(subscription.target))} → <#${subscription.channelId}>.`,
			allowedMentions: { parse: [] },
		});
	},
	async autocomplete(interaction, context) {
		if (!interaction.inCachedGuild()) {
			await interaction.respond([]);
			return;
		}
		const typed = interaction.options.getFocused().toLowerCase();
		const choices = (await context.subscriptions.list(interaction.guildId))
			.map((s) => ({
				name: subscriptionLabel(s, interaction.guild.channels.cache.get(s.channelId)?.name),
				value: s.id,
			}))
			.filter((c) => c.name.toLowerCase().includes(typed));
		await interaction.respond(fitChoices(choices));
	},
} satisfies Command;
