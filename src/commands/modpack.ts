/**
 * `/modpack resolve` and `/modpack check`: server mod kits. Resolve turns a list of mods into the exact releases a
 * headless server needs, with `mod-list.json`, `mods.lock.json` and two install scripts attached; check reads a
 * server's `mod-list.json`, `factorio-current.log` or list of names and says per mod what needs doing, then gives
 * the fixed kit.
 *
 * `/modpack save`, `list` and `remove`: a server's named mod sets, stored resolved (`savedModpacks.ts`). Anyone may
 * list them; saving and removing need Manage Server or Manage Channels, checked here on the member's permissions in
 * the interaction (Discord docs, "Permissions"). `/modpack` registers no `default_member_permissions`: that is per
 * top-level command, and it would hide `resolve` and `check` from everyone else.
 *
 * The bot never asks for or accepts portal credentials and never proxies a download: the install scripts fetch the
 * files on the server, with the server's own account. Discord docs: "Application Commands" (attachment options,
 * type 11, arrive in `data.resolved.attachments` with a CDN `url`), "Receiving and Responding to Interactions"
 * (answer or defer within 3 s).
 */
import {
	MessageFlags,
	PermissionFlagsBits,
	SlashCommandBuilder,
	type Attachment,
	type ChatInputCommandInteraction,
	type SlashCommandBooleanOption,
	type SlashCommandStringOption,
} from 'discord.js';
import { request } from 'undici';
import type { BotContext, Command } from '../discord/command.js';
import { fitChoices } from '../render/fit.js';
import { LIMITS } from '../render/limits.js';
import { renderCheck, renderKit, type InputNotes } from '../render/modpack.js';
import {
	modpackLimitText,
	refusedModpackText,
	renderModpackList,
	renderRemovedModpack,
	renderSavedModpack,
} from '../render/savedModpacks.js';
import { UserError } from '../services/errors.js';
import { compareVersions } from '../services/factorio/version.js';
import { gameMinor, isGameVersion, type GameTarget } from '../services/modpack/game.js';
import { parseModFile, parseModText, type ParsedModList } from '../services/modpack/input.js';
import { buildKit, checkServer, confirmNames } from '../services/modpack/modpack.js';
import { PortalReleaseSource } from '../services/modpack/releaseSource.js';
import { checkModpackName, MODPACK_NAME_MAX, ModpackLimitError } from '../services/modpack/savedModpacks.js';
import { echoInput, factorioVersionOption, respondFactorioVersions } from './options.js';

/** Discord's longest string option. */
const MAX_MODS_TEXT = 6000;
/** The most of an attachment the bot reads: mod-list.json and lists are far smaller; logs are read from the start. */
export const MAX_ATTACHMENT_BYTES = 4 * 1024 * 1024;
const ATTACHMENT_TIMEOUT_MS = 15_000;

const modsOption = (o: SlashCommandStringOption) =>
	o
		.setName('mods')
		.setDescription('Mod names, titles or portal links, separated by commas or new lines')
		.setRequired(true)
		.setMaxLength(MAX_MODS_TEXT);
const serverVersionOption = (o: SlashCommandStringOption) =>
	factorioVersionOption(o, 'The server’s Factorio version, e.g. 2.0 or 2.0.28').setRequired(true);
const spaceAgeOption = (o: SlashCommandBooleanOption) =>
	o.setName('space_age').setDescription('Space Age expansion on (default: on from Factorio 2.0)');
const recommendedOption = (o: SlashCommandBooleanOption) =>
	o.setName('recommended').setDescription('Add recommended (+) dependencies (default: yes)');

