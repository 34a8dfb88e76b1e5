/**
 * Slash command options shared by several commands, so the same option reads and behaves the same everywhere
 * (Discord docs, "Application Command Object: Application Command Option Structure"), and the server-side checks of
 * what a client sent: Discord's choices and length limits bind only well-behaved clients, a crafted one can send
 * anything, so every value is checked again here before it is used or stored.
 */
import type { AutocompleteInteraction, ChatInputCommandInteraction, SlashCommandStringOption } from 'discord.js';
import type { BotContext } from '../discord/command.js';
import { fitChoices } from '../render/fit.js';
import { UserError } from '../services/errors.js';
import { withoutInvisible } from '../services/factorio/modReference.js';
import { CATEGORIES, TAGS } from '../services/portal/schemas.js';

/** Longest echo of user input in a reply, in characters (before the ellipsis). */
export const ECHO_MAX = 60;
/** What a `factorio_version` filter can be: `major.minor` (Factorio wiki, "Tutorial:Mod structure", `factorio_version`). */
const FACTORIO_VERSION = /^\d{1,3}\.\d{1,3}$/;

/** `name`: a mod's internal name, title or portal link, autocompleted from the catalog. */
export function modNameOption(option: SlashCommandStringOption): SlashCommandStringOption {
	return option
		.setName('name')
		.setDescription('Internal name, title, or a mod portal link')
		.setRequired(true)
		.setAutocomplete(true)
		.setMaxLength(300);
}

/** `factorio_version`: a `major.minor` Factorio version, autocompleted from the versions in the catalog. */
export function factorioVersionOption(option: SlashCommandStringOption, description: string): SlashCommandStringOption {
	return option.setName('factorio_version').setDescription(description).setAutocomplete(true).setMaxLength(10);
}

/** `category`: one of the portal's current categories. */
export function categoryOption(option: SlashCommandStringOption): SlashCommandStringOption {
	return option
		.setName('category')
		.setDescription('Only mods of this category')
		.addChoices(...CATEGORIES.map((c) => ({ name: c, value: c })));
}

/** `tag`: one of the portal's current tags. */
export function tagOption(option: SlashCommandStringOption): SlashCommandStringOption {
	return option
		.setName('tag')
		.setDescription('Only mods with this tag')
		.addChoices(...TAGS.map((t) => ({ name: t, value: t })));
}

/**
 * Answers the autocomplete of a `factorio_version` option: the catalog's versions starting with what was typed,
 * through {@link fitChoices}.
 */
export async function respondFactorioVersions(
	interaction: AutocompleteInteraction,
	context: BotContext,
	typed: string,
): Promise<void> {
	const versions = context.catalog.factorioVersions().filter((v) => v.startsWith(typed.trim()));
	await interaction.respond(fitChoices(versions.map((v) => ({ name: v, value: v }))));
}

/**
 * User input made fit for use and echo: control, bidi and zero-width characters removed, runs of white space (new
 * lines included) made one space, trimmed.
 */
export function cleanInput(text: string): string {
	return withoutInvisible(text.replace(/\s+/g, ' ')).trim();
}

/**
 * User input to show back in a reply: {@link cleanInput}, cut to `max` characters (default {@link ECHO_MAX}) with
 * an ellipsis, as inline code (backticks in it become `'`) so that no markdown, link or mention in it takes effect.
 */
export function echoInput(text: string, max = ECHO_MAX): string {
	const clean = cleanInput(text).replace(/`/g, "'");
	const chars = Array.from(clean);
	return `\`${chars.length > max ? `${chars.slice(0, max).join('')}…` : clean}\``;
}

/** The filters of `/mod search` and `/subscribe all`, checked; absent ones are undefined. */
export interface FilterOptions {
	/** A `major.minor` the catalog knows (any well-formed one while the catalog is empty). */
	factorioVersion?: string;
	/** One of the portal's categories: the current ones, `no-category`, or an older one present in the catalog. */
	category?: string;
	/** One of the portal's current tags. */
	tag?: string;
}

/**
 * Reads and checks the `factorio_version`, `category` and (when `withTag`) `tag` options of a command. Empty values
 * count as absent.
 *
 * @throws {UserError} naming the option and the values it takes, when one holds anything else: a filter that can
 *   never match is refused, never stored or searched.
 */
export function readFilters(
	interaction: ChatInputCommandInteraction,
	context: BotContext,
	{ withTag }: { withTag: boolean },
): FilterOptions {
	const filters: FilterOptions = {};
	const version = interaction.options.getString('factorio_version')?.trim();
	if (version) {
		const known = context.catalog.factorioVersions();
		if (!FACTORIO_VERSION.test(version)) {
			throw new UserError(
				`${echoInput(version, 20)} is not a Factorio version: give major.minor, such as ${known[0] ?? '2.0'}.`,
			);
		}
		if (known.length > 0 && !known.includes(version)) {
			throw new UserError(
				`No mod on the portal is for Factorio ${version}. Known versions: ${known.slice(0, 15).join(', ')}.`,
			);
		}
		filters.factorioVersion = version;
	}
	const category = interaction.options.getString('category')?.trim();
	if (category) {
		const known = new Set<string>([...CATEGORIES, 'no-category', ...context.catalog.categories()]);
		if (!known.has(category)) {
			throw new UserError(
				`${echoInput(category, 30)} is not a mod portal category. Pick one of: ${CATEGORIES.join(', ')}.`,
			);
		}
		filters.category = category;
	}
	const tag = withTag ? interaction.options.getString('tag')?.trim() : undefined;
	if (tag) {
		if (!(TAGS as readonly string[]).includes(tag)) {
			throw new UserError(`${echoInput(tag, 30)} is not a mod portal tag. Pick one of: ${TAGS.join(', ')}.`);
		}
		filters.tag = tag;
	}
	return filters;
}
