import { describe, expect, it } from 'vitest';
import { formErrorBody, validateChoices, validateMessage, type Json } from './discordLimits.js';

/** `path code` of every error the validator finds. */
function errorsOf(payload: Json): string[] {
	return validateMessage(payload).map((e) => `${e.path} ${e.code}`);
}

const linkButton = (url: unknown, label: unknown = 'Open'): Json => ({ type: 2, style: 5, label, url });
const row = (...components: Json[]): Json => ({ type: 1, components });

describe('validateMessage', () => {
	it('does accept a message at every limit', () => {
		expect(
			errorsOf({
				content: 'c'.repeat(2000),
				embeds: [
					{
						title: 't'.repeat(256),
						description: 'd'.repeat(4096 - 256 - 10 - 1024),
						url: 'https://mods.factorio.com/mod/x',
						thumbnail: { url: 'https://assets-mod.factorio.com/x.png' },
						author: { name: 'a'.repeat(10), url: 'http://example.com/' },
						fields: [{ name: 'n', value: 'v'.repeat(1023) }],
						footer: { text: 'f'.repeat(1000), icon_url: 'attachment://icon.png' },
					},
				],
				components: [
					row(...Array.from({ length: 5 }, (_, i) => linkButton(`https://example.com/${'x'.repeat(480)}${i}`))),
					row({ type: 3, custom_id: 's'.repeat(100), options: [{ label: 'l'.repeat(100), value: 'v'.repeat(100) }] }),
				],
			}),
		).toEqual([]);
	});

	it('does refuse texts over their limits, empty field names and values, and 6,000 characters in all embeds', () => {
		expect(
			errorsOf({
				content: 'c'.repeat(2001),
				embeds: [
					{ title: 't'.repeat(257), description: 'd'.repeat(4097) },
					{
						fields: [
							{ name: ' ', value: 'v' },
							{ name: 'n', value: '\n' },
							{ name: 'n'.repeat(257), value: 'v'.repeat(1025) },
						],
					},
					{ author: { name: 'a'.repeat(257) }, footer: { text: 'f'.repeat(2049) } },
				],
			}),
		).toEqual([
			'content BASE_TYPE_MAX_LENGTH',
			'embeds.0.title BASE_TYPE_MAX_LENGTH',
			'embeds.0.description BASE_TYPE_MAX_LENGTH',
			'embeds.1.fields.0.name BASE_TYPE_MIN_LENGTH',
			'embeds.1.fields.1.value BASE_TYPE_MIN_LENGTH',
			'embeds.1.fields.2.name BASE_TYPE_MAX_LENGTH',
			'embeds.1.fields.2.value BASE_TYPE_MAX_LENGTH',
			'embeds.2.footer.text BASE_TYPE_MAX_LENGTH',
			'embeds.2.author.name BASE_TYPE_MAX_LENGTH',
			'embeds MAX_EMBED_SIZE_EXCEEDED',
		]);
		expect(errorsOf({ embeds: Array.from({ length: 11 }, () => ({ title: 't' })) })).toEqual([
			'embeds BASE_TYPE_MAX_LENGTH',
		]);
	});

	it('does refuse embed URLs that are not absolute http(s)', () => {
		expect(
			errorsOf({
				embeds: [
					{
						title: 't',
						url: 'javascript:alert(1)',
						thumbnail: { url: '/assets/x.png' },
						image: {},
						author: { name: 'a', url: 'attachment://x.png' },
					},
				],
			}),
		).toEqual([
			'embeds.0.url URL_TYPE_INVALID_SCHEME',
			'embeds.0.author.url URL_TYPE_INVALID_SCHEME',
			'embeds.0.thumbnail.url URL_TYPE_INVALID_URL',
			'embeds.0.image.url BASE_TYPE_REQUIRED',
		]);
	});

	it('does refuse link buttons to bad or long URLs, labels over 80, buttons without label, and bad custom ids', () => {
		expect(
			errorsOf({
				components: [
					row(
						linkButton('javascript:alert(1)'),
						linkButton('https://[bad'),
						linkButton(`https://example.com/${'a'.repeat(500)}`),
						linkButton('https://example.com/', 'l'.repeat(81)),
						linkButton('https://example.com/', ''),
					),
					row(
						{ type: 2, style: 1, label: 'a', custom_id: 'same' },
						{ type: 2, style: 1, label: 'b', custom_id: 'same' },
						{ type: 2, style: 1, label: 'c', custom_id: 'c'.repeat(101) },
						{ type: 2, style: 1, label: 'd' },
						{ type: 2, style: 5, label: 'e', url: 'https://example.com/', custom_id: 'x' },
					),
				],
			}),
		).toEqual([
			'components.0.components.0.url URL_TYPE_INVALID_SCHEME',
			'components.0.components.1.url URL_TYPE_INVALID_URL',
			'components.0.components.2.url BASE_TYPE_MAX_LENGTH',
			'components.0.components.3.label BASE_TYPE_MAX_LENGTH',
			'components.0.components.4.label BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED',
			'components.1.components.1.custom_id COMPONENT_CUSTOM_ID_DUPLICATED',
			'components.1.components.2.custom_id BASE_TYPE_MAX_LENGTH',
			'components.1.components.3.custom_id BASE_TYPE_REQUIRED',
			'components.1.components.4.custom_id BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED',
		]);
	});

	it('does refuse more than 5 rows, empty rows, 6 buttons, a select beside buttons, and bad select options', () => {
		const button = (i: number) => ({ type: 2, style: 1, label: 'b', custom_id: `b${i}` });
		expect(
			errorsOf({
				components: [
					row(...Array.from({ length: 6 }, (_, i) => button(i))),
					row(),
					row({ type: 3, custom_id: 's1', options: [{ label: 'l', value: 'v' }] }, button(10)),
					row({
						type: 3,
						custom_id: 's2',
						placeholder: 'p'.repeat(151),
						max_values: 3,
						options: [
							{ label: '', value: 'v'.repeat(101), description: 'd'.repeat(101) },
							{ label: 'l', value: 'w' },
							{ label: 'l', value: 'w' },
						].slice(0, 3),
					}),
					row({ type: 3, custom_id: 's3', options: [] }),
					row(button(20)),
				],
			}),
		).toEqual([
			'components BASE_TYPE_MAX_LENGTH',
			'components.0.components BASE_TYPE_MAX_LENGTH',
			'components.1.components BASE_TYPE_MIN_LENGTH',
			'components.2.components COMPONENT_LAYOUT_WIDTH_EXCEEDED',
			'components.3.components.0.placeholder BASE_TYPE_MAX_LENGTH',
			'components.3.components.0.options.0.label BASE_TYPE_MIN_LENGTH',
			'components.3.components.0.options.0.value BASE_TYPE_MAX_LENGTH',
			'components.3.components.0.options.0.description BASE_TYPE_MAX_LENGTH',
			'components.3.components.0.options.2.value SELECT_COMPONENT_OPTION_VALUE_DUPLICATED',
			'components.4.components.0.options BASE_TYPE_MIN_LENGTH',
		]);
		const tooFew = errorsOf({
			components: [row({ type: 3, custom_id: 's', max_values: 2, options: [{ label: 'l', value: 'v' }] })],
		});
		expect(tooFew).toEqual(['components.0.components.0.max_values BASE_TYPE_MAX']);
	});
});