const data = new SlashCommandBuilder()
	.setName('modpack')
	.setDescription('Mod kits for headless servers: resolve dependencies, check a server’s mods')
	.addSubcommand((sub) =>
		sub
			.setName('resolve')
			.setDescription('Every mod and dependency a server needs, with mod-list.json and install scripts')
			.addStringOption(modsOption)
			.addStringOption(serverVersionOption)
			.addBooleanOption(spaceAgeOption)
			.addBooleanOption(recommendedOption),
	)
	.addSubcommand((sub) =>
		sub
			.setName('check')
			.setDescription('Check a server’s mod-list.json, factorio-current.log or list of mods')
			.addAttachmentOption((o) =>
				o
					.setName('file')
					.setDescription('mod-list.json, factorio-current.log, or a text file of mod names')
					.setRequired(true),
			)
			.addStringOption((o) =>
				factorioVersionOption(o, 'The server’s Factorio version (default: from the log, else the newest)'),
			)
			.addBooleanOption((o) =>
				o.setName('space_age').setDescription('Space Age expansion on (default: from the file, else on from 2.0)'),
			)
			.addBooleanOption((o) =>
				o.setName('recommended').setDescription('Add recommended (+) dependencies to the fixed kit (default: yes)'),
			),
	)
	.addSubcommand((sub) =>
		sub
			.setName('save')
			.setDescription('Save this server’s mods as a named set (needs Manage Server or Manage Channels)')
			.addStringOption((o) =>
				o
					.setName('name')
					.setDescription('Name of the set, e.g. main server; saving an existing name replaces that set')
					.setRequired(true)
					.setMaxLength(MODPACK_NAME_MAX),
			)
			.addStringOption(modsOption)
			.addStringOption(serverVersionOption)
			.addBooleanOption(spaceAgeOption)
			.addBooleanOption(recommendedOption),
	)
	.addSubcommand((sub) => sub.setName('list').setDescription('This server’s saved mod sets'))
	.addSubcommand((sub) =>
		sub
			.setName('remove')
			.setDescription('Remove a saved mod set (needs Manage Server or Manage Channels)')
			.addStringOption((o) =>
				o
					.setName('name')
					.setDescription('The saved set')
					.setRequired(true)
					.setAutocomplete(true)
					.setMaxLength(MODPACK_NAME_MAX),
			),
	)
	.toJSON();

function readVersion(interaction: ChatInputCommandInteraction, required: boolean): string | undefined {
	const version = interaction.options.getString('factorio_version', required)?.trim() || undefined;
	if (version !== undefined && !isGameVersion(version))
		throw new UserError('Give the Factorio version as major.minor or major.minor.patch, e.g. `2.0` or `2.0.28`.');
	return version;
}

function gameOf(version: string, spaceAge: boolean | null | undefined): GameTarget {
	return { version, spaceAge: spaceAge ?? compareVersions(gameMinor({ version, spaceAge: false }), '2.0') >= 0 };
}

function requireCatalog(context: BotContext): void {
	if (context.catalog.size === 0)
		throw new UserError('The mod list is still loading from the mod portal. Try again in a minute.');
}

function notesOf(parsed: ParsedModList, extra: string[] = []): InputNotes {
	return { duplicates: parsed.duplicates, disabled: parsed.disabled, notes: extra };
}

