/**
 * `/mod search`, `/mod info`, `/mod changelog`: look mods up on the Factorio mod portal.
 */
import {
	MessageFlags,
	SlashCommandBuilder,
	type AutocompleteInteraction,
	type ChatInputCommandInteraction,
	type MessageComponentInteraction,
} from 'discord.js';
import type { BotContext, Command } from '../discord/command.js';
import { LIMITS, truncate } from '../render/limits.js';
import { safeMarkdown } from '../render/safeText.js';
import { SEARCH_OPEN_ID, SEARCH_PAGE_ID, decodeSearchState, searchPageIds } from '../discord/customIds.js';
import { renderChangelog } from '../render/changelog.js';
import { fitChoices, type Choice } from '../render/fit.js';
import { renderModInfo } from '../render/modInfo.js';
import { SORT_LABELS, autocompleteLabel, renderSearchPage, type SearchState } from '../render/searchPage.js';
import type { CatalogSort } from '../services/catalog/catalog.js';
import {
	categoryOption,
	cleanInput,
	echoInput,
	factorioVersionOption,
	modNameOption,
	readFilters,
	respondFactorioVersions,
} from './options.js';
import { compareVersions } from '../services/factorio/version.js';
import { UserError } from '../services/errors.js';
import {
	PORTAL_HOSTS,
	modNameFromInput,
	parseModReference,
	suggestionText,
} from '../services/factorio/modReference.js';
import { PortalError } from '../services/portal/client.js';
import type { ModDetails, ModSummary } from '../services/portal/schemas.js';

/** Results per search page (one embed, Discord's select menu holds 25). */
export const SEARCH_PAGE_SIZE = 10;
/** Longest query kept: it travels in the page buttons' custom ids (100 characters). */
const MAX_QUERY = 60;
/** Autocomplete must answer within Discord's 3 s; a slower portal gets no version suggestions. */
const AUTOCOMPLETE_PORTAL_BUDGET_MS = 2000;

const data = new SlashCommandBuilder()
	.setName('mod')
	.setDescription('Look up mods on the Factorio mod portal')
	.addSubcommand((sub) =>
		sub
			.setName('search')
			.setDescription('Search the mod portal')
			.addStringOption((o) =>
				o
					.setName('query')
					.setDescription('Words from the name, title, owner or summary')
					.setRequired(true)
					.setMaxLength(MAX_QUERY),
			)
			.addStringOption((o) =>
				factorioVersionOption(o, 'Only mods whose latest release is for this Factorio version, e.g. 2.0'),
			)
			.addStringOption(categoryOption)
			.addStringOption((o) =>
				o
					.setName('sort')
					.setDescription('Order of the results (default: relevance)')
					.addChoices(...Object.entries(SORT_LABELS).map(([value, name]) => ({ name, value }))),
			),
	)
	.addSubcommand((sub) =>
		sub
			.setName('info')
			.setDescription('Show a mod: releases, Factorio versions, dependencies, downloads, links')
			.addStringOption(modNameOption),
	)
	.addSubcommand((sub) =>
		sub
			.setName('changelog')
			.setDescription('Show the changelog of a mod release')
			.addStringOption(modNameOption)
			.addStringOption((o) =>
				o
					.setName('version')
					.setDescription('Release version (default: the latest)')
					.setAutocomplete(true)
					.setMaxLength(40),
			),
	)
	.toJSON();

/**
 * Finds the mod a user meant and fetches its full details from the portal (cached).
 * Accepts an internal name, a title (case-insensitive) or a pasted portal link; see {@link modNameOf}.
 *
 * @throws {UserError} when the input cannot name a mod (no portal request then) or no such mod exists (with the
 *   closest names from the catalog).
 * @throws {PortalError} when the portal is unavailable, rate limiting or answering garbage.
 */
export async function findModDetails(context: BotContext, input: string): Promise<ModDetails> {
	const name = modNameOf(context, input);
	try {
		return await context.portal.getFullMod(name);
	} catch (error) {
		throw modNotFound(context, name, error);
	}
}

/** Hosts whose `/mod/{name}` links count as portal links: mods.factorio.com and the configured portal. */
function portalHosts(context: BotContext): string[] {
	try {
		return [...PORTAL_HOSTS, new URL(context.links.portalUrl).host.toLowerCase()];
	} catch {
		return [...PORTAL_HOSTS];
	}
}

