/**
 * `/subscribe mod|owner|all|modpack`: post new releases into a channel. Requires Manage Channels (registered as
 * `default_member_permissions` and checked again here for the target channel). `modpack` follows a saved mod set
 * (`/modpack save`): releases of its mods and their dependencies, each with a verdict for that server.
 */
import {
	ChannelType,
	InteractionContextType,
	MessageFlags,
	PermissionFlagsBits,
	PermissionsBitField,
	SlashCommandBuilder,
	type ChatInputCommandInteraction,
	type GuildBasedChannel,
	type PermissionResolvable,
	type SlashCommandSubcommandBuilder,
} from 'discord.js';
import type { BotContext, Command } from '../discord/command.js';
import { fitChoices } from '../render/fit.js';
import { LIMITS, truncate } from '../render/limits.js';
import { safeMarkdown } from '../render/safeText.js';
import { UserError } from '../services/errors.js';
import { MODPACK_NAME_MAX } from '../services/modpack/savedModpacks.js';
import {
	describeTarget,
	type ChangelogDetail,
	type SubscriptionTarget,
} from '../services/announcements/subscriptions.js';
import { modChoices, modNameOf, modNotFound } from './mod.js';
import {
	categoryOption,
	cleanInput,
	echoInput,
	factorioVersionOption,
	modNameOption,
	readFilters,
	respondFactorioVersions,
	tagOption,
} from './options.js';

/** Channel kinds a subscription can post into. */
export const SUBSCRIBABLE_CHANNELS = [
	ChannelType.GuildText,
	ChannelType.GuildAnnouncement,
	ChannelType.PublicThread,
	ChannelType.PrivateThread,
	ChannelType.AnnouncementThread,
	ChannelType.GuildForum,
] as const;

function commonOptions(sub: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
	return sub
		.addChannelOption((o) =>
			o
				.setName('channel')
				.setDescription('Where to post (default: this channel)')
				.addChannelTypes(...SUBSCRIBABLE_CHANNELS),
		)
		.addRoleOption((o) => o.setName('role').setDescription('Role to ping with each post'))
		.addStringOption((o) =>
			o
				.setName('changelog')
				.setDescription('How much of the changelog to show (default: full)')
				.addChoices(
					{ name: 'full', value: 'full' },
					{ name: 'summary', value: 'summary' },
					{ name: 'none', value: 'none' },
				),
		);
}

const data = new SlashCommandBuilder()
	.setName('subscribe')
	.setDescription('Post new mod releases into a channel')
	.setDefaultMemberPermissions(PermissionFlagsBits.ManageChannels)
	.setContexts(InteractionContextType.Guild)
	.addSubcommand((sub) =>
		commonOptions(sub.setName('mod').setDescription('Every new release of one mod').addStringOption(modNameOption)),
	)
	.addSubcommand((sub) =>
		commonOptions(
			sub
				.setName('owner')
				.setDescription('Every new release of every mod of one owner')
				.addStringOption((o) =>
					o
						.setName('name')
						.setDescription('Mod portal user name')
						.setRequired(true)
						.setAutocomplete(true)
						.setMaxLength(100),
				),
		),
	)
	.addSubcommand((sub) =>
		commonOptions(
			sub
				.setName('all')
				.setDescription('Every release and new mod on the portal that passes the filters')
				.addStringOption((o) => factorioVersionOption(o, 'Only releases for this Factorio version, e.g. 2.0'))
				.addStringOption(categoryOption)
				.addStringOption(tagOption),
		),
	)
	.addSubcommand((sub) =>
		commonOptions(
			sub
				.setName('modpack')
				.setDescription('Releases of a saved mod set’s mods and dependencies, with a verdict for that server')
				.addStringOption((o) =>
					o
						.setName('name')
						.setDescription('The saved set (see /modpack list)')
						.setRequired(true)
						.setAutocomplete(true)
						.setMaxLength(MODPACK_NAME_MAX),
				),
		),
	)
	.toJSON();

/** What the bot needs in a channel to post announcements there (Discord docs, "Permissions"). */
export function requiredPermissions(channel: GuildBasedChannel): { flag: bigint; name: string }[] {
	const needed: { flag: bigint; name: string }[] = [
		{ flag: PermissionFlagsBits.ViewChannel, name: 'View Channel' },
		{ flag: PermissionFlagsBits.EmbedLinks, name: 'Embed Links' },
	];
	if (channel.isThread())
		needed.push({ flag: PermissionFlagsBits.SendMessagesInThreads, name: 'Send Messages in Threads' });
	else
		needed.push({
			flag: PermissionFlagsBits.SendMessages,
			name: channel.type === ChannelType.GuildForum ? 'Send Messages (Create Posts)' : 'Send Messages',
		});
	if (channel.type === ChannelType.GuildForum)
		needed.push({ flag: PermissionFlagsBits.SendMessagesInThreads, name: 'Send Messages in Posts' });
	return needed;
}

/**
 * The names of the permissions the bot lacks in `channel` to post announcements; empty when it can post.
 * Reads the cached guild, the bot's member and the channel's permission overwrites.
 */
export function missingBotPermissions(channel: GuildBasedChannel): string[] {
	const me = channel.guild.members.me;
	const granted = me ? channel.permissionsFor(me) : null;
	return requiredPermissions(channel)
		.filter(({ flag }) => !granted?.has(flag as PermissionResolvable))
		.map(({ name }) => name);
}

