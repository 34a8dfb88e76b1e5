import { PermissionFlagsBits } from 'discord.js';
import type { WebSocket } from 'ws';
import type { Json } from '../discordLimits.js';
import { missingAccess, missingPermissions, snowflake, unknownChannel } from './http.js';
import {
	FakeDiscordError,
	type ChannelPayload,
	type FakeDiscordOptions,
	type FakeMessage,
	type FakeUserKind,
	type GatewaySession,
	type GuildState,
	type InteractionState,
	type MemberPayload,
	type Overwrite,
	type RegisteredCommand,
	type Reply,
	type UserPayload,
} from './types.js';

export const P = PermissionFlagsBits;
const ALL_PERMISSIONS = Object.values(P).reduce((all, bit) => all | bit, 0n);
export const FLAG_CROSSPOSTED = 1 << 0;
export const FLAG_EPHEMERAL = 1 << 6;
export const FLAG_LOADING = 1 << 7;
export const FLAG_COMPONENTS_V2 = 1 << 15;

/**
 * What the fake Discord knows: users, guilds, messages, interactions, commands and gateway sessions, shared by the
 * route modules (messages, threads, interactions, gateway); {@link FakeDiscord} in ./index.ts owns one.
 */
export class FakeState {
	readonly applicationId = snowflake();
	readonly botUserId = snowflake();
	readonly token = 'fake-token';
	readonly adminUserId = snowflake();
	readonly memberUserId = snowflake();
	readonly users: Record<'bot' | FakeUserKind, UserPayload>;
	readonly guilds = new Map<string, GuildState>();
	readonly messages = new Map<string, FakeMessage>();
	/** Channel messages by channel id, in creation order (what `createdMessages` and history list). */
	readonly created = new Map<string, FakeMessage[]>();
	readonly nonces = new Map<string, { messageId: string; at: number }>();
	/** Added to the request time where Discord remembers things for a while (the nonce window). */
	clockOffsetMs = 0;
	readonly interactions = new Map<string, InteractionState>();
	readonly guildCommands = new Map<string, RegisteredCommand[]>();
	readonly commandIds = new Map<string, string>();
	readonly attachments = new Map<string, { payload: Json; content: Buffer }>();
	readonly sessions = new Map<string, GatewaySession>();
	readonly sockets = new Set<WebSocket>();
	/** The default guild's id (the first of `options.guilds`), set once the guilds are built. */
	guildId = '';
	/** The global rate limit's current window (see {@link FakeDiscordOptions.rateLimitPerSecond}). */
	globalWindowEnd = 0;
	globalCount = 0;

	constructor(
		readonly options: FakeDiscordOptions,
		readonly apiUrl: string,
		readonly gatewayUrl: string,
	) {
		const user = (id: string, username: string, bot = false): UserPayload => ({
			id,
			username,
			global_name: bot ? null : username,
			discriminator: bot ? '0001' : '0',
			avatar: null,
			bot,
			system: false,
			public_flags: 0,
			flags: 0,
		});
		this.users = {
			bot: { ...user(this.botUserId, 'fake-mod-bot', true), verified: true, mfa_enabled: false },
			admin: user(this.adminUserId, 'admin-user'),
			member: user(this.memberUserId, 'member-user'),
		};
	}

	guild(guildId: string): GuildState {
		const guild = this.guilds.get(guildId);
		if (!guild) throw new FakeDiscordError(`FakeDiscord: unknown guild ${guildId}`);
		return guild;
	}

	findChannel(channelId: string): { guild: GuildState; channel: ChannelPayload } | undefined {
		for (const guild of this.guilds.values()) {
			const channel = guild.channels.get(channelId);
			if (channel) return { guild, channel };
		}
		return undefined;
	}

	channelGuild(channelId: string | undefined): string | undefined {
		return channelId === undefined ? undefined : this.findChannel(channelId)?.guild.info.id;
	}

	member(guild: GuildState, userId: string): MemberPayload | undefined {
		return guild.members.find((m) => m.user.id === userId);
	}

	/** Guild-level permissions of a member (Discord's "computing permissions" algorithm, base part). */
	basePermissions(guild: GuildState, userId: string): bigint {
		if (userId === guild.ownerId) return ALL_PERMISSIONS;
		const member = this.member(guild, userId);
		let permissions = BigInt(guild.roles.find((r) => r.id === guild.info.id)?.permissions ?? '0');
		for (const roleId of member?.roles ?? []) {
			permissions |= BigInt(guild.roles.find((r) => r.id === roleId)?.permissions ?? '0');
		}
		return (permissions & P.Administrator) === P.Administrator ? ALL_PERMISSIONS : permissions;
	}

	/** Channel permissions of a member: base, then @everyone, role and member overwrites; threads use the parent's. */
	permissions(guild: GuildState, channel: ChannelPayload, userId: string): bigint {
		const base = this.basePermissions(guild, userId);
		if (base === ALL_PERMISSIONS) return ALL_PERMISSIONS;
		const source = [10, 11, 12].includes(channel.type)
			? (guild.channels.get(channel.parent_id ?? '') ?? channel)
			: channel;
		const overwrites = source.permission_overwrites ?? [];
		let permissions = base;
		const apply = (o: Overwrite | undefined) => {
			if (!o) return;
			permissions &= ~BigInt(o.deny);
			permissions |= BigInt(o.allow);
		};
		apply(overwrites.find((o) => o.id === guild.info.id));
		const roleIds = this.member(guild, userId)?.roles ?? [];
		let allow = 0n;
		let deny = 0n;
		for (const o of overwrites) {
			if (o.type === 0 && roleIds.includes(o.id)) {
				allow |= BigInt(o.allow);
				deny |= BigInt(o.deny);
			}
		}
		permissions = (permissions & ~deny) | allow;
		apply(overwrites.find((o) => o.type === 1 && o.id === userId));
		return (permissions & P.ViewChannel) === P.ViewChannel ? permissions : 0n;
	}

	/**
	 * Where the bot may act: the channel, or 404 10003 (unknown/deleted), 403 50001 (bot removed from the guild or
	 * lacking VIEW_CHANNEL), 403 50013 (lacking `need`).
	 */
	access(channelId: string, need: bigint): Reply | { guild: GuildState; channel: ChannelPayload } {
		const found = this.findChannel(channelId);
		if (!found) return unknownChannel();
		if (found.guild.removed) return missingAccess();
		const permissions = this.permissions(found.guild, found.channel, this.botUserId);
		if ((permissions & P.ViewChannel) !== P.ViewChannel) return missingAccess();
		if ((permissions & need) !== need) return missingPermissions();
		return found;
	}
}
