import { ButtonStyle, ComponentType, type APIEmbed } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { fitChoices, fitMessage, type MessageActionRow } from '../../src/render/fit.js';
import { httpUrl } from '../../src/render/limits.js';
import { payloadProblems } from '../support/shownText.js';

const link = (url: string, label = 'Open') => ({
	type: ComponentType.Button as const,
	style: ButtonStyle.Link as const,
	label,
	url,
});
const row = (...components: MessageActionRow['components']): MessageActionRow => ({
	type: ComponentType.ActionRow,
	components,
});

describe('httpUrl', () => {
	it('does accept absolute http(s) URLs and return them normalised', () => {
		expect(httpUrl('https://mods.factorio.com/mod/Squeak Through')).toBe(
			'https://mods.factorio.com/mod/Squeak%20Through',
		);
		expect(httpUrl(' http://example.com ')).toBe('http://example.com/');
	});

	it('does refuse other schemes, relative, malformed and over-long URLs', () => {
		for (const bad of [
			'javascript:alert(1)',
			'data:text/html,x',
			'/relative',
			'example.com',
			'http://',
			'https://[bad',
			'ftp://example.com/x',
			'',
			undefined,
			42,
		])
			expect(httpUrl(bad)).toBeUndefined();
		expect(httpUrl(`https://example.com/${'a'.repeat(600)}`, 512)).toBeUndefined();
		expect(httpUrl(`https://example.com/${'a'.repeat(400)}`, 512)).toBeDefined();
	});
});

describe('fitMessage', () => {
	it('does cut every embed text to its limit and keep all embeds within 6,000 characters', () => {
		const embeds: APIEmbed[] = Array.from({ length: 12 }, (_, i) => ({
			title: `T${i}`.repeat(200),
			description: 'd'.repeat(5000),
			author: { name: 'a'.repeat(300) },
			footer: { text: 'f'.repeat(3000) },
			fields: Array.from({ length: 30 }, () => ({ name: 'n'.repeat(300), value: 'v'.repeat(2000) })),
		}));
		const fitted = fitMessage({ content: 'c'.repeat(3000), embeds, components: [] });
		expect(payloadProblems(fitted)).toEqual([]);
		expect(fitted.embeds).toHaveLength(10);
		expect(fitted.embeds[0]?.title).toHaveLength(256);
		expect(fitted.content).toHaveLength(2000);
	});

	it('does leave out fields, footers and authors that are empty once trimmed, and embeds with nothing left', () => {
		const fitted = fitMessage({
			embeds: [
				{
					title: 'ok',
					fields: [
						{ name: ' ', value: 'x' },
						{ name: 'x', value: '\u200B' },
						{ name: 'kept', value: 'yes' },
					],
					footer: { text: '\u202E' },
					author: { name: '  ' },
				},
				{ title: '\u200B\u2066' },
			],
			components: [],
		});
		expect(fitted.embeds).toEqual([{ title: 'ok', fields: [{ name: 'kept', value: 'yes' }] }]);
	});

	it('does drop embed URLs, thumbnails and images that are not absolute http(s)', () => {
		const fitted = fitMessage({
			embeds: [
				{
					title: 't',
					url: 'javascript:alert(1)',
					thumbnail: { url: '/assets/x.png' },
					image: { url: 'data:image/png;base64,AAAA' },
					author: { name: 'a', url: 'ftp://x', icon_url: 'https://[x' },
				},
			],
			components: [],
		});
		expect(fitted.embeds[0]).toEqual({ title: 't', author: { name: 'a' } });
	});

	it('does drop link buttons with bad URLs, keep 5 buttons a row, 5 rows, one select a row, unique custom ids', () => {
		const select = {
			type: ComponentType.StringSelect as const,
			custom_id: 'pick',
			placeholder: 'p'.repeat(200),
			options: [
				{ label: 'A'.repeat(150), value: 'a', description: 'd'.repeat(150) },
				{ label: 'too long a value', value: 'v'.repeat(101) },
				{ label: 'duplicate', value: 'a' },
				{ label: '\u200B', value: 'empty label' },
				...Array.from({ length: 30 }, (_, i) => ({ label: `L${i}`, value: `v${i}` })),
			],
		};
		const fitted = fitMessage({
			embeds: [],
			components: [
				row(
					link('javascript:alert(1)'),
					link(`https://example.com/${'a'.repeat(600)}`),
					link('https://example.com/', 'x'.repeat(100)),
					...Array.from({ length: 6 }, (_, i) => link(`https://example.com/${i}`)),
				),
				row(select, link('https://example.com/')),
				row({ type: ComponentType.Button, style: ButtonStyle.Primary, custom_id: 'pick', label: 'same id' }),
				row({ type: ComponentType.Button, style: ButtonStyle.Primary, custom_id: 'c'.repeat(101), label: 'long' }),
				...Array.from({ length: 6 }, (_, i) => row(link(`https://example.com/row${i}`))),
			],
		});
		expect(payloadProblems(fitted)).toEqual([]);
		const [first, second] = fitted.components;
		expect(first?.components).toHaveLength(5);
		expect(first?.components[0]).toMatchObject({ url: 'https://example.com/', label: `${'x'.repeat(79)}…` });
		expect(second?.components).toHaveLength(1);
		const options = (second?.components[0] as typeof select).options;
		expect(options).toHaveLength(25);
		expect(options.map((o) => o.value).slice(0, 3)).toEqual(['a', 'v0', 'v1']);
		expect(fitted.components).toHaveLength(5);
	});

	it('does clean invisible characters from every shown text but never change values and custom ids', () => {
		const fitted = fitMessage({
			content: 'a\u202Eb',
			embeds: [{ title: 'x\u200By', description: 'line\u2066\nnext' }],
			components: [
				row({
					type: ComponentType.StringSelect,
					custom_id: 'id\u200B',
					options: [{ label: 'l\u200F', value: 'v\u200B' }],
				}),
			],
		});
		expect(fitted.content).toBe('ab');
		expect(fitted.embeds[0]).toEqual({ title: 'xy', description: 'line\nnext' });
		expect(fitted.components[0]?.components[0]).toMatchObject({
			custom_id: 'id\u200B',
			options: [{ label: 'l', value: 'v\u200B' }],
		});
	});
});

describe('fitChoices', () => {
	it('does keep at most 25 choices, cut names to 100 and fall back to the value when a name is empty', () => {
		const choices = fitChoices([
			{ name: '', value: 'empty-title' },
			{ name: '\u200B\u202E', value: 'invisible-title' },
			{ name: 'N'.repeat(150), value: 'long' },
			...Array.from({ length: 30 }, (_, i) => ({ name: `mod ${i}`, value: `mod-${i}` })),
		]);
		expect(choices).toHaveLength(25);
		expect(choices.slice(0, 3)).toEqual([
			{ name: 'empty-title', value: 'empty-title' },
			{ name: 'invisible-title', value: 'invisible-title' },
			{ name: `${'N'.repeat(99)}…`, value: 'long' },
		]);
	});

	it('does leave out values that are empty, over 100 characters or repeated', () => {
		expect(
			fitChoices([
				{ name: 'a', value: '' },
				{ name: 'b', value: 'x'.repeat(101) },
				{ name: 'c', value: 'x'.repeat(100) },
				{ name: 'd', value: 'x'.repeat(100) },
			]),
		).toEqual([{ name: 'c', value: 'x'.repeat(100) }]);
	});
});