async function targetOf(interaction: ChatInputCommandInteraction, context: BotContext): Promise<SubscriptionTarget> {
	const sub = interaction.options.getSubcommand(true);
	if (sub === 'mod') {
		const input = interaction.options.getString('name', true);
		const known = context.catalog.resolve(input);
		if (known) return { kind: 'mod', name: known.name };
		// A mod newer than the catalog: the portal knows it. Input that cannot name a mod is refused before.
		const name = modNameOf(context, input);
		try {
			return { kind: 'mod', name: (await context.portal.getMod(name)).name };
		} catch (error) {
			throw modNotFound(context, name, error);
		}
	}
	if (sub === 'owner') {
		const input = cleanInput(interaction.options.getString('name', true));
		const owners = input === '' ? [] : context.catalog.owners(input, 5);
		const exact = owners.find((o) => o.toLowerCase() === input.toLowerCase());
		if (!exact) {
			throw new UserError(
				truncate(
					`No mod portal user ${echoInput(input)} owns a mod.${owners.length ? ` Closest: ${owners.map((o) => echoInput(o)).join(', ')}.` : ''}`,
					LIMITS.messageContent,
				),
			);
		}
		return { kind: 'owner', owner: exact };
	}
	if (sub === 'modpack') {
		const input = interaction.options.getString('name', true);
		const set = await context.modpacks.get(interaction.guildId ?? '', input);
		if (!set)
			throw new UserError(
				truncate(
					`This server has no saved mod set named ${echoInput(input)}. Save one with \`/modpack save\`, or see \`/modpack list\`.`,
					LIMITS.messageContent,
				),
			);
		return { kind: 'modpack', modpackId: set.id, name: set.name };
	}
	return { kind: 'all', filters: readFilters(interaction, context, { withTag: true }) };
}

/** The `changelog` option, checked: one of its choices, else `full`. */
function changelogDetailOf(value: string | null): ChangelogDetail {
	return value === 'summary' || value === 'none' ? value : 'full';
}

const STATUS_TEXT = {
	created: 'Subscribed',
	exists: 'Already subscribed, nothing changed:',
	resumed: 'Resumed',
	updated: 'Updated',
} as const;

async function execute(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void> {
	if (!interaction.inCachedGuild()) throw new UserError('Subscriptions work in servers the bot is in.');
	// Channel lookups, the portal (a mod newer than the catalog) and the store can take longer than Discord's 3 s.
	await interaction.deferReply({ flags: MessageFlags.Ephemeral });
	const channel = interaction.options.getChannel('channel') ?? interaction.channel;
	if (!channel || !(SUBSCRIBABLE_CHANNELS as readonly ChannelType[]).includes(channel.type)) {
		throw new UserError('Pick a text, announcement or forum channel, or a thread.');
	}
	const resolved =
		interaction.guild.channels.cache.get(channel.id) ??
		(await interaction.guild.channels.fetch(channel.id).catch(() => null));
	if (!resolved) throw new UserError('I cannot see that channel. Give me the View Channel permission there first.');
	if (!resolved.permissionsFor(interaction.member).has(PermissionsBitField.Flags.ManageChannels)) {
		throw new UserError(`You need the Manage Channels permission in <#${resolved.id}> to subscribe it.`);
	}
	const missing = missingBotPermissions(resolved);
	if (missing.length > 0)
		throw new UserError(
			`I cannot post in <#${resolved.id}>: I am missing ${missing.join(', ')}. Grant them and try again.`,
		);

	const target = await targetOf(interaction, context);
	const changelogDetail = changelogDetailOf(interaction.options.getString('changelog'));
	const role = interaction.options.getRole('role');
	const { subscription, status } = await context.subscriptions.add({
		guildId: interaction.guildId,
		channelId: resolved.id,
		channelType: resolved.type,
		target,
		roleId: role?.id,
		changelogDetail,
		createdBy: interaction.user.id,
	});
	const extras = [
		subscription.roleId ? `pinging <@&${subscription.roleId}>` : undefined,
		`changelog: ${subscription.changelogDetail}`,
	]
		.filter(Boolean)
		.join(', ');
	await interaction.editReply({
		content: `${STATUS_TEXT[status]} ${safeMarkdown(describeTarget(subscription.target))} → <#${subscription.channelId}> (${extras}).`,
		allowedMentions: { parse: [] },
	});
	// A resumed subscription may have posts waiting in the outbox.
	if (status === 'resumed') void context.feed.deliverDue();
}

/** `/subscribe`: four subcommands, autocomplete of mods, owners and the guild's saved sets. */
export const subscribeCommand = {
	data,
	execute,
	async autocomplete(interaction, context) {
		const focused = interaction.options.getFocused(true);
		const sub = interaction.options.getSubcommand(true);
		if (focused.name === 'name' && sub === 'mod') {
			await interaction.respond(modChoices(context, focused.value));
		} else if (focused.name === 'name' && sub === 'owner') {
			const owners = context.catalog.owners(focused.value.trim(), LIMITS.autocompleteChoices);
			await interaction.respond(fitChoices(owners.map((o) => ({ name: o, value: o }))));
		} else if (focused.name === 'name' && sub === 'modpack' && interaction.guildId) {
			const names = await context.modpacks.names(interaction.guildId, focused.value, LIMITS.autocompleteChoices);
			await interaction.respond(fitChoices(names.map((name) => ({ name, value: name }))));
		} else if (focused.name === 'factorio_version') {
			await respondFactorioVersions(interaction, context, focused.value);
		} else {
			await interaction.respond([]);
		}
	},
} satisfies Command;
