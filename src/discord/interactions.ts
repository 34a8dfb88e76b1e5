import { DiscordAPIError, MessageFlags, type Interaction, type RepliableInteraction } from 'discord.js';
import { discordTimestamp } from '../render/limits.js';
import { UserError } from '../services/errors.js';
import { PortalError } from '../services/portal/client.js';
import type { BotContext, Command } from './command.js';
import {
	observationOf,
	outcomeOf,
	type InteractionObservation,
	type InteractionOutcome,
} from './interactionObservation.js';

/**
 * The message a user sees for an error: a {@link UserError}'s own text, a plain sentence for portal and Discord
 * failures (a rate limit says when to try again, as a Discord timestamp), and a short apology for anything else
 * (which is logged). Never a stack trace or a secret.
 */
export function userMessage(error: unknown): string {
	if (error instanceof UserError) return error.message;
	if (error instanceof PortalError) {
		switch (error.kind) {
			case 'not_found':
				return 'The mod portal does not know that mod.';
			case 'unavailable':
				return 'The Factorio mod portal is not answering right now. Try again in a minute.';
			case 'rate_limited': {
				const when = error.retryAt ? discordTimestamp(error.retryAt.toISOString(), 'R') : undefined;
				return `The Factorio mod portal asked the bot to slow down. Try again ${when ?? 'in a minute'}.`;
			}
			case 'invalid_response':
				return 'The Factorio mod portal sent an answer the bot could not read. Try again later.';
		}
	}
	if (error instanceof DiscordAPIError && (error.code === 50001 || error.code === 50013)) {
		return 'I am missing a permission in this channel to do that.';
	}
	return 'Something went wrong on my side. It has been logged; try again later.';
}

/** Whether an error is an expected outcome (shown to the user) rather than a fault worth an error log line. */
function isExpected(error: unknown): boolean {
	return error instanceof UserError || error instanceof PortalError;
}

async function replyWithError(interaction: RepliableInteraction, content: string): Promise<void> {
	const body = { content, flags: MessageFlags.Ephemeral as const, allowedMentions: { parse: [] } };
	if (interaction.deferred && !interaction.replied && !interaction.ephemeral) {
		// A public "thinking…" placeholder would keep the error in the channel: drop it and answer privately.
		await interaction.deleteReply().catch(() => undefined);
		await interaction.followUp(body);
	} else if (interaction.deferred && !interaction.replied) {
		await interaction.editReply({ content, embeds: [], components: [] });
	} else if (interaction.replied) {
		await interaction.followUp(body);
	} else {
		await interaction.reply(body);
	}
}

/**
 * Builds the `interactionCreate` listener: routes chat input commands, autocomplete and message components to the
 * command that owns them (by command name or custom id prefix), and is the one error boundary. Follows Discord docs
 * "Receiving and Responding to Interactions". The returned promise never rejects.
 *
 * @param hooks.onHandled - called once per routed interaction, after its answer (metrics); a throw is logged.
 */
export function createInteractionHandler(
	commands: readonly Command[],
	context: BotContext,
	hooks: { onHandled?: (observation: InteractionObservation) => void } = {},
): (interaction: Interaction) => Promise<void> {
	const byName = new Map(commands.map((command) => [command.data.name, command]));
	const byPrefix = (customId: string) =>
		commands.find((command) =>
			command.componentPrefixes?.some((prefix) => customId === prefix || customId.startsWith(`${prefix}|`)),
		);

	const observe = (interaction: Interaction, outcome: InteractionOutcome, ms: number) => {
		const command = interaction.isMessageComponent()
			? byPrefix(interaction.customId)
			: interaction.isCommand() || interaction.isAutocomplete()
				? byName.get(interaction.commandName)
				: undefined;
		const observation = hooks.onHandled && observationOf(interaction, command, outcome, ms);
		try {
			if (observation) hooks.onHandled?.(observation);
		} catch (error) {
			context.log.warn({ err: error }, 'the interaction observer failed');
		}
	};

	return async (interaction) => {
		const where = { interaction: interaction.id, guild: interaction.guildId, type: interaction.type };
		const startedAt = performance.now();
		let outcome: InteractionOutcome = 'ok';
		try {
			if (interaction.isChatInputCommand()) {
				const command = byName.get(interaction.commandName);
				if (!command) throw new UserError('This command is not available any more.');
				context.log.debug({ ...where, command: interaction.commandName }, 'command');
				await command.execute(interaction, context);
			} else if (interaction.isAutocomplete()) {
				const command = byName.get(interaction.commandName);
				await (command?.autocomplete ? command.autocomplete(interaction, context) : interaction.respond([]));
			} else if (interaction.isMessageComponent()) {
				const command = byPrefix(interaction.customId);
				if (!command?.component) throw new UserError('This button is no longer supported. Run the command again.');
				await command.component(interaction, context);
			}
		} catch (error) {
			outcome = outcomeOf(error);
			if (isExpected(error))
				context.log.info({ ...where, reason: userMessage(error) }, 'interaction answered with an error');
			else context.log.error({ ...where, err: error }, 'interaction failed');
			try {
				if (interaction.isAutocomplete()) {
					if (!interaction.responded) await interaction.respond([]);
				} else if (interaction.isRepliable()) {
					await replyWithError(interaction, userMessage(error));
				}
			} catch (replyError) {
				context.log.warn({ ...where, err: replyError }, 'could not tell the user about an error');
			}
		} finally {
			observe(interaction, outcome, performance.now() - startedAt);
		}
	};
}
