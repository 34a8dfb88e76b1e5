/**
 * What the interaction boundary reports about each interaction for metrics, with bounded labels: the command (and
 * subcommand) names come from the bot's own registrations, never from what the interaction carries.
 */
import { ApplicationCommandOptionType, type Interaction } from 'discord.js';
import { UserError } from '../services/errors.js';
import { PortalError } from '../services/portal/client.js';
import type { Command } from './command.js';

/** How the boundary ended an interaction: answered, a {@link UserError}, a {@link PortalError}, or another error. */
export type InteractionOutcome = 'ok' | 'user_error' | 'portal_error' | 'error';

/**
 * One handled interaction. `command` is a registered command's name, with its subcommand group and subcommand when
 * the interaction names registered ones (`mod search`), or `unknown`: never free text from the user. `type` is the
 * interaction's kind; `ms` runs from receipt to the end of the answer (error answers included).
 */
export interface InteractionObservation {
	command: string;
	type: 'command' | 'autocomplete' | 'component';
	outcome: InteractionOutcome;
	ms: number;
}

/** The outcome of an interaction whose handler threw `error`. */
export function outcomeOf(error: unknown): InteractionOutcome {
	if (error instanceof UserError) return 'user_error';
	if (error instanceof PortalError) return 'portal_error';
	return 'error';
}

/** `mod`, `mod search` or `group sub`: only names that the command's registration declares; else undefined. */
function subcommandPath(command: Command, group: string | null, sub: string | null): string | undefined {
	let options = command.data.options ?? [];
	const path = [command.data.name];
	for (const [name, type] of [
		[group, ApplicationCommandOptionType.SubcommandGroup],
		[sub, ApplicationCommandOptionType.Subcommand],
	] as const) {
		if (name === null) continue;
		const option = options.find((candidate) => candidate.name === name && candidate.type === type);
		if (!option) return undefined;
		path.push(option.name);
		options = 'options' in option ? (option.options ?? []) : [];
	}
	return path.join(' ');
}

/**
 * The observation of a routed interaction (a chat input command, an autocomplete or a message component; undefined
 * for any other kind), given the command routing chose for it (undefined: none).
 */
export function observationOf(
	interaction: Interaction,
	command: Command | undefined,
	outcome: InteractionOutcome,
	ms: number,
): InteractionObservation | undefined {
	if (interaction.isChatInputCommand() || interaction.isAutocomplete()) {
		const group = interaction.options.getSubcommandGroup(false);
		const sub = interaction.options.getSubcommand(false);
		const name = (command && subcommandPath(command, group, sub)) ?? 'unknown';
		return { command: name, type: interaction.isAutocomplete() ? 'autocomplete' : 'command', outcome, ms };
	}
	if (interaction.isMessageComponent()) {
		return { command: command?.data.name ?? 'unknown', type: 'component', outcome, ms };
	}
	return undefined;
}
