/*
 * Discord's payload validation, as one module shared by the fake Discord (which answers 400 Invalid Form Body, code
 * 50035, with the nested `errors` tree these checks produce) and the pure render tests (which run the same checks on
 * renderer output without a server). It mirrors the Discord developer docs (discord/discord-api-docs):
 *
 * - "Message Resource: Embed Limits": title 256, description 4,096, 25 fields, field name 256 and value 1,024,
 *   footer text 2,048, author name 256, 6,000 in all embeds of a message; "leading and trailing whitespace characters
 *   are not included (they are trimmed automatically)", so a field whose name or value is only whitespace is empty.
 *   Embed Object: `url` and `author.url` "only support http(s)", image, thumbnail and icon urls "http(s) and
 *   attachments".
 * - "Create Message": content 2,000; up to 10 embeds; nonce 25 (checked by the fake itself).
 * - "Component Reference": legacy messages up to 5 action rows; an action row holds 1-5 buttons or a single select;
 *   button label max 80, link-button url max 512 and no custom_id, other buttons a custom_id (1-100) and no url;
 *   custom ids unique in a message; string select: custom_id 1-100, 1-25 options, placeholder 150, option label
 *   1-100, value 1-100 (unique), description 100, max_values not above the options.
 * - "Application Commands" / "Autocomplete": 25 choices, name 1-100, string value up to 100 (this project's guard
 *   also refuses an empty value, and so does this check).
 *
 * Error codes and messages are Discord's where known from real answers (`BASE_TYPE_MAX_LENGTH`,
 * `URL_TYPE_INVALID_URL` "Not a well formed URL.", `URL_TYPE_INVALID_SCHEME`, `MAX_EMBED_SIZE_EXCEEDED`); the
 * others follow the same pattern. Lengths count characters (code points), as Discord does.
 */

/** A JSON object as received. */
export type Json = Record<string, unknown>;

/** One entry of a 50035 error: where (dotted path such as `embeds.0.fields.2.value`), Discord's code, message. */
export interface FormError {
	path: string;
	code: string;
	message: string;
}

/** True for a plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is Json {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The objects of a JSON array; empty for anything else. */
export function objects(value: unknown): Json[] {
	return Array.isArray(value) ? value.filter(isObject) : [];
}

/** Characters (code points) in a string, as Discord counts them; 0 for anything else. */
export function textLength(value: unknown): number {
	return typeof value === 'string' ? Array.from(value).length : 0;
}

/**
 * The body of Discord's 400 answer for `errors`: `{code: 50035, message: 'Invalid Form Body', errors}` with the
 * nested tree `{embeds: {0: {title: {_errors: [{code, message}]}}}}`.
 */
export function formErrorBody(errors: readonly FormError[]): Json {
	const tree: Json = {};
	for (const error of errors) {
		let node = tree;
		for (const key of error.path.split('.').filter(Boolean)) {
			const child = node[key];
			if (isObject(child)) node = child;
			else {
				const fresh: Json = {};
				node[key] = fresh;
				node = fresh;
			}
		}
		const list = Array.isArray(node._errors) ? (node._errors as unknown[]) : [];
		list.push({ code: error.code, message: error.message });
		node._errors = list;
	}
	return { code: 50035, message: 'Invalid Form Body', errors: tree };
}

/**
 * Checks one string field: absent is fine unless `min > 0`; present must be a string of `min` to `max` characters
 * (after trimming when `trim`, as Discord trims embed text).
 */