async function executeResolve(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void> {
	requireCatalog(context);
	const version = readVersion(interaction, true) ?? '';
	const game = gameOf(version, interaction.options.getBoolean('space_age'));
	const recommended = interaction.options.getBoolean('recommended') ?? true;
	// Parsing needs no I/O (the catalog is local), so bad input is refused before the deferral.
	const parsed = parseModText(interaction.options.getString('mods', true), context.catalog);
	await interaction.deferReply();
	const source = new PortalReleaseSource(context.portal);
	const { listed, unknown } = await confirmNames(parsed, source);
	const kit = await buildKit(listed, game, recommended, source);
	context.log.info(
		{ interaction: interaction.id, listed: listed.length, mods: kit.resolution.mods.length, ...kit.resolution.stats },
		'modpack resolved',
	);
	await interaction.editReply(renderKit({ ...kit, unknown }, notesOf(parsed)));
}

function megabytes(bytes: number): string {
	return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function isLogName(name: string): boolean {
	return /\.log$/i.test(name) || /factorio-(?:current|previous)/i.test(name);
}

/**
 * Reads an attachment from Discord's CDN (the `url` Discord gives): at most {@link MAX_ATTACHMENT_BYTES}; a log
 * longer than that is read from its start (the mod lines come first).
 *
 * @throws {UserError} when the download fails or a file that is not a log is too large.
 */
export async function readAttachment(
	attachment: Pick<Attachment, 'url' | 'name' | 'size'>,
): Promise<{ text: string; cut: boolean }> {
	const log = isLogName(attachment.name);
	if (!/^https?:\/\//i.test(attachment.url))
		throw new UserError('Discord gave no address for that file. Attach it again.');
	let response: Awaited<ReturnType<typeof request>>;
	try {
		response = await request(attachment.url, {
			method: 'GET',
			headersTimeout: ATTACHMENT_TIMEOUT_MS,
			bodyTimeout: ATTACHMENT_TIMEOUT_MS,
		});
	} catch {
		throw new UserError('The attached file could not be downloaded from Discord. Try again.');
	}
	if (response.statusCode !== 200) {
		await response.body.dump().catch(() => undefined);
		throw new UserError(
			`The attached file could not be downloaded from Discord (HTTP ${response.statusCode}). Try again.`,
		);
	}
	const chunks: Buffer[] = [];
	let length = 0;
	let cut = false;
	try {
		for await (const chunk of response.body) {
			const buffer = chunk as Buffer;
			if (length + buffer.length > MAX_ATTACHMENT_BYTES) {
				if (!log) throw new UserError(tooLarge(attachment.name, Math.max(attachment.size, length + buffer.length)));
				chunks.push(buffer.subarray(0, MAX_ATTACHMENT_BYTES - length));
				length = MAX_ATTACHMENT_BYTES;
				cut = true;
				break;
			}
			chunks.push(buffer);
			length += buffer.length;
		}
	} finally {
		response.body.destroy();
	}
	const bytes = Buffer.concat(chunks, length);
	const text =
		bytes[0] === 0xff && bytes[1] === 0xfe
			? new TextDecoder('utf-16le').decode(bytes.subarray(2))
			: bytes.toString('utf8');
	return { text, cut };
}

function tooLarge(name: string, size: number): string {
	return `${name} is ${megabytes(size)}; the bot reads files up to ${megabytes(MAX_ATTACHMENT_BYTES)}. Attach the mods folder’s mod-list.json, factorio-current.log, or a list of mod names.`;
}

async function executeCheck(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void> {
	requireCatalog(context);
	const attachment = interaction.options.getAttachment('file', true);
	const optionVersion = readVersion(interaction, false);
	if (attachment.size > MAX_ATTACHMENT_BYTES && !isLogName(attachment.name))
		throw new UserError(tooLarge(attachment.name, attachment.size));
	await interaction.deferReply();
	const { text, cut } = await readAttachment(attachment);
	const parsed = parseModFile(attachment.name, text, context.catalog);
	const notes: string[] = [];
	if (cut) notes.push(`Only the first ${megabytes(MAX_ATTACHMENT_BYTES)} of the log were read.`);
	let version = optionVersion ?? parsed.gameVersion;
	if (!optionVersion && parsed.gameVersion) notes.push(`Factorio version read from the log: ${parsed.gameVersion}.`);
	if (!version) {
		version = context.catalog.factorioVersions()[0] ?? '2.0';
		notes.push(
			`The file does not say the Factorio version: checked for ${version}, the newest on the portal (set \`factorio_version\` to change it).`,
		);
	}
	const spaceAge = interaction.options.getBoolean('space_age') ?? parsed.spaceAge;
	const game = gameOf(version, spaceAge);
	const recommended = interaction.options.getBoolean('recommended') ?? true;
	const checked = await checkServer(parsed, game, recommended, new PortalReleaseSource(context.portal));
	context.log.info(
		{
			interaction: interaction.id,
			format: parsed.format,
			mods: checked.checks.length,
			...checked.kit.resolution.stats,
		},
		'modpack checked',
	);
	await interaction.editReply(renderCheck(checked, notesOf(parsed, notes)));
}

/** The guild a saved-set subcommand works in. */
function guildOf(interaction: ChatInputCommandInteraction): string {
	if (!interaction.inGuild()) throw new UserError('Saved mod sets belong to a server: use this command in one.');
	return interaction.guildId;
}

/**
 * Refuses members who may not change the server's saved sets: Manage Server or Manage Channels (their permissions
 * in this channel, as Discord sends them with the interaction; Administrator implies both).
 */
function requireManager(interaction: ChatInputCommandInteraction): void {
	const permissions = interaction.memberPermissions;
	if (!permissions?.any([PermissionFlagsBits.ManageGuild, PermissionFlagsBits.ManageChannels]))
		throw new UserError('Changing saved mod sets needs the Manage Server or Manage Channels permission.');
}

async function executeSave(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void> {
	const guildId = guildOf(interaction);
	requireManager(interaction);
	requireCatalog(context);
	const name = checkModpackName(interaction.options.getString('name', true));
	const version = readVersion(interaction, true) ?? '';
	const game = gameOf(version, interaction.options.getBoolean('space_age'));
	const recommended = interaction.options.getBoolean('recommended') ?? true;
	const parsed = parseModText(interaction.options.getString('mods', true), context.catalog);
	await interaction.deferReply({ flags: MessageFlags.Ephemeral });
	const existing = await context.modpacks.get(guildId, name);
	if (!existing && (await context.modpacks.list(guildId)).length >= context.modpacks.maxPerGuild)
		throw new UserError(modpackLimitText(context.modpacks.maxPerGuild));
	const source = new PortalReleaseSource(context.portal);
	const { listed, unknown } = await confirmNames(parsed, source);
	const kit = await buildKit(listed, game, recommended, source);
	const { resolution } = kit;
	const problems = [...unknown, ...resolution.excluded.flatMap((e) => e.problems)];
	if (problems.length > 0) throw new UserError(refusedModpackText(name, problems));
	if (resolution.mods.length === 0)
		throw new UserError('Not saved: the list holds no mod to download, only parts of the game itself.');
	const constraints = new Map(
		parsed.mods.flatMap((mod) => (mod.constraint ? [[mod.name, mod.constraint] as const] : [])),
	);
	const { modpack, status } = await context.modpacks
		.save({ guildId, name, userId: interaction.user.id, resolution, constraints })
		// Another save may have taken the last place meanwhile.
		.catch((error: unknown) => {
			throw error instanceof ModpackLimitError ? new UserError(modpackLimitText(error.limit)) : error;
		});
	context.log.info(
		{ interaction: interaction.id, guild: guildId, modpack: modpack.id, status, mods: modpack.mods.length },
		'modpack saved',
	);
	await interaction.editReply(renderSavedModpack(modpack, status, resolution.warnings));
}

async function executeList(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void> {
	const guildId = guildOf(interaction);
	await interaction.deferReply({ flags: MessageFlags.Ephemeral });
	const sets = await context.modpacks.list(guildId);
	await interaction.editReply(renderModpackList(sets, context.modpacks.maxPerGuild));
}

async function executeRemove(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void> {
	const guildId = guildOf(interaction);
	requireManager(interaction);
	const input = interaction.options.getString('name', true);
	await interaction.deferReply({ flags: MessageFlags.Ephemeral });
	const removed = await context.modpacks.remove(guildId, input);
	if (!removed)
		throw new UserError(
			`This server has no saved set named ${echoInput(input, MODPACK_NAME_MAX)}. See \`/modpack list\`.`,
		);
	context.log.info(
		{ interaction: interaction.id, guild: guildId, modpack: removed.modpack.id, subscriptions: removed.subscriptions },
		'modpack removed',
	);
	await interaction.editReply(
		renderRemovedModpack(removed.modpack.name, removed.modpack.modCount, removed.subscriptions),
	);
}

/**
 * `/modpack` with `resolve`, `check`, `save`, `list` and `remove`, and the autocomplete of `factorio_version` and
 * of a saved set's `name`.
 */
export const modpackCommand = {
	data,
	async execute(interaction, context) {
		const sub = interaction.options.getSubcommand(true);
		if (sub === 'resolve') await executeResolve(interaction, context);
		else if (sub === 'check') await executeCheck(interaction, context);
		else if (sub === 'save') await executeSave(interaction, context);
		else if (sub === 'list') await executeList(interaction, context);
		else if (sub === 'remove') await executeRemove(interaction, context);
		else throw new UserError(`Unknown subcommand ${sub}.`);
	},
	async autocomplete(interaction, context) {
		const focused = interaction.options.getFocused(true);
		if (focused.name === 'factorio_version') await respondFactorioVersions(interaction, context, focused.value);
		else if (focused.name === 'name' && interaction.options.getSubcommand(false) === 'remove' && interaction.guildId) {
			const names = await context.modpacks.names(interaction.guildId, focused.value, LIMITS.autocompleteChoices);
			await interaction.respond(fitChoices(names.map((name) => ({ name, value: name }))));
		} else await interaction.respond([]);
	},
} satisfies Command;
