import type { Command } from '../discord/command.js';
import { modCommand } from './mod.js';
import { modpackCommand } from './modpack.js';
import { subscribeCommand } from './subscribe.js';
import { subscriptionsCommand } from './subscriptions.js';
import { unsubscribeCommand } from './unsubscribe.js';

/** Every slash command of the bot: both registration and interaction routing read this list. */
export const commands: readonly Command[] = [
	modCommand,
	subscribeCommand,
	unsubscribeCommand,
	subscriptionsCommand,
	modpackCommand,
];
