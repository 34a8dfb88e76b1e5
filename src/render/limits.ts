/**
 * Discord's documented limits on what a bot sends, and the helpers that cut text to them.
 *
 * Sources (Discord developer docs, discord/discord-api-docs):
 * - "Message Resource: Embed Limits" (`developers/resources/message.mdx`): title 256, description 4,096, up to 25
 *   fields, field name 256 and value 1,024, footer text 2,048, author name 256, all of them together in all embeds of
 *   a message at most 6,000; leading and trailing whitespace is trimmed before counting. Embed `url` and
 *   `author.url` "only support http(s)", image and thumbnail urls "http(s) and attachments".
 * - "Create Message" (same file): content up to 2,000 characters, up to 10 embeds.
 * - "Component Reference" (`developers/components/reference.mdx`): legacy messages hold up to 5 action rows; an
 *   action row holds up to 5 buttons or a single select; a button label is at most 80 characters, a link button's
 *   url at most 512; `custom_id` 1-100 characters; a string select has at most 25 options, a placeholder of at most
 *   150; an option's label, value and description at most 100 each.
 * - "Application Commands: Application Command Option Choice Structure" and "Receiving and Responding:
 *   Autocomplete" (`developers/interactions/*.mdx`): at most 25 choices, a choice name 1-100 characters, a string
 *   value up to 100.
 *
 * Lengths are counted here in UTF-16 code units (`String.length`), which is never less than the characters
 * (code points) Discord counts, so a text within a limit here is within it on Discord too.
 */
import { TimestampStyles, time, type TimestampStylesString } from 'discord.js';

/** Discord's limits, by the thing they limit (see the module comment for the source of each). */
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
	actionRows: 5,
	buttonsPerRow: 5,
	buttonLabel: 80,
	buttonUrl: 512,
	customId: 100,
	selectOptions: 25,
	selectPlaceholder: 150,
	selectOptionLabel: 100,
	selectOptionValue: 100,
	selectOptionDescription: 100,
	autocompleteChoices: 25,
	choiceName: 100,
	choiceValue: 100,
} as const;

import { cutAtLine, truncate } from '../services/text.js';

export { cutAtLine, truncate };

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

/**
 * Joins `parts` with `separator` within `max` characters; parts that do not fit are counted in a closing
 * ` and N more`. A first part longer than `max` is cut with `…`.
 */
export function joinWithin(parts: readonly string[], separator: string, max: number): string {
	let out = '';
	for (const [index, part] of parts.entries()) {
		const rest = parts.length - index;
		const next = out === '' ? part : `${out}${separator}${part}`;
		const tail = rest > 1 ? ` and ${rest - 1} more` : '';
		if (next.length + tail.length > max) return out === '' ? truncate(part, max) : `${out} and ${rest} more`;
		out = next;
	}
	return out;
}

/**
 * A Discord timestamp tag such as `<t:1736000000:R>` (discord.js `time`, Discord docs "Reference: Message
 * Formatting"), shown in each reader's time zone.
 *
 * @param iso - an RFC 3339 / ISO 8601 time
 * @returns undefined when `iso` is missing or not a date
 */
export function discordTimestamp(
	iso: string | undefined,
	style: TimestampStylesString = TimestampStyles.LongDateShortTime,
): string | undefined {
	if (!iso) return undefined;
	const ms = Date.parse(iso);
	return Number.isNaN(ms) ? undefined : time(Math.floor(ms / 1000), style);
}

/** `1234567` -> `1,234,567`. */
export function formatCount(n: number): string {
	return n.toLocaleString('en-US');
}

/**
 * The URL Discord accepts for a link: `raw` parsed with WHATWG `URL`, absolute, scheme `http:` or `https:`, with a
 * host, and its normalised form (`href`: spaces, quotes and non-ASCII percent-encoded) at most `max` characters.
 * Embed `url`, `author.url`, `thumbnail.url`, `image.url` (Discord docs, "Embed Object": "only supports http(s)")
 * and link buttons (Component Reference, "Button": url, "max 512 characters") need this.
 *
 * @returns the normalised URL, or undefined for anything else (missing, relative, `javascript:`, `data:`, too long)
 */
export function httpUrl(raw: unknown, max: number = Number.POSITIVE_INFINITY): string | undefined {
	if (typeof raw !== 'string' || raw.trim() === '') return undefined;
	let url: URL;
	try {
		url = new URL(raw.trim());
	} catch {
		return undefined;
	}
	if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return undefined;
	return url.href.length <= max ? url.href : undefined;
}
