/**
 * The `/modpack save`, `list` and `remove` answers, through {@link fitMessage} (Discord docs, "Channel Resources:
 * Embed Limits"; message content 2,000 characters).
 */
import type { APIEmbed } from 'discord.js';
import { describeProblem, type Problem } from '../services/modpack/problems.js';
import type { ModpackSummary, SavedModpack } from '../services/modpack/savedModpacks.js';
import { EMBED_COLOR } from './components.js';
import { fitMessage, type MessagePayload } from './fit.js';
import { discordTimestamp, LIMITS, truncate } from './limits.js';
import { linesWithin } from './modpack.js';
import { safeMarkdown } from './safeText.js';

type Reply = MessagePayload & { allowedMentions: { parse: [] } };

/** Why `/modpack save` refuses a new set when the server keeps `limit` already, and what to do instead. */
export function modpackLimitText(limit: number): string {
	return `This server already has ${limit} saved sets, the most it may keep. Remove one with \`/modpack remove\` or save under an existing name to replace that set.`;
}

function code(name: string): string {
	return `\`${name.replace(/`/g, "'")}\``;
}

function gameOf(set: Pick<SavedModpack, 'factorioVersion' | 'spaceAge'>): string {
	const minor = Number(set.factorioVersion.split('.')[0] ?? 0);
	return `Factorio ${set.factorioVersion}${minor >= 2 ? (set.spaceAge ? ', Space Age on' : ', Space Age off') : ''}`;
}

function reply(content: string, embeds: APIEmbed[] = []): Reply {
	return { ...fitMessage({ content, embeds, components: [] }), allowedMentions: { parse: [] } };
}

/**
 * The answer to a save: which set, how many mods, listed and pulled in (each at its release), the minimum game
 * patch, and warnings the resolver gave (deprecated mods, listed built-ins).
 */
export function renderSavedModpack(
	modpack: SavedModpack,
	status: 'created' | 'updated',
	warnings: readonly Problem[] = [],
): Reply {
	const listed = modpack.mods.filter((m) => m.listed);
	const pulled = modpack.mods.filter((m) => !m.listed);
	const verb = status === 'created' ? 'Saved' : 'Updated';
	const content = `${verb} the set **${safeMarkdown(modpack.name)}**: ${modpack.mods.length} mods for ${gameOf(modpack)}.`;
	const line = (m: SavedModpack['mods'][number]) =>
		`${code(m.name)} ${m.version}${m.constraint ? ` (${safeMarkdown(m.constraint)})` : ''}`;
	const description = [
		`${listed.length} listed, ${pulled.length} pulled in as dependencies, each at the release chosen now.`,
		modpack.minimumGameVersion ? `The server needs at least Factorio ${modpack.minimumGameVersion}.` : undefined,
		status === 'updated' ? 'It replaces the set saved earlier under this name.' : undefined,
	]
		.filter((l): l is string => l !== undefined)
		.join('\n');
	const fields = [
		{ name: `Listed mods (${listed.length})`, value: linesWithin(listed.map(line)) },
		...(pulled.length > 0
			? [{ name: `Pulled in as dependencies (${pulled.length})`, value: linesWithin(pulled.map(line)) }]
			: []),
		...(warnings.length > 0
			? [{ name: 'Warnings', value: linesWithin(warnings.map((w) => `• ${safeMarkdown(describeProblem(w))}`)) }]
			: []),
	];
	return reply(content, [
		{ title: truncate(modpack.name, LIMITS.embedTitle), description, color: EMBED_COLOR, fields },
	]);
}

/**
 * The refusal of a set that does not resolve: the resolver's problems, one a line, within a message's 2,000
 * characters (`… and N more`).
 */
export function refusedModpackText(name: string, problems: readonly Problem[]): string {
	const head = `Not saved: the set **${safeMarkdown(name)}** cannot go on a server as it is. Fix these and save again:`;
	const lines = problems.map((p) => `• ${safeMarkdown(describeProblem(p))}`);
	return truncate(`${head}\n${linesWithin(lines, LIMITS.messageContent - head.length - 1)}`, LIMITS.messageContent);
}

/** The guild's saved sets, one a line: name, game, counts, last change. */
export function renderModpackList(sets: readonly ModpackSummary[], max: number): Reply {
	if (sets.length === 0)
		return reply(
			'This server has no saved mod sets. Save one with `/modpack save name:<name> mods:<list> factorio_version:<version>`.',
		);
	const lines = sets.map(
		(set) =>
			`**${safeMarkdown(set.name)}**: ${gameOf(set)}, ${set.listedCount} listed + ${set.modCount - set.listedCount} dependencies, changed ${discordTimestamp(new Date(set.updatedAt).toISOString(), 'R') ?? 'earlier'} by <@${set.updatedBy}>`,
	);
	return reply(`Saved mod sets (${sets.length} of at most ${max}):`, [
		{ description: linesWithin(lines, LIMITS.embedDescription), color: EMBED_COLOR },
	]);
}

/** The answer to a removal. */
export function renderRemovedModpack(name: string, mods: number, subscriptions: number): Reply {
	const followed =
		subscriptions > 0
			? ` ${subscriptions} subscription${subscriptions === 1 ? '' : 's'} following it went with it.`
			: '';
	return reply(`Removed the set **${safeMarkdown(name)}** (${mods} mods).${followed}`);
}
