/*
 * Checks on what a payload shows, beyond Discord's own validation (`discordLimits.ts`): no bidi, zero-width or
 * control characters anywhere Discord shows text, and, where Discord renders markdown, no link to anything but
 * http(s), no unescaped backtick (so no code span or fence from portal text) and no unescaped `@everyone`/`@here`.
 */
import { isObject, objects, validateChoices, validateMessage, type Json } from './discordLimits.js';

/** Invisible, bidi and control characters (the renderer's `cleanText` removes all of them). */
const FORBIDDEN = /[\p{Cf}\p{Cs}\u115F\u1160\u2800\u3164\uFFA0]|\u034F|\u17B4|\u17B5|[^\P{Cc}\n\t]/u;
/** Markdown links `[label](target)`, labels with escapes. */
const MARKDOWN_LINK = /\[((?:\\.|[^\]\\\n])*)\]\(([^)\s]*)\)?/g;
/** The bot's own angle-bracket markup: timestamps and role pings. */
const OWN_ANGLE_MARKUP = /^<(?:t:-?\d+(?::[tTdDfFRs])?|@&\d+)>/;

/** True when the character at `index` is escaped by an odd number of backslashes before it. */
function escaped(text: string, index: number): boolean {
	let backslashes = 0;
	for (let i = index - 1; i >= 0 && text[i] === '\\'; i--) backslashes++;
	return backslashes % 2 === 1;
}

/** `text` without its inline code spans (`` `...` `` opened by an unescaped backtick): markup inside them shows as text. */
function withoutCodeSpans(text: string): string {
	return text.replace(/(^|[^\\])`[^`\n]*`/g, '$1');
}

/**
 * @param markdown - `embed` for embed text, where portal text goes and every backtick must be escaped; `content` for
 *   message content, where the bot's own replies quote input as inline code; `false` for plain text.
 */
function textProblems(path: string, raw: unknown, markdown: 'embed' | 'content' | false): string[] {
	if (typeof raw !== 'string') return [];
	const text = markdown === 'content' ? withoutCodeSpans(raw) : raw;
	const problems: string[] = [];
	const bad = FORBIDDEN.exec(text);
	if (bad) problems.push(`${path}: invisible or control character U+${bad[0].codePointAt(0)?.toString(16)}`);
	if (!markdown) return problems;
	for (const match of text.matchAll(MARKDOWN_LINK)) {
		if (escaped(text, match.index)) continue;
		const target = match[2] ?? '';
		if (!/^https?:\/\/[^/]/.test(target)) problems.push(`${path}: link to ${target.slice(0, 60)}`);
	}
	for (let offset = 0; offset < text.length; offset++) {
		const char = text[offset];
		if ((char !== '`' && char !== '<' && char !== '@') || escaped(text, offset)) continue;
		const rest = text.slice(offset, offset + 40);
		if (char === '`') problems.push(`${path}: unescaped backtick at ${offset}`);
		if (char === '<' && !OWN_ANGLE_MARKUP.test(rest)) problems.push(`${path}: unescaped < at ${offset}`);
		if (char === '@' && /^@(everyone|here)/.test(rest)) problems.push(`${path}: unescaped ${rest.slice(0, 9)}`);
	}
	return problems;
}

function componentProblems(components: Json[], path: string): string[] {
	return components.flatMap((component, i) => {
		const here = `${path}.${i}`;
		return [
			...textProblems(`${here}.label`, component.label, false),
			...textProblems(`${here}.placeholder`, component.placeholder, false),
			...objects(component.options).flatMap((option, k) => [
				...textProblems(`${here}.options.${k}.label`, option.label, false),
				...textProblems(`${here}.options.${k}.description`, option.description, false),
			]),
			...componentProblems(objects(component.components), `${here}.components`),
		];
	});
}

/** Problems in the text a message body shows (see the module comment); empty when none. */
export function shownTextProblems(payload: unknown): string[] {
	if (!isObject(payload)) return ['payload is not an object'];
	const problems = textProblems('content', payload.content, 'content');
	objects(payload.embeds).forEach((embed, i) => {
		const at = `embeds.${i}`;
		const footer = isObject(embed.footer) ? embed.footer : {};
		const author = isObject(embed.author) ? embed.author : {};
		problems.push(
			...textProblems(`${at}.title`, embed.title, 'embed'),
			...textProblems(`${at}.description`, embed.description, 'embed'),
			...textProblems(`${at}.footer.text`, footer.text, false),
			...textProblems(`${at}.author.name`, author.name, false),
			...objects(embed.fields).flatMap((field, j) => [
				...textProblems(`${at}.fields.${j}.name`, field.name, 'embed'),
				...textProblems(`${at}.fields.${j}.value`, field.value, 'embed'),
			]),
		);
	});
	problems.push(...componentProblems(objects(payload.components), 'components'));
	return problems;
}

/**
 * Everything wrong with a message body: what Discord would refuse (`validateMessage`, as `path code`) and what it
 * should not show ({@link shownTextProblems}). Empty when the body is fine.
 */
export function payloadProblems(payload: unknown): string[] {
	const json = JSON.parse(JSON.stringify(payload)) as unknown;
	if (!isObject(json)) return ['payload is not an object'];
	return [...validateMessage(json).map((e) => `${e.path} ${e.code}`), ...shownTextProblems(json)];
}

/** Everything wrong with autocomplete choices: what Discord would refuse and invisible characters in names. */
export function choiceProblems(choices: unknown): string[] {
	return [
		...validateChoices(choices).map((e) => `${e.path} ${e.code}`),
		...objects(choices).flatMap((choice, i) => textProblems(`choices.${i}.name`, choice.name, false)),
	];
}
