import { describe, expect, it } from 'vitest';
import { cleanText, displayTitle, markdownLink, safeMarkdown } from '../../src/render/safeText.js';
import { BIDI, HOSTILE_MARKDOWN, ZERO_WIDTH } from '../support/hostileMods.js';
import { shownTextProblems } from '../support/shownText.js';

describe('cleanText', () => {
	it('does remove bidi controls, zero-width, invisible and control characters', () => {
		expect(cleanText(`a${BIDI}b${ZERO_WIDTH}c\u0000\u0007\u001bd`)).toBe('abcd');
		expect(cleanText('\u3164\u2800')).toBe('');
	});

	it('does collapse whitespace into one line unless asked for several lines', () => {
		expect(cleanText('  one\r\n two\tthree\u2028four  ')).toBe('one two three four');
		expect(cleanText('one  \r\ntwo\t\n\n\n\nthree\u2029', { multiline: true })).toBe('one\ntwo\n\nthree');
	});

	it('does keep emoji, accents and other scripts', () => {
		expect(cleanText('Ünïcødé 日本語 ⚠️ 🚂')).toBe('Ünïcødé 日本語 ⚠️ 🚂');
	});
});

describe('safeMarkdown', () => {
	it('does escape every markdown construct so hostile text makes no link, code, mention or heading', () => {
		const shown = safeMarkdown(HOSTILE_MARKDOWN, { multiline: true });
		expect(shownTextProblems({ embeds: [{ description: shown }] })).toEqual([]);
		expect(shown).toContain('\\[click me\\](javascript:alert(1))');
		expect(shown).toContain('\\`\\`\\`js');
		expect(shown).toContain('\\@everyone \\@here \\<@&123456789012345678>');
		expect(shown).toContain('\\# Heading');
		expect(shown).toContain('\\-# subtext');
		expect(shown).toContain('\\> quote');
		expect(shown).toContain('1\\. numbered');
		expect(shown).toContain('\\- bullet \\*\\*bold\\*\\* \\_\\_underline\\_\\_ \\~\\~strike\\~\\~ \\|\\|spoiler\\|\\|');
		expect(shown).toContain('\\\\\\[escaped\\]');
	});

	it('does leave ordinary text as it is', () => {
		expect(safeMarkdown("Bob's Metals, Chemicals and Intermediates 1.1.0 (for 2.0)")).toBe(
			"Bob's Metals, Chemicals and Intermediates 1.1.0 (for 2.0)",
		);
	});

	it('does read at most 8,192 characters, so a megabyte without spaces costs little', () => {
		const shown = safeMarkdown('_'.repeat(1_000_000));
		expect(shown).toBe('\\_'.repeat(8192));
	});
});

describe('markdownLink', () => {
	it('does link only to absolute http(s) URLs, with parentheses encoded', () => {
		expect(markdownLink('MIT', 'https://opensource.org/licenses/MIT')).toBe(
			'[MIT](https://opensource.org/licenses/MIT)',
		);
		expect(markdownLink('x', 'https://example.com/a)[y](javascript:alert(1)')).toBe(
			'[x](https://example.com/a%29[y]%28javascript:alert%281%29)',
		);
		for (const bad of ['javascript:alert(1)', 'data:text/html,x', '/relative', undefined])
			expect(markdownLink('label', bad)).toBe('label');
	});
});

describe('displayTitle', () => {
	it('does fall back to the internal name when the title is empty once cleaned', () => {
		expect(displayTitle({ title: `${BIDI}${ZERO_WIDTH}`, name: 'some-mod' })).toBe('some-mod');
		expect(displayTitle({ title: 'Title', name: 'some-mod' })).toBe('Title');
	});
});