describe('validateChoices', () => {
	it('does refuse more than 25 choices, empty or long names and empty or long values', () => {
		expect(validateChoices(Array.from({ length: 25 }, (_, i) => ({ name: `n${i}`, value: `v${i}` })))).toEqual([]);
		expect(
			validateChoices([
				{ name: '', value: 'v' },
				{ name: 'n'.repeat(101), value: 'v' },
				{ name: 'n', value: '' },
				{ name: 'n', value: 'v'.repeat(101) },
				...Array.from({ length: 22 }, (_, i) => ({ name: `n${i}`, value: `v${i}` })),
			]).map((e) => `${e.path} ${e.code}`),
		).toEqual([
			'data.choices BASE_TYPE_MAX_LENGTH',
			'data.choices.0.name BASE_TYPE_MIN_LENGTH',
			'data.choices.1.name BASE_TYPE_MAX_LENGTH',
			'data.choices.2.value BASE_TYPE_MIN_LENGTH',
			'data.choices.3.value BASE_TYPE_MAX_LENGTH',
		]);
	});
});

describe('formErrorBody', () => {
	it('does nest errors by path as Discord does', () => {
		expect(
			formErrorBody([
				{ path: 'embeds.0.title', code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 256 or fewer in length.' },
				{ path: 'embeds.0.title', code: 'X', message: 'y' },
			]),
		).toEqual({
			code: 50035,
			message: 'Invalid Form Body',
			errors: {
				embeds: {
					0: {
						title: {
							_errors: [
								{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 256 or fewer in length.' },
								{ code: 'X', message: 'y' },
							],
						},
					},
				},
			},
		});
	});
});
