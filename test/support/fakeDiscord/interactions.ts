import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { isObject, objects, validateChoices, validateCommands, validateMessage, type Json } from '../discordLimits.js';
import { send, targets } from './gateway.js';
import {
	apiError,
	formErrorReply,
	isEmptyMessage,
	missingAccess,
	snowflake,
	unknownInteraction,
	unknownMessage,
	unknownWebhook,
	type Recorded,
} from './http.js';
import { editMessage, makeMessage, store } from './messages.js';
import { FLAG_EPHEMERAL, FLAG_LOADING, type FakeState } from './state.js';
import {
	FakeDiscordError,
	type ChatInputInvocation,
	type DispatchedInteraction,
	type FakeMessage,
	type FakeUserKind,
	type GuildState,
	type InteractionState,
	type RegisteredCommand,
	type Reply,
} from './types.js';

/* Interactions: dispatching them on the gateway, their callbacks and webhooks (with Discord's 3-second deadline),
 * and application command registration. */

/** Discord's time to answer (or defer) an interaction. */
const INTERACTION_DEADLINE_MS = 3_000;

export function dispatchCommand(
	s: FakeState,
	type: 2 | 4,
	command: ChatInputInvocation,
	focused: string | undefined,
): Promise<DispatchedInteraction> {
	const guild = s.guild(command.guildId ?? s.channelGuild(command.channelId) ?? s.guildId);
	const channelId = command.channelId ?? guild.info.channels.text;
	const registered = (s.guildCommands.get(guild.info.id) ?? []).find((c) => c.name === command.name && c.type === 1);
	let definitions = objects(registered?.options);
	const pick = (name: string | undefined) => {
		const found = definitions.find((o) => o.name === name);
		definitions = objects(found?.options);
	};
	if (command.subcommand !== undefined) pick(command.subcommand);
	const values: Record<string, string | number | boolean> = { ...command.options };
	if (focused !== undefined && !(focused in values)) values[focused] = '';
	const resolved: Record<string, Json> = {};
	const addResolved = (kind: string, id: string, value: Json) => {
		resolved[kind] ??= {};
		resolved[kind][id] = value;
	};
	const memberId = command.user === 'admin' ? s.adminUserId : s.memberUserId;
	const leaves: Json[] = Object.entries(values).map(([name, value]) => {
		const declared = definitions.find((o) => o.name === name)?.type;
		const optionType = typeof declared === 'number' ? declared : inferOptionType(name, value);
		const option: Json = { name, type: optionType, value };
		if (name === focused) option.focused = true;
		const id = String(value);
		if (optionType === 7) {
			const known = s.findChannel(id);
			const channel = known?.channel ?? { id, guild_id: guild.info.id, name: 'unknown', type: 0, parent_id: null };
			const permissions = known ? s.permissions(known.guild, known.channel, memberId) : 0n;
			addResolved('channels', id, { ...structuredClone(channel), permissions: permissions.toString() });
		} else if (optionType === 8) {
			const role = guild.roles.find((r) => r.id === id) ?? {
				id,
				name: 'unknown-role',
				permissions: '0',
				position: 0,
				color: 0,
				hoist: false,
				managed: false,
				mentionable: false,
				flags: 0,
			};
			addResolved('roles', id, structuredClone(role));
		} else if (optionType === 11) {
			const attachment = s.attachments.get(id);
			if (attachment) addResolved('attachments', id, structuredClone(attachment.payload));
		}
		return option;
	});
	let options = leaves;
	if (command.subcommand !== undefined) options = [{ type: 1, name: command.subcommand, options }];
	const key = `${guild.info.id}:${command.name}`;
	let commandId = registered?.id ?? s.commandIds.get(key);
	if (commandId === undefined) {
		commandId = snowflake();
		s.commandIds.set(key, commandId);
	}
	const data: Json = { id: commandId, name: command.name, type: 1, options };
	if (registered && typeof registered.guild_id === 'string') data.guild_id = registered.guild_id;
	if (Object.keys(resolved).length > 0) data.resolved = resolved;
	return dispatchInteraction(s, type, guild, channelId, command.user ?? 'member', data, command.name, undefined);
}

function inferOptionType(name: string, value: string | number | boolean): number {
	const lower = name.toLowerCase();
	if (lower.endsWith('channel')) return 7;
	if (lower.endsWith('role')) return 8;
	if (lower === 'user' || lower.endsWith('user')) return 6;
	if (typeof value === 'boolean') return 5;
	if (typeof value === 'number') return Number.isInteger(value) ? 4 : 10;
	return 3;
}