/**
 * The internal name a user meant, without asking the portal: a catalog mod by name, title or pasted link, else the
 * name inside the input when it can be a mod name at all (`modReference.ts`: the characters and length of every
 * recorded name; links to mods.factorio.com or the configured portal only).
 *
 * @throws {UserError} when the input cannot name a mod: the reason, and the catalog's closest names.
 */
export function modNameOf(context: BotContext, input: string): string {
	const known = context.catalog.resolve(input);
	if (known) return known.name;
	const reference = parseModReference(input, { portalHosts: portalHosts(context) });
	if (!reference.ok)
		throw new UserError(truncate(`${reference.reason}${closestHint(context, input)}`, LIMITS.messageContent));
	return context.catalog.resolve(reference.name)?.name ?? reference.name;
}

/** ` Closest names: ...` from the catalog for what the user typed, or an empty string. */
function closestHint(context: BotContext, input: string): string {
	const text = suggestionText(input);
	const closest = text === '' ? [] : context.catalog.suggest(text, 3);
	return closest.length > 0
		? ` Closest names: ${closest.map((m) => `${echoInput(m.name, 100)} (${safeMarkdown(cleanInput(m.title).slice(0, 100))})`).join(', ')}.`
		: '';
}

/**
 * Turns the portal's `not_found` for `name` into a {@link UserError} naming the closest catalog mods; any other
 * error is returned unchanged, for the caller to throw.
 */
export function modNotFound(context: BotContext, name: string, error: unknown): unknown {
	if (!(error instanceof PortalError && error.kind === 'not_found')) return error;
	return new UserError(
		truncate(
			`No mod named ${echoInput(name, 100)} on the mod portal.${closestHint(context, name)}`,
			LIMITS.messageContent,
		),
	);
}

function searchPage(context: BotContext, state: SearchState) {
	return context.catalog.search({
		query: state.query,
		filters: { factorioVersion: state.factorioVersion, category: state.category },
		sort: state.sort,
		offset: (state.page - 1) * SEARCH_PAGE_SIZE,
		limit: SEARCH_PAGE_SIZE,
	});
}

