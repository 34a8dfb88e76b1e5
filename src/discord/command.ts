import type {
	AutocompleteInteraction,
	ChatInputCommandInteraction,
	MessageComponentInteraction,
	RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Logger } from '../log.js';
import type { PortalLinks } from '../services/portal/links.js';
import type { Catalog } from '../services/catalog/catalog.js';
import type { ReleaseFeed } from '../services/announcements/releaseFeed.js';
import type { SubscriptionRepository } from '../services/announcements/subscriptions.js';
import type { PortalClient } from '../services/portal/client.js';
import type { ModpackStore } from '../services/modpack/savedModpacks.js';

/** What every handler receives: the services it may call. Passed in, never imported as singletons. */
export interface BotContext {
	portal: PortalClient;
	catalog: Catalog;
	links: PortalLinks;
	log: Logger;
	subscriptions: SubscriptionRepository;
	/** The release feed: delivery, health. */
	feed: ReleaseFeed;
	/** The guilds' saved mod sets (`/modpack save`). */
	modpacks: ModpackStore;
}

/**
 * One top-level slash command: its registration JSON and its handlers (Discord docs, "Application Commands").
 * Handlers throw; the one error boundary in `interactions.ts` answers the user.
 */
export interface Command {
	/** The JSON sent in the bulk overwrite (`PUT /applications/{app}/commands`). */
	data: RESTPostAPIChatInputApplicationCommandsJSONBody;
	execute(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void>;
	autocomplete?(interaction: AutocompleteInteraction, context: BotContext): Promise<void>;
	/** Custom id prefixes of the message components this command handles (matched as `prefix` or `prefix|...`). */
	componentPrefixes?: readonly string[];
	component?(interaction: MessageComponentInteraction, context: BotContext): Promise<void>;
}