export async function dispatchInteraction(
	s: FakeState,
	type: 2 | 3 | 4,
	guild: GuildState,
	channelId: string,
	userKind: FakeUserKind,
	data: Json,
	commandName: string | undefined,
	message: FakeMessage | undefined,
): Promise<DispatchedInteraction> {
	const sessions = targets(s, guild.info.id).filter((session) => session.socket?.readyState === WebSocket.OPEN);
	if (sessions.length === 0)
		throw new FakeDiscordError(
			`FakeDiscord: no connected gateway session receives guild ${guild.info.id}; dispatch after the client is ready`,
		);
	const found = s.findChannel(channelId);
	if (!found) throw new FakeDiscordError(`FakeDiscord: unknown channel ${channelId}`);
	const user = s.users[userKind];
	const member = s.member(guild, user.id);
	const memberPermissions = s.permissions(guild, found.channel, user.id);
	const appPermissions = s.permissions(guild, found.channel, s.botUserId);
	const id = snowflake();
	const token = `aW50ZXJhY3Rpb246${randomBytes(48).toString('base64url')}`;
	const state: InteractionState = {
		id,
		token,
		type,
		guildId: guild.info.id,
		channelId,
		user,
		commandName,
		dispatchedAt: Date.now(),
		callbackType: undefined,
		originalMessageId: type === 3 ? message?.id : undefined,
		loading: false,
	};
	s.interactions.set(id, state);
	const payload: Json = {
		id,
		application_id: s.applicationId,
		type,
		data,
		guild: { id: guild.info.id, locale: 'en-US', features: [] },
		guild_id: guild.info.id,
		channel: { ...structuredClone(found.channel), permissions: memberPermissions.toString() },
		channel_id: channelId,
		member: { ...structuredClone(member), permissions: memberPermissions.toString() },
		token,
		version: 1,
		app_permissions: appPermissions.toString(),
		locale: 'en-US',
		guild_locale: 'en-US',
		entitlements: [],
		authorizing_integration_owners: { '0': guild.info.id },
		context: 0,
		attachment_size_limit: 10_485_760,
	};
	if (message) payload.message = structuredClone(message);
	await Promise.all(sessions.map((session) => send(session, 'INTERACTION_CREATE', payload)));
	return { id, token };
}

export function callback(s: FakeState, r: Recorded, id: string, token: string, body: Json): Reply {
	const interaction = s.interactions.get(id);
	if (interaction?.token !== token) return unknownInteraction();
	const deadline = s.options.interactionDeadlineMs ?? INTERACTION_DEADLINE_MS;
	if (deadline !== false && r.at - interaction.dispatchedAt > deadline) return unknownInteraction();
	if (interaction.callbackType !== undefined) return apiError(400, 40060, 'Interaction has already been acknowledged.');
	const type = Number(body.type);
	const data = isObject(body.data) ? body.data : {};
	const allowed = interaction.type === 4 ? [8] : interaction.type === 3 ? [4, 5, 6, 7, 9] : [4, 5, 9];
	if (!allowed.includes(type))
		return formErrorReply([
			{
				path: 'type',
				code: 'INTERACTION_CALLBACK_TYPE_INVALID',
				message: `Callback type ${type} is not valid here.`,
			},
		]);
	let message: FakeMessage | undefined;
	if (type === 4 || type === 7) {
		const errors = validateMessage(data, 'data');
		if (errors.length > 0) return formErrorReply(errors);
		if (type === 4 && isEmptyMessage(data, r.files)) return apiError(400, 50006, 'Cannot send an empty message');
	}
	if (type === 8) {
		const errors = validateChoices(data.choices);
		if (errors.length > 0) return formErrorReply(errors);
	}
	if (type === 4 || type === 5) {
		message = makeMessage(
			s,
			interaction.channelId,
			type === 4 ? data : { flags: data.flags },
			type === 4 ? r.files : [],
		);
		if (type === 5) {
			message.flags |= FLAG_LOADING;
			interaction.loading = true;
		}
		asInteractionReply(s, message, interaction);
		store(s, message, false);
		interaction.originalMessageId = message.id;
	} else if (type === 7 || type === 6) {
		message = interaction.originalMessageId === undefined ? undefined : s.messages.get(interaction.originalMessageId);
		if (type === 7 && message) editMessage(s, message, data, r.files);
	}
	interaction.callbackType = type;
	if (r.query.get('with_response') !== 'true') return { status: 204 };
	const resource: Json = { type };
	if (message && type !== 6) resource.message = message;
	return {
		status: 200,
		body: {
			interaction: {
				id,
				type: interaction.type,
				response_message_id: message?.id,
				response_message_loading: type === 5,
				response_message_ephemeral: message ? (message.flags & FLAG_EPHEMERAL) !== 0 : false,
			},
			resource,
		},
	};
}

