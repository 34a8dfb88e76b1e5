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

/**
 * Cuts `text` to at most `max` characters at the end of a line, so no line is half-shown; when even the first line
 * is longer, it is cut with `…` like {@link truncate}.
 */
export function cutAtLine(text: string, max: number): string {
	if (text.length <= max) return text;
	const lineEnd = text.lastIndexOf('\n', max);
	return lineEnd > 0 ? text.slice(0, lineEnd).trimEnd() : truncate(text, max);
}

/**
 * Splits `items` in order into chunks of at most `maxCount` items whose `sizeOf` adds up to at most `maxTotal`
 * (an item larger than `maxTotal` gets a chunk of its own). For Discord's 10 embeds and 6,000 characters a message.
 */
export function chunkWithin<T>(
	items: readonly T[],
	sizeOf: (item: T) => number,
	maxCount: number,
	maxTotal: number,
): T[][] {
	const chunks: T[][] = [];
	let chunk: T[] = [];
	let total = 0;
	for (const item of items) {
		const size = sizeOf(item);
		if (chunk.length > 0 && (chunk.length >= maxCount || total + size > maxTotal)) {
			chunks.push(chunk);
			chunk = [];
			total = 0;
		}
		chunk.push(item);
		total += size;
	}
	if (chunk.length > 0) chunks.push(chunk);
	return chunks;
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