async function executeSearch(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void> {
	const filters = readFilters(interaction, context, { withTag: false });
	const state: SearchState = {
		query: cleanInput(interaction.options.getString('query', true)).slice(0, MAX_QUERY).trim(),
		factorioVersion: filters.factorioVersion,
		category: filters.category,
		sort: sortOf(interaction.options.getString('sort')),
		page: 1,
	};
	if (state.query === '') throw new UserError('Give some words to search for.');
	if (context.catalog.size === 0)
		throw new UserError('The mod list is still loading from the mod portal. Try again in a minute.');
	let page = searchPage(context, state);
	if (page.total === 0 && context.portal.canSearch) {
		// The portal can take longer than Discord's 3 seconds: acknowledge first.
		await interaction.deferReply();
		page = await portalSearchFallback(context, state);
	}
	if (page.total === 0) {
		throw new UserError(
			truncate(
				`No mods match ${echoInput(state.query)}${state.factorioVersion || state.category ? ' with these filters' : ''}.${closestHint(context, state.query)}`,
				LIMITS.messageContent,
			),
		);
	}
	const message = renderSearchPage(context.links, state, page, SEARCH_PAGE_SIZE, searchPageIds(state));
	if (interaction.deferred) await interaction.editReply(message);
	else await interaction.reply(message);
}

/** The `sort` option, checked: one of the offered sorts, else relevance. */
function sortOf(value: string | null): CatalogSort {
	return value !== null && Object.hasOwn(SORT_LABELS, value) ? (value as CatalogSort) : 'relevance';
}

/** The portal's own search (needs a portal account), mapped to catalog entries; used when the catalog finds nothing. */
async function portalSearchFallback(context: BotContext, state: SearchState) {
	const results = await context.portal.search({
		query: state.query,
		version: state.factorioVersion,
		category: state.category,
		pageSize: 25,
	});
	const mods = results.flatMap((r): ModSummary[] => {
		const known = context.catalog.get(r.name);
		return known ? [known] : [];
	});
	const offset = (state.page - 1) * SEARCH_PAGE_SIZE;
	return { total: mods.length, mods: mods.slice(offset, offset + SEARCH_PAGE_SIZE) };
}

async function executeInfo(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void> {
	// Input that cannot name a mod is refused at once, privately, before the public "thinking…".
	const name = modNameOf(context, interaction.options.getString('name', true));
	await interaction.deferReply();
	const mod = await findModDetails(context, name);
	await interaction.editReply(renderModInfo(context.links, mod));
}

async function executeChangelog(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void> {
	const name = modNameOf(context, interaction.options.getString('name', true));
	const version = cleanInput(interaction.options.getString('version') ?? '') || undefined;
	await interaction.deferReply();
	const mod = await findModDetails(context, name);
	const message = renderChangelog(context.links, mod, version);
	if (!message) {
		if (!mod.changelog?.trim()) throw new UserError(`${mod.title} has no changelog on the mod portal.`);
		const recent = [...mod.releases]
			.map((r) => r.version)
			.sort((a, b) => compareVersions(b, a))
			.slice(0, 10);
		throw new UserError(
			truncate(
				`${mod.title} has no changelog entry for version ${echoInput(version ?? '', 40)}. Recent releases: ${recent.join(', ')}.`,
				LIMITS.messageContent,
			),
		);
	}
	await interaction.editReply(message);
}

/** Races the portal against the autocomplete budget; a late or failed answer gives undefined. */
async function withinBudget<T>(promise: Promise<T>): Promise<T | undefined> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<undefined>((resolve) => {
		timer = setTimeout(() => {
			resolve(undefined);
		}, AUTOCOMPLETE_PORTAL_BUDGET_MS);
	});
	try {
		return await Promise.race([promise.catch(() => undefined), timeout]);
	} finally {
		clearTimeout(timer);
	}
}

/**
 * Autocomplete choices of mods for `query` from the local catalog: `Title version · owner` -> internal name, through
 * {@link fitChoices} (a name longer than 100 characters cannot be a choice value and is left out).
 */
export function modChoices(context: BotContext, query: string): Choice[] {
	return fitChoices(
		context.catalog
			.autocomplete(query, LIMITS.autocompleteChoices)
			.map((mod) => ({ name: autocompleteLabel(mod), value: mod.name })),
	);
}

async function autocomplete(interaction: AutocompleteInteraction, context: BotContext): Promise<void> {
	const focused = interaction.options.getFocused(true);
	const typed = focused.value.trim();
	if (focused.name === 'name') {
		await interaction.respond(modChoices(context, typed));
	} else if (focused.name === 'version') {
		const input = interaction.options.getString('name') ?? '';
		const name = context.catalog.resolve(input)?.name ?? modNameFromInput(input);
		const mod = name ? await withinBudget(context.portal.getFullMod(name)) : undefined;
		const versions = (mod?.releases ?? [])
			.map((r) => r.version)
			.filter((v) => v.startsWith(typed))
			.sort((a, b) => compareVersions(b, a));
		await interaction.respond(fitChoices(versions.map((v) => ({ name: v, value: v }))));
	} else if (focused.name === 'factorio_version') {
		await respondFactorioVersions(interaction, context, typed);
	} else {
		await interaction.respond([]);
	}
}

async function component(interaction: MessageComponentInteraction, context: BotContext): Promise<void> {
	if (interaction.isStringSelectMenu() && interaction.customId === SEARCH_OPEN_ID) {
		const name = interaction.values[0];
		if (!name) throw new UserError('Pick a mod from the list.');
		await interaction.deferReply({ flags: MessageFlags.Ephemeral });
		const mod = await findModDetails(context, name);
		await interaction.editReply(renderModInfo(context.links, mod));
		return;
	}
	const state = interaction.isButton() ? decodeSearchState(interaction.customId) : undefined;
	if (!state) throw new UserError('This button is no longer supported. Run the command again.');
	const page = searchPage(context, state);
	const pageCount = Math.max(1, Math.ceil(page.total / SEARCH_PAGE_SIZE));
	if (state.page > pageCount) {
		// The catalog changed since the message was sent: show the last page there is.
		state.page = pageCount;
		await interaction.update(
			renderSearchPage(context.links, state, searchPage(context, state), SEARCH_PAGE_SIZE, searchPageIds(state)),
		);
		return;
	}
	await interaction.update(renderSearchPage(context.links, state, page, SEARCH_PAGE_SIZE, searchPageIds(state)));
}

/** `/mod` with its three subcommands, its autocomplete and its search-result components. */
export const modCommand = {
	data,
	async execute(interaction, context) {
		const sub = interaction.options.getSubcommand(true);
		if (sub === 'search') await executeSearch(interaction, context);
		else if (sub === 'info') await executeInfo(interaction, context);
		else if (sub === 'changelog') await executeChangelog(interaction, context);
		else throw new UserError(`Unknown subcommand ${echoInput(sub, 32)}.`);
	},
	autocomplete,
	componentPrefixes: [SEARCH_PAGE_ID, SEARCH_OPEN_ID],
	component,
} satisfies Command;