function asInteractionReply(s: FakeState, message: FakeMessage, interaction: InteractionState): void {
	message.webhook_id = s.applicationId;
	message.application_id = s.applicationId;
	message.type = interaction.type === 2 ? 20 : 0;
	message.interaction_metadata = {
		id: interaction.id,
		type: interaction.type,
		user: interaction.user,
		authorizing_integration_owners: { '0': interaction.guildId },
		...(interaction.commandName === undefined ? {} : { name: interaction.commandName }),
	};
}

function interactionForWebhook(s: FakeState, applicationId: string, token: string): InteractionState | Reply {
	if (applicationId !== s.applicationId) return unknownWebhook();
	for (const interaction of s.interactions.values()) if (interaction.token === token) return interaction;
	return apiError(401, 50027, 'Invalid Webhook Token');
}

export function followup(s: FakeState, r: Recorded, applicationId: string, token: string, body: Json): Reply {
	const interaction = interactionForWebhook(s, applicationId, token);
	if ('status' in interaction) return interaction;
	if (interaction.callbackType === undefined || interaction.callbackType === 8) return unknownWebhook();
	const errors = validateMessage(body);
	if (errors.length > 0) return formErrorReply(errors);
	if (isEmptyMessage(body, r.files)) return apiError(400, 50006, 'Cannot send an empty message');
	// The first follow-up after a deferred reply fills the "thinking" message (keeping its ephemeral flag).
	const original =
		interaction.originalMessageId === undefined ? undefined : s.messages.get(interaction.originalMessageId);
	if (interaction.loading && original) {
		interaction.loading = false;
		editMessage(s, original, body, r.files);
		original.edited_timestamp = null;
		return { status: 200, body: original };
	}
	const message = makeMessage(s, interaction.channelId, body, r.files);
	asInteractionReply(s, message, interaction);
	store(s, message, false);
	return { status: 200, body: message };
}

/** `PATCH` and `DELETE /webhooks/{app}/{token}/messages/@original`: edits or deletes an interaction's reply. */
export function originalMessage(s: FakeState, r: Recorded, applicationId: string, token: string, body: Json): Reply {
	const interaction = interactionForWebhook(s, applicationId, token);
	if ('status' in interaction) return interaction;
	const messageId = interaction.originalMessageId;
	if (messageId === undefined || interaction.callbackType === undefined) return unknownWebhook();
	const message = s.messages.get(messageId);
	if (!message) return unknownMessage();
	if (r.method === 'DELETE') {
		s.messages.delete(messageId);
		return { status: 204 };
	}
	const errors = validateMessage(body);
	if (errors.length > 0) return formErrorReply(errors);
	interaction.loading = false;
	editMessage(s, message, body, r.files);
	return { status: 200, body: message };
}

/**
 * `PUT /applications/{app}/guilds/{guild}/commands` (Discord docs, "Bulk Overwrite Guild Application Commands"):
 * validates every command (../discordLimits.ts), keeps the id of a command overwritten with the same name and type,
 * and answers the registered list.
 */
export function putGuildCommands(s: FakeState, r: Recorded, applicationId: string, guildId: string): Reply {
	if (applicationId !== s.applicationId) return apiError(403, 50001, 'Missing Access');
	const guild = s.guilds.get(guildId);
	if (!guild) return apiError(404, 10004, 'Unknown Guild');
	if (guild.removed) return missingAccess();
	const current = s.guildCommands.get(guildId) ?? [];
	const toRegistered = (command: Json): RegisteredCommand => {
		const type = Number(command.type ?? 1);
		const name = String(command.name);
		// Discord keeps a command's id when an overwrite carries the same name and type.
		const same = current.find((c) => c.name === name && c.type === type);
		const registered: RegisteredCommand = {
			id: same?.id ?? snowflake(),
			application_id: s.applicationId,
			version: snowflake(),
			type,
			name,
			name_localizations: command.name_localizations ?? null,
			description: typeof command.description === 'string' ? command.description : '',
			description_localizations: command.description_localizations ?? null,
			default_member_permissions:
				command.default_member_permissions === undefined ? null : command.default_member_permissions,
			dm_permission: command.dm_permission ?? true,
			nsfw: command.nsfw ?? false,
			contexts: command.contexts ?? null,
			integration_types: command.integration_types ?? [0],
			guild_id: guildId,
		};
		if (Array.isArray(command.options)) registered.options = structuredClone(objects(command.options));
		return registered;
	};
	const list = objects(r.body);
	if (!Array.isArray(r.body))
		return formErrorReply([{ path: '', code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' }]);
	if (list.length > 100)
		return formErrorReply([{ path: '', code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 100 or fewer in length.' }]);
	const errors = validateCommands(list);
	if (errors.length > 0) return formErrorReply(errors);
	const registered = list.map(toRegistered);
	s.guildCommands.set(guildId, registered);
	return { status: 200, body: registered };
}
