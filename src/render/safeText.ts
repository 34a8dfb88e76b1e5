/**
 * Portal text (titles, owners, summaries, changelogs, tags, license names) made safe to show in Discord. The portal
 * is untrusted: any field may carry markdown, masked links to `javascript:` URLs, code fences that swallow the rest
 * of a message, mentions, right-to-left overrides or invisible characters. Discord renders markdown in message
 * content, embed titles, descriptions and field names and values; it shows labels, names, footers and author names
 * as plain text (Discord docs, "Reference: Message Formatting" and "Embed Object").
 */
import { escapeMarkdown } from 'discord.js';
import { LIMITS, httpUrl, truncate } from './limits.js';

/**
 * Characters that show as nothing or reorder what surrounds them: every format character (Unicode category Cf:
 * bidi embeddings, overrides and isolates U+202A-202E and U+2066-2069, marks U+200E/U+200F/U+061C, zero-width
 * U+200B-200D, word joiner U+2060, BOM U+FEFF, soft hyphen, ...), lone surrogates, and the letters and marks that
 * render blank (Hangul fillers, the braille blank, the combining grapheme joiner, Khmer inherent vowels).
 */
const INVISIBLE = /[\p{Cf}\p{Cs}\u115F\u1160\u2800\u3164\uFFA0]|\u034F|\u17B4|\u17B5/gu;
/** Control characters (category Cc) other than tab and line feed. */
const CONTROL_EXCEPT_TAB_AND_NEWLINE = /[^\P{Cc}\n\t]/gu;
/** Every line break Unicode knows, to be read as `\n`. */
const LINE_BREAK = /\r\n?|[\u0085\u2028\u2029]/g;

/**
 * `text` without invisible, bidi and control characters (see {@link INVISIBLE}). Single-line text (the default:
 * titles, names, labels) has every run of whitespace, tabs and line breaks collapsed into one space; multi-line text
 * keeps line feeds and tabs, drops trailing spaces and keeps at most one empty line in a row. Always trimmed, as
 * Discord trims (Discord docs, "Embed Limits"). No markdown is escaped: use {@link safeMarkdown} where Discord
 * renders markdown.
 */
export function cleanText(text: string, options: { multiline?: boolean } = {}): string {
	const visible = text.replace(LINE_BREAK, '\n').replace(INVISIBLE, '');
	if (options.multiline !== true)
		return visible
			.replace(/\s+/g, ' ')
			.replace(/\p{Cc}/gu, '')
			.trim();
	return visible
		.replace(CONTROL_EXCEPT_TAB_AND_NEWLINE, '')
		.replace(/[ \t]+$/gm, '')
		.replace(/\n{3,}/g, '\n\n')
		.trim();
}

/**
 * Escapes Discord markdown in portal text. discord.js's `escapeMarkdown` escapes backslashes, `~~` (strikethrough),
 * `||` (spoilers) and `#` headings; everything else is escaped here, character by character, because
 * `escapeMarkdown`'s own italic and underline rules take quadratic time on long runs without spaces (measured with
 * discord.js 14.28: 0.4 s for 4,096 characters, 1.8 s for 10,000, where hostile portal text can hold a megabyte) and
 * its code and link rules leave single backticks and repeated masked links: every `*` and `_` (bold, italics,
 * underline, bullets), every backtick (no inline code or fence, balanced or not, can form), every `[` and `]` (no
 * masked link can form, whatever its URL), `<` (mentions, channel links, timestamps, `<scheme:...>` links), a `-`
 * or `>` starting a line (bullets, subtext, quotes), `1.` starting a line (numbered lists), and `@everyone`/`@here`.
 * A backslash before punctuation shows that punctuation in Discord.
 */
function escapePortalMarkdown(text: string): string {
	return escapeMarkdown(text, {
		bold: false,
		italic: false,
		underline: false,
		codeBlock: false,
		inlineCode: false,
		heading: true,
	})
		.replace(/[*_`[\]<]/g, '\\$&')
		.replace(/^(\s*)([->])/gm, '$1\\$2')
		.replace(/^(\s*\d+)\.(?=\s)/gm, '$1\\.')
		.replace(/@(everyone|here)/g, '\\@$1');
}

/**
 * The most of one portal text {@link safeMarkdown} reads: twice the longest text Discord shows (a 4,096-character
 * description), so a megabyte of portal text costs no more than this.
 */
export const READ_MAX = 8192;

/**
 * Portal text for a place where Discord renders markdown (embed title, description, field name or value): its first
 * {@link READ_MAX} characters cleaned like {@link cleanText}, then every markdown character escaped, so it shows
 * exactly as written and cannot make links, code blocks, mentions or headings.
 */
export function safeMarkdown(text: string, options: { multiline?: boolean } = {}): string {
	return escapePortalMarkdown(cleanText(text.length > READ_MAX ? text.slice(0, READ_MAX) : text, options));
}

/**
 * A markdown link `[label](url)` when `url` is an absolute http(s) URL ({@link httpUrl}); otherwise just `label`.
 * Parentheses in the URL are percent-encoded so the link cannot end early.
 *
 * @param label - markdown-safe text (from {@link safeMarkdown}, or the bot's own words)
 */
export function markdownLink(label: string, url: string | undefined): string {
	const href = httpUrl(url);
	if (href === undefined || label === '') return label;
	return `[${label}](${href.replace(/\(/g, '%28').replace(/\)/g, '%29')})`;
}

/** A mod's title for display, cleaned; its internal name when the title is empty once cleaned. */
export function displayTitle(mod: { title: string; name: string }): string {
	return cleanText(mod.title) || cleanText(mod.name) || 'untitled mod';
}

/** Longest portal name shown inside a field or line (an owner, a license, a tag, a dependency). */
export const NAME_IN_FIELD = 200;

/**
 * Portal text (an owner, a license name) as a markdown link to `url` within `max` characters: cleaned, cut to
 * {@link NAME_IN_FIELD}, escaped, and linked when `url` is absolute http(s) and the link fits; else the text alone.
 */
export function linkedName(text: string, url: string | undefined, max: number = LIMITS.fieldValue): string {
	const label = safeMarkdown(truncate(cleanText(text), NAME_IN_FIELD));
	const link = markdownLink(label, url);
	return link.length <= max ? link : truncate(label, max);
}
