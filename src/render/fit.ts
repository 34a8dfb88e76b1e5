/**
 * The one final guard between the renderers and Discord: every message body the bot sends is a
 * {@link MessagePayload}, which only {@link fitMessage} makes, and every autocomplete answer passes
 * {@link fitChoices}. Whatever a renderer built, what leaves here is within Discord's documented limits (see
 * `limits.ts` for each number and its source), so Discord never answers 400 Invalid Form Body (50035) for it.
 *
 * Renderers should fit their own text first (cut changelogs at a line end, say "and N more"); the guard is the
 * safety net that makes a forgotten limit harmless: it cuts text, drops what Discord would refuse (URLs that are not
 * absolute http(s), empty fields, options whose value is too long, surplus components) and never throws.
 */
import {
	ButtonStyle,
	ComponentType,
	embedLength,
	type APIActionRowComponent,
	type APIButtonComponent,
	type APIComponentInMessageActionRow,
	type APIEmbed,
	type APIEmbedField,
	type APISelectMenuComponent,
	type APISelectMenuOption,
	type ApplicationCommandOptionChoiceData,
} from 'discord.js';
import { LIMITS, httpUrl, truncate } from './limits.js';
import { cleanText } from './safeText.js';

/** An action row of a message (legacy components: buttons or one select). */
export type MessageActionRow = APIActionRowComponent<APIComponentInMessageActionRow>;

/** A message body as a renderer builds it, before {@link fitMessage}. */
export interface MessageDraft {
	content?: string;
	embeds: APIEmbed[];
	components: MessageActionRow[];
}

declare const fitted: unique symbol;

/**
 * A message body within Discord's limits: what `interaction.reply`, `editReply` and `channel.send` take. Only
 * {@link fitMessage} makes one, so no renderer can skip the guard.
 */
export type MessagePayload = MessageDraft & { readonly [fitted]: true };

/** `text` cleaned of invisible characters ({@link cleanText}) and cut to `max`; undefined when nothing is left. */
function fitText(text: unknown, max: number, multiline = false): string | undefined {
	if (typeof text !== 'string') return undefined;
	const cleaned = cleanText(text, { multiline });
	return cleaned === '' ? undefined : truncate(cleaned, max);
}

function fitFields(fields: readonly APIEmbedField[] | undefined): APIEmbedField[] {
	const out: APIEmbedField[] = [];
	for (const field of fields ?? []) {
		// Discord trims both and refuses an empty name or value.
		const name = fitText(field.name, LIMITS.fieldName);
		const value = fitText(field.value, LIMITS.fieldValue, true);
		if (name === undefined || value === undefined) continue;
		out.push(field.inline === undefined ? { name, value } : { name, value, inline: field.inline });
		if (out.length === LIMITS.embedFields) break;
	}
	return out;
}

/** One embed within the per-embed limits; undefined when nothing Discord would show is left. */
function fitEmbed(embed: APIEmbed): APIEmbed | undefined {
	const out: APIEmbed = {};
	const title = fitText(embed.title, LIMITS.embedTitle);
	if (title !== undefined) out.title = title;
	const description = fitText(embed.description, LIMITS.embedDescription, true);
	if (description !== undefined) out.description = description;
	const url = httpUrl(embed.url);
	if (url !== undefined) out.url = url;
	if (Number.isInteger(embed.color) && embed.color !== undefined && embed.color >= 0 && embed.color <= 0xffffff)
		out.color = embed.color;
	if (embed.timestamp !== undefined && !Number.isNaN(Date.parse(embed.timestamp)))
		out.timestamp = new Date(embed.timestamp).toISOString();
	const author = fitText(embed.author?.name, LIMITS.authorName);
	if (author !== undefined) {
		out.author = { name: author };
		const authorUrl = httpUrl(embed.author?.url);
		if (authorUrl !== undefined) out.author.url = authorUrl;
		const icon = httpUrl(embed.author?.icon_url);
		if (icon !== undefined) out.author.icon_url = icon;
	}
	const footer = fitText(embed.footer?.text, LIMITS.footerText);
	if (footer !== undefined) {
		out.footer = { text: footer };
		const icon = httpUrl(embed.footer?.icon_url);
		if (icon !== undefined) out.footer.icon_url = icon;
	}
	const thumbnail = httpUrl(embed.thumbnail?.url);
	if (thumbnail !== undefined) out.thumbnail = { url: thumbnail };
	const image = httpUrl(embed.image?.url);
	if (image !== undefined) out.image = { url: image };
	const fields = fitFields(embed.fields);
	if (fields.length > 0) out.fields = fields;
	const shown = out.title ?? out.description ?? out.author ?? out.footer ?? out.thumbnail ?? out.image ?? out.fields;
	return shown === undefined ? undefined : out;
}

