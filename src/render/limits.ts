/**
 * Discord's documented message limits (Discord developer docs, "Channel Resources: Embed Limits" and
 * "Interactions: Autocomplete").
 */
export const LIMITS = {
	embedTitle: 256,
	embedDescription: 4096,
	embedFields: 25,
	fieldName: 256,
	fieldValue: 1024,
	footerText: 2048,
	authorName: 256,
	embedTotal: 6000,
	embedsPerMessage: 10,
	messageContent: 2000,
	autocompleteChoices: 25,
	choiceName: 100,
	choiceValue: 100,
	customId: 100,
	selectOptions: 25,
	selectOptionLabel: 100,
	selectOptionDescription: 100,
	buttonLabel: 80,
} as const;

/**
 * Cuts `text` to at most `max` characters (UTF-16 code units, as Discord counts), ending with `…` when cut.
 * Never splits a surrogate pair.
 */
export function truncate(text: string, max: number): string {
	if (text.length <= max) return text;
	let cut = text.slice(0, Math.max(0, max - 1));
	if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
	return `${cut}…`;
}

/** Collapses whitespace and line breaks into single spaces: for one-line summaries. */
export function oneLine(text: string): string {
	return text.replace(/\s+/g, ' ').trim();
}

/** Escapes Discord markdown in user-controlled text (mod titles, owners, summaries). */
export function escapeMarkdown(text: string): string {
	return text.replace(/([\\*_~`|>[\]()#-])/g, '\\$1');
}

/** A Discord timestamp tag, `<t:SECONDS:STYLE>` (Discord docs, "Message Formatting"); undefined for a bad date. */
export function discordTimestamp(iso: string | undefined, style: 'R' | 'f' | 'D' | 'd' = 'f'): string | undefined {
	if (!iso) return undefined;
	const ms = Date.parse(iso);
	return Number.isNaN(ms) ? undefined : `<t:${Math.floor(ms / 1000)}:${style}>`;
}

/** `1234567` -> `1,234,567`. */
export function formatCount(n: number): string {
	return n.toLocaleString('en-US');
}
