/**
 * Slash command options shared by several commands, so the same option reads and behaves the same everywhere
 * (Discord docs, "Application Command Object: Application Command Option Structure").
 */
import type { AutocompleteInteraction, SlashCommandStringOption } from 'discord.js';
import type { BotContext } from '../discord/command.js';
import { fitChoices } from '../render/fit.js';
import { CATEGORIES } from '../services/portal/schemas.js';

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