export function maxLength(errors: FormError[], path: string, value: unknown, max: number, min = 0, trim = false): void {
	if (value === undefined || value === null) {
		if (min > 0) errors.push({ path, code: 'BASE_TYPE_REQUIRED', message: 'This field is required' });
		return;
	}
	if (typeof value !== 'string') {
		errors.push({ path, code: 'BASE_TYPE_STRING', message: 'Must be a string.' });
		return;
	}
	const length = textLength(trim ? value.trim() : value);
	if (length > max) errors.push({ path, code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${max} or fewer in length.` });
	if (length < min) errors.push({ path, code: 'BASE_TYPE_MIN_LENGTH', message: `Must be ${min} or more in length.` });
}

/**
 * Checks a URL field: absent is fine unless `required`; present must parse with WHATWG `URL` (else
 * `URL_TYPE_INVALID_URL`), use one of `schemes` (else `URL_TYPE_INVALID_SCHEME`) and, with `max`, be at most that
 * long.
 */
export function checkUrl(
	errors: FormError[],
	path: string,
	value: unknown,
	options: { schemes: readonly string[]; max?: number; required?: boolean },
): void {
	if (value === undefined || value === null) {
		if (options.required === true) errors.push({ path, code: 'BASE_TYPE_REQUIRED', message: 'This field is required' });
		return;
	}
	if (typeof value !== 'string') {
		errors.push({ path, code: 'BASE_TYPE_STRING', message: 'Must be a string.' });
		return;
	}
	if (options.max !== undefined) maxLength(errors, path, value, options.max);
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		errors.push({ path, code: 'URL_TYPE_INVALID_URL', message: 'Not a well formed URL.' });
		return;
	}
	const scheme = url.protocol.replace(/:$/, '');
	if (!options.schemes.includes(scheme)) {
		errors.push({
			path,
			code: 'URL_TYPE_INVALID_SCHEME',
			message: `Scheme "${scheme}" is not supported. Scheme must be one of (${options.schemes.map((s) => `'${s}'`).join(', ')}).`,
		});
	} else if (url.hostname === '' && scheme !== 'attachment') {
		errors.push({ path, code: 'URL_TYPE_INVALID_URL', message: 'Not a well formed URL.' });
	}
}

const COMMAND_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
const HTTP = ['http', 'https'] as const;
const HTTP_OR_ATTACHMENT = ['http', 'https', 'attachment'] as const;
/** Link buttons also open Discord's own `discord://` links. */
const BUTTON_SCHEMES = ['http', 'https', 'discord'] as const;
const FLAG_COMPONENTS_V2 = 1 << 15;
const SELECT_TYPES = new Set([3, 5, 6, 7, 8]);

function validateEmbeds(errors: FormError[], value: unknown, at: (path: string) => string): void {
	if (value === undefined || value === null) return;
	const embeds = objects(value);
	if (embeds.length > 10)
		errors.push({ path: at('embeds'), code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 10 or fewer in length.' });
	let total = 0;
	const counted = (text: unknown) => textLength(typeof text === 'string' ? text.trim() : text);
	embeds.forEach((embed, i) => {
		const path = at(`embeds.${i}`);
		maxLength(errors, `${path}.title`, embed.title, 256, 0, true);
		maxLength(errors, `${path}.description`, embed.description, 4096, 0, true);
		checkUrl(errors, `${path}.url`, embed.url, { schemes: HTTP });
		const fields = objects(embed.fields);
		if (fields.length > 25)
			errors.push({ path: `${path}.fields`, code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' });
		fields.forEach((field, j) => {
			maxLength(errors, `${path}.fields.${j}.name`, field.name, 256, 1, true);
			maxLength(errors, `${path}.fields.${j}.value`, field.value, 1024, 1, true);
			total += counted(field.name) + counted(field.value);
		});
		const footer = isObject(embed.footer) ? embed.footer : undefined;
		if (footer) {
			maxLength(errors, `${path}.footer.text`, footer.text, 2048, 1, true);
			checkUrl(errors, `${path}.footer.icon_url`, footer.icon_url, { schemes: HTTP_OR_ATTACHMENT });
		}
		const author = isObject(embed.author) ? embed.author : undefined;
		if (author) {
			maxLength(errors, `${path}.author.name`, author.name, 256, 1, true);
			checkUrl(errors, `${path}.author.url`, author.url, { schemes: HTTP });
			checkUrl(errors, `${path}.author.icon_url`, author.icon_url, { schemes: HTTP_OR_ATTACHMENT });
		}
		for (const media of ['thumbnail', 'image'] as const) {
			const object = embed[media];
			if (object === undefined || object === null) continue;
			checkUrl(errors, `${path}.${media}.url`, isObject(object) ? object.url : undefined, {
				schemes: HTTP_OR_ATTACHMENT,
				required: true,
			});
		}
		total += counted(embed.title) + counted(embed.description) + counted(footer?.text) + counted(author?.name);
	});
	if (total > 6000)
		errors.push({
			path: at('embeds'),
			code: 'MAX_EMBED_SIZE_EXCEEDED',
			message: 'Embed size exceeds maximum size of 6000',
		});
}

function validateButton(errors: FormError[], button: Json, here: string, customIds: Set<string>): void {
	maxLength(errors, `${here}.label`, button.label, 80);
	if (button.style === 6) return; // premium: sku_id only
	if ((typeof button.label !== 'string' || button.label.trim() === '') && !isObject(button.emoji))
		errors.push({
			path: `${here}.label`,
			code: 'BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED',
			message: 'A button needs a label or an emoji.',
		});
	if (button.style === 5) {
		checkUrl(errors, `${here}.url`, button.url, { schemes: BUTTON_SCHEMES, max: 512, required: true });
		if (button.custom_id !== undefined)
			errors.push({
				path: `${here}.custom_id`,
				code: 'BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED',
				message: 'A link button cannot have a custom id.',
			});
		return;
	}
	if (button.url !== undefined)
		errors.push({
			path: `${here}.url`,
			code: 'BUTTON_COMPONENT_URL_NOT_ALLOWED',
			message: 'Only a link button can have a url.',
		});
	checkCustomId(errors, here, button.custom_id, customIds);
}

function checkCustomId(errors: FormError[], here: string, id: unknown, customIds: Set<string>): void {
	maxLength(errors, `${here}.custom_id`, id, 100, 1);
	if (typeof id !== 'string') return;
	if (customIds.has(id))
		errors.push({
			path: `${here}.custom_id`,
			code: 'COMPONENT_CUSTOM_ID_DUPLICATED',
			message: 'Component custom id cannot be duplicated',
		});
	customIds.add(id);
}

function validateSelect(errors: FormError[], select: Json, here: string, customIds: Set<string>): void {
	checkCustomId(errors, here, select.custom_id, customIds);
	maxLength(errors, `${here}.placeholder`, select.placeholder, 150);
	if (select.type !== 3) return;
	const options = objects(select.options);
	if (options.length > 25)
		errors.push({ path: `${here}.options`, code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' });
	if (options.length < 1)
		errors.push({ path: `${here}.options`, code: 'BASE_TYPE_MIN_LENGTH', message: 'Must be 1 or more in length.' });
	const values = new Set<unknown>();
	options.forEach((option, k) => {
		maxLength(errors, `${here}.options.${k}.label`, option.label, 100, 1);
		maxLength(errors, `${here}.options.${k}.value`, option.value, 100, 1);
		maxLength(errors, `${here}.options.${k}.description`, option.description, 100);
		if (values.has(option.value))
			errors.push({
				path: `${here}.options.${k}.value`,
				code: 'SELECT_COMPONENT_OPTION_VALUE_DUPLICATED',
				message: 'Option values must be unique',
			});
		values.add(option.value);
	});
	const max = typeof select.max_values === 'number' ? select.max_values : 1;
	if (max > options.length && options.length > 0)
		errors.push({
			path: `${here}.max_values`,
			code: 'BASE_TYPE_MAX',
			message: `int value should be less than or equal to ${options.length}.`,
		});
}

function validateComponents(errors: FormError[], data: Json, at: (path: string) => string): void {
	if (data.components === undefined || data.components === null) return;
	const v2 = (Number(data.flags ?? 0) & FLAG_COMPONENTS_V2) !== 0;
	const components = objects(data.components);
	if (!v2 && components.length > 5)
		errors.push({ path: at('components'), code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 5 or fewer in length.' });
	const customIds = new Set<string>();
	const walk = (list: Json[], path: string): void => {
		list.forEach((component, i) => {
			const here = `${path}.${i}`;
			if (component.type === 2) validateButton(errors, component, here, customIds);
			else if (SELECT_TYPES.has(Number(component.type))) validateSelect(errors, component, here, customIds);
			else if (component.custom_id !== undefined) checkCustomId(errors, here, component.custom_id, customIds);
			if (component.type === 1) {
				const children = objects(component.components);
				const selects = children.filter((c) => SELECT_TYPES.has(Number(c.type))).length;
				if (children.length > 5)
					errors.push({
						path: `${here}.components`,
						code: 'BASE_TYPE_MAX_LENGTH',
						message: 'Must be 5 or fewer in length.',
					});
				if (children.length < 1)
					errors.push({
						path: `${here}.components`,
						code: 'BASE_TYPE_MIN_LENGTH',
						message: 'Must be 1 or more in length.',
					});
				if (selects > 0 && children.length > 1)
					errors.push({
						path: `${here}.components`,
						code: 'COMPONENT_LAYOUT_WIDTH_EXCEEDED',
						message: 'The specified component exceeds the maximum width',
					});
			} else if (!v2 && path === at('components')) {
				errors.push({
					path: `${here}.type`,
					code: 'COMPONENT_TYPE_INVALID',
					message: 'Only action rows can be top-level components.',
				});
			}
			walk(objects(component.components), `${here}.components`);
			if (isObject(component.accessory)) walk([component.accessory], `${here}.accessory`);
		});
	};
	walk(components, at('components'));
}

/**
 * Checks a message body (create, edit, interaction reply, follow-up, forum starter message) against Discord's
 * documented limits (see the module comment). `prefix` is put before every path (`data` for interaction callbacks,
 * `message` for forum posts).
 *
 * @returns the errors, empty when Discord would accept the body
 */
export function validateMessage(data: Json, prefix = ''): FormError[] {
	const errors: FormError[] = [];
	const at = (path: string): string => (prefix ? `${prefix}.${path}` : path);
	maxLength(errors, at('content'), data.content, 2000);
	validateEmbeds(errors, data.embeds, at);
	validateComponents(errors, data, at);
	return errors;
}

/**
 * Checks the choices of an autocomplete answer (callback type 8): at most 25, name 1-100, string value 1-100.
 *
 * @param prefix - put before every path, `data` for a callback
 */
export function validateChoices(choices: unknown, prefix = 'data'): FormError[] {
	const errors: FormError[] = [];
	const list = objects(choices);
	if (list.length > 25)
		errors.push({ path: `${prefix}.choices`, code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' });
	list.forEach((choice, i) => {
		maxLength(errors, `${prefix}.choices.${i}.name`, choice.name, 100, 1);
		if (typeof choice.value === 'string') maxLength(errors, `${prefix}.choices.${i}.value`, choice.value, 100, 1);
	});
	return errors;
}

/**
 * Checks command registration bodies (Discord docs, "Application Commands"): name rules, description 1-100, 25
 * options and choices, nesting, required options first.
 *
 * @returns the errors, empty when Discord would accept the list
 */
export function validateCommands(list: Json[]): FormError[] {
	const errors: FormError[] = [];
	const names = new Set<string>();
	const checkName = (path: string, name: unknown, lowercase: boolean): void => {
		if (typeof name !== 'string' || !COMMAND_NAME.test(name) || (lowercase && name !== name.toLowerCase()))
			errors.push({
				path: `${path}.name`,
				code: 'APPLICATION_COMMAND_INVALID_NAME',
				message: `Command name is invalid`,
			});
	};
	const checkOptions = (path: string, options: Json[], depth: number): void => {
		if (options.length > 25)
			errors.push({ path: `${path}.options`, code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' });
		const kinds = new Set(options.map((o) => (o.type === 1 || o.type === 2 ? 'sub' : 'value')));
		if (kinds.size > 1)
			errors.push({
				path: `${path}.options`,
				code: 'APPLICATION_COMMAND_OPTIONS_TYPE_INVALID',
				message: 'Sub-command and sub-command group option types are mutually exclusive to all other types',
			});
		let optionalSeen = false;
		options.forEach((option, i) => {
			const here = `${path}.options.${i}`;
			const type = Number(option.type);
			checkName(here, option.name, true);
			maxLength(errors, `${here}.description`, option.description, 100, 1);
			if (type === 2 && depth > 0)
				errors.push({ path: `${here}.type`, code: 'BASE_TYPE_CHOICES', message: 'Groups cannot be nested.' });
			if (type === 1 && depth > 1)
				errors.push({
					path: `${here}.type`,
					code: 'BASE_TYPE_CHOICES',
					message: 'Sub-commands cannot be nested here.',
				});
			if (type === 2 && objects(option.options).some((o) => o.type !== 1))
				errors.push({
					path: `${here}.options`,
					code: 'APPLICATION_COMMAND_OPTIONS_TYPE_INVALID',
					message: 'A sub-command group may only contain sub-commands',
				});
			if (type === 1 || type === 2) {
				checkOptions(here, objects(option.options), depth + 1);
				return;
			}
			if (option.required === true && optionalSeen)
				errors.push({
					path: `${here}.required`,
					code: 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID',
					message: 'Required options must be placed before non-required options',
				});
			if (option.required !== true) optionalSeen = true;
			const choices = objects(option.choices);
			if (choices.length > 25)
				errors.push({
					path: `${here}.choices`,
					code: 'BASE_TYPE_MAX_LENGTH',
					message: 'Must be 25 or fewer in length.',
				});
			if (choices.length > 0 && option.autocomplete === true)
				errors.push({
					path: `${here}.autocomplete`,
					code: 'APPLICATION_COMMAND_OPTION_CHOICES_AUTOCOMPLETE',
					message: 'Autocomplete cannot be set with choices',
				});
			choices.forEach((choice, j) => {
				maxLength(errors, `${here}.choices.${j}.name`, choice.name, 100, 1);
				if (typeof choice.value === 'string') maxLength(errors, `${here}.choices.${j}.value`, choice.value, 100, 1);
			});
		});
	};
	list.forEach((command, i) => {
		const type = Number(command.type ?? 1);
		checkName(String(i), command.name, type === 1);
		const key = `${type}:${String(command.name)}`;
		if (names.has(key))
			errors.push({
				path: `${i}.name`,
				code: 'APPLICATION_COMMANDS_DUPLICATE_NAME',
				message: 'Application command names must be unique',
			});
		names.add(key);
		if (type === 1) {
			maxLength(errors, `${i}.description`, command.description, 100, 1);
			checkOptions(String(i), objects(command.options), 0);
		}
	});
	return errors;
}