function totalLength(embeds: readonly APIEmbed[]): number {
	return embeds.reduce((sum, embed) => sum + embedLength(embed), 0);
}

/**
 * Brings all embeds together within 6,000 characters: drops trailing fields (last embed first), then cuts
 * descriptions, then footers. What is left is at most title 256 + author 256 per embed, 5,120 for 10 embeds.
 */
function fitTotal(embeds: APIEmbed[]): void {
	const excess = () => totalLength(embeds) - LIMITS.embedTotal;
	for (const embed of [...embeds].reverse()) {
		while (embed.fields && embed.fields.length > 0 && excess() > 0) embed.fields.pop();
		if (embed.fields?.length === 0) delete embed.fields;
	}
	// What is left of a text once `over` characters go; undefined when too little is left to keep.
	const shorten = (text: string): string | undefined => {
		const keep = text.length - excess();
		return keep < 2 ? undefined : truncate(text, keep);
	};
	for (const embed of [...embeds].reverse()) {
		if (excess() <= 0) return;
		if (embed.description === undefined) continue;
		const description = shorten(embed.description);
		if (description === undefined) delete embed.description;
		else embed.description = description;
	}
	for (const embed of [...embeds].reverse()) {
		if (excess() <= 0) return;
		if (embed.footer === undefined) continue;
		const text = shorten(embed.footer.text);
		if (text === undefined) delete embed.footer;
		else embed.footer = { ...embed.footer, text };
	}
}

function validCustomId(id: unknown, seen: Set<string>): id is string {
	if (typeof id !== 'string' || id.length < 1 || id.length > LIMITS.customId || seen.has(id)) return false;
	seen.add(id);
	return true;
}

function fitButton(button: APIButtonComponent, ids: Set<string>): APIButtonComponent | undefined {
	if (button.style === ButtonStyle.Premium) return button;
	const label = fitText(button.label, LIMITS.buttonLabel);
	if (label === undefined && button.emoji === undefined) return undefined;
	const shown = {
		...(label === undefined ? {} : { label }),
		...(button.emoji === undefined ? {} : { emoji: button.emoji }),
		...(button.disabled === undefined ? {} : { disabled: button.disabled }),
	};
	if (button.style === ButtonStyle.Link) {
		const url = httpUrl(button.url, LIMITS.buttonUrl);
		return url === undefined ? undefined : { type: ComponentType.Button, style: ButtonStyle.Link, url, ...shown };
	}
	if (!validCustomId(button.custom_id, ids)) return undefined;
	return { type: ComponentType.Button, style: button.style, custom_id: button.custom_id, ...shown };
}

function fitOptions(options: readonly APISelectMenuOption[]): APISelectMenuOption[] {
	const values = new Set<string>();
	const out: APISelectMenuOption[] = [];
	for (const option of options) {
		const label = fitText(option.label, LIMITS.selectOptionLabel);
		// A value is sent back to the bot as it is: one too long cannot be cut, so the option is left out.
		const { value } = option;
		if (label === undefined || value.length < 1 || value.length > LIMITS.selectOptionValue || values.has(value))
			continue;
		values.add(value);
		const description = fitText(option.description, LIMITS.selectOptionDescription);
		out.push({
			label,
			value,
			...(description === undefined ? {} : { description }),
			...(option.emoji === undefined ? {} : { emoji: option.emoji }),
			...(option.default === undefined ? {} : { default: option.default }),
		});
		if (out.length === LIMITS.selectOptions) break;
	}
	return out;
}

