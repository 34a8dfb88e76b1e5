/**
 * `/modpack resolve` and `/modpack check`: server mod kits. Resolve turns a list of mods into the exact releases a
 * headless server needs, with `mod-list.json`, `mods.lock.json` and two install scripts attached; check reads a
 * server's `mod-list.json`, `factorio-current.log` or list of names and says per mod what needs doing, then gives
 * the fixed kit.
 *
 * The bot never asks for or accepts portal credentials and never proxies a download: the install scripts fetch the
 * files on the server, with the server's own account. Discord docs: "Application Commands" (attachment options,
 * type 11, arrive in `data.resolved.attachments` with a CDN `url`), "Receiving and Responding to Interactions"
 * (answer or defer within 3 s).
 */
import { SlashCommandBuilder, type Attachment, type ChatInputCommandInteraction } from 'discord.js';
import { request } from 'undici';
import type { BotContext, Command } from '../discord/command.js';
import { renderCheck, renderKit, type InputNotes } from '../render/modpack.js';
import { UserError } from '../services/errors.js';
import { compareVersions } from '../services/factorio/version.js';
import { gameMinor, isGameVersion, type GameTarget } from '../services/modpack/game.js';
import { parseModFile, parseModText, type ParsedModList } from '../services/modpack/input.js';
import { buildKit, checkServer, confirmNames } from '../services/modpack/modpack.js';
import { PortalReleaseSource } from '../services/modpack/releaseSource.js';
import { factorioVersionOption, respondFactorioVersions } from './options.js';

/** Discord's longest string option. */
const MAX_MODS_TEXT = 6000;
/** The most of an attachment the bot reads: mod-list.json and lists are far smaller; logs are read from the start. */
export const MAX_ATTACHMENT_BYTES = 4 * 1024 * 1024;
const ATTACHMENT_TIMEOUT_MS = 15_000;

const data = new SlashCommandBuilder()
	.setName('modpack')
	.setDescription('Mod kits for headless servers: resolve dependencies, check a server’s mods')
	.addSubcommand((sub) =>
		sub
			.setName('resolve')
			.setDescription('Every mod and dependency a server needs, with mod-list.json and install scripts')
			.addStringOption((o) =>
				o
					.setName('mods')
					.setDescription('Mod names, titles or portal links, separated by commas or new lines')
					.setRequired(true)
					.setMaxLength(MAX_MODS_TEXT),
			)
			.addStringOption((o) =>
				factorioVersionOption(o, 'The server’s Factorio version, e.g. 2.0 or 2.0.28').setRequired(true),
			)
			.addBooleanOption((o) =>
				o.setName('space_age').setDescription('Space Age expansion on (default: on from Factorio 2.0)'),
			)
			.addBooleanOption((o) =>
				o.setName('recommended').setDescription('Add recommended (+) dependencies (default: yes)'),
			),
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

/** `/modpack` with `resolve` and `check`, and the autocomplete of their `factorio_version`. */
export const modpackCommand = {
	data,
	async execute(interaction, context) {
		const sub = interaction.options.getSubcommand(true);
		if (sub === 'resolve') await executeResolve(interaction, context);
		else if (sub === 'check') await executeCheck(interaction, context);
		else throw new UserError(`Unknown subcommand ${sub}.`);
	},
	async autocomplete(interaction, context) {
		const focused = interaction.options.getFocused(true);
		if (focused.name === 'factorio_version') await respondFactorioVersions(interaction, context, focused.value);
		else await interaction.respond([]);
	},
} satisfies Command;
