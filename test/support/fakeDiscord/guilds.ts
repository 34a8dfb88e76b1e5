import type { Json } from '../discordLimits.js';
import { isObject } from '../discordLimits.js';
import { snowflake } from './http.js';
import { P, type FakeState } from './state.js';
import type {
	ChannelPayload,
	FakeChannelIds,
	FakeGuild,
	FakeGuildInfo,
	GuildState,
	MemberPayload,
	UserPayload,
} from './types.js';

/* Guild fixtures: the standard roles, members and channels of a fake guild, its GUILD_CREATE payload, and how a
 * dispatch changes the fake's channels. */

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

export function buildGuild(s: FakeState, spec: FakeGuild, index: number): FakeGuildInfo {
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
		ownerId: s.adminUserId,
		joinedAt,
		removed: false,
		roles: [
			role(id, '@everyone', EVERYONE_PERMISSIONS, 0),
			role(roles.bot, 'Fake Mod Bot', BOT_ROLE_PERMISSIONS, 1, {
				managed: true,
				tags: { bot_id: s.botUserId },
			}),
			role(roles.admin, 'Admin', P.Administrator | P.ManageChannels | P.ManageGuild, 2),
		],
		members: [member(s.users.bot, [roles.bot]), member(s.users.admin, [roles.admin]), member(s.users.member, [])],
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
				{ id: s.botUserId, type: 1, allow: '0', deny: (P.ViewChannel | P.SendMessages).toString() },
			],
		}),
		{
			id: channels.thread,
			guild_id: id,
			parent_id: channels.text,
			owner_id: s.adminUserId,
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
	s.guilds.set(id, state);
	return info;
}

export function guildCreate(guild: GuildState): Json {
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

export function applyDispatch(s: FakeState, event: string, data: unknown): void {
	if (!isObject(data) || typeof data.id !== 'string') return;
	switch (event) {
		case 'CHANNEL_CREATE':
		case 'CHANNEL_UPDATE':
		case 'THREAD_CREATE':
		case 'THREAD_UPDATE': {
			const guild = typeof data.guild_id === 'string' ? s.guilds.get(data.guild_id) : undefined;
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
			s.findChannel(data.id)?.guild.channels.delete(data.id);
			break;
		case 'GUILD_DELETE': {
			const guild = s.guilds.get(data.id);
			if (guild && data.unavailable !== true) guild.removed = true;
			break;
		}
		default:
			break;
	}
}

export function guildIdOf(event: string, data: unknown): string | undefined {
	if (!isObject(data)) return undefined;
	if (typeof data.guild_id === 'string') return data.guild_id;
	if (event.startsWith('GUILD_') && typeof data.id === 'string') return data.id;
	return undefined;
}