function fitSelect(select: APISelectMenuComponent, ids: Set<string>): APISelectMenuComponent | undefined {
	if (!validCustomId(select.custom_id, ids)) return undefined;
	const placeholder = fitText(select.placeholder, LIMITS.selectPlaceholder);
	const out = { ...select };
	if (placeholder === undefined) delete out.placeholder;
	else out.placeholder = placeholder;
	if (out.type !== ComponentType.StringSelect) return out;
	const options = fitOptions(out.options);
	if (options.length === 0) return undefined;
	const max = Math.min(out.max_values ?? 1, options.length);
	const min = Math.min(out.min_values ?? 1, max);
	return {
		...out,
		options,
		...(out.max_values === undefined ? {} : { max_values: max }),
		...(out.min_values === undefined ? {} : { min_values: min }),
	};
}

function fitComponents(rows: readonly MessageActionRow[]): MessageActionRow[] {
	const ids = new Set<string>();
	const out: MessageActionRow[] = [];
	for (const row of rows) {
		if (out.length === LIMITS.actionRows) break;
		const children = row.components.flatMap((child): APIComponentInMessageActionRow[] => {
			const fittedChild = child.type === ComponentType.Button ? fitButton(child, ids) : fitSelect(child, ids);
			return fittedChild === undefined ? [] : [fittedChild];
		});
		// An action row holds up to 5 buttons or a single select.
		const select = children.find((child) => child.type !== ComponentType.Button);
		const kept = select === undefined ? children.slice(0, LIMITS.buttonsPerRow) : [select];
		if (kept.length > 0) out.push({ type: ComponentType.ActionRow, components: kept });
	}
	return out;
}

/**
 * The guard every message body passes before it is sent. Enforces (Discord docs, "Embed Limits", "Create Message",
 * "Component Reference"):
 *
 * - content: cleaned, at most 2,000 characters;
 * - embeds: at most 10; title 256, description 4,096, author name 256, footer 2,048, at most 25 fields with a
 *   non-empty name (256) and value (1,024); 6,000 characters in all embeds together (trailing fields dropped, then
 *   descriptions and footers cut); `url`, `author.url`, icons, `thumbnail.url`, `image.url` absolute http(s) or
 *   left out; an embed with nothing to show is left out;
 * - components: at most 5 action rows of up to 5 buttons or one select; button labels 80 (a button with neither
 *   label nor emoji is left out); link-button urls absolute http(s) of at most 512 characters, other buttons and
 *   selects a unique `custom_id` of 1-100 characters, or the component is left out; select placeholders 150; at
 *   most 25 options with a label (100), a unique value of 1-100 characters (longer values are left out, never cut)
 *   and a description of at most 100.
 *
 * Every text Discord shows is cleaned of bidi controls, zero-width and control characters ({@link cleanText});
 * markdown escaping is the renderer's job, as only it knows which text came from the portal.
 *
 * @returns a new payload; `draft` is not changed. Never throws.
 */
export function fitMessage(draft: MessageDraft): MessagePayload {
	const embeds = draft.embeds.flatMap((embed) => {
		const fittedEmbed = fitEmbed(embed);
		return fittedEmbed === undefined ? [] : [fittedEmbed];
	});
	embeds.splice(LIMITS.embedsPerMessage);
	fitTotal(embeds);
	const out: MessageDraft = { embeds, components: fitComponents(draft.components) };
	const content = fitText(draft.content, LIMITS.messageContent, true);
	if (content !== undefined) out.content = content;
	return out as MessagePayload;
}

/** An autocomplete choice with a string value, as `interaction.respond` takes it. */
export type Choice = ApplicationCommandOptionChoiceData<string>;

/**
 * The guard every autocomplete answer passes (Discord docs, "Autocomplete" and "Application Command Option Choice
 * Structure"): at most 25 choices; each name cleaned ({@link cleanText}) and cut to 100 characters, falling back to
 * the value when nothing is left; each value 1-100 characters, or the choice is left out (a value is sent back as
 * it is, so it cannot be cut); a value repeated is left out.
 *
 * @returns new choices in the given order. Never throws.
 */
export function fitChoices(choices: Iterable<Choice>): Choice[] {
	const values = new Set<string>();
	const out: Choice[] = [];
	for (const { name, value } of choices) {
		if (out.length === LIMITS.autocompleteChoices) break;
		if (value.length < 1 || value.length > LIMITS.choiceValue || values.has(value)) continue;
		const shown = fitText(name, LIMITS.choiceName) ?? fitText(value, LIMITS.choiceName);
		if (shown === undefined) continue;
		values.add(value);
		out.push({ name: shown, value });
	}
	return out;
}
