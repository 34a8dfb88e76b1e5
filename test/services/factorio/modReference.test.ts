import { describe, expect, it } from 'vitest';
import {
	MAX_MOD_NAME_LENGTH,
	isModName,
	modNameFromInput,
	parseModReference,
	suggestionText,
} from '../../../src/services/factorio/modReference.js';
import { fixtureJson } from '../../support/fixtures.js';

function recordedNames(path: string): string[] {
	return (fixtureJson(path) as { results: { name: string }[] }).results.map((mod) => mod.name);
}

describe('isModName', () => {
	it.each(['portal/mods-max-2018-02-18.json', 'portal/mods-deps-2024-08-26.json'])(
		'does accept every recorded mod name when reading %s',
		(path) => {
			const names = recordedNames(path);
			expect(names.length).toBeGreaterThan(2000);
			expect(names.filter((name) => !isModName(name))).toEqual([]);
			expect(Math.max(...names.map((name) => name.length))).toBeLessThanOrEqual(MAX_MOD_NAME_LENGTH);
		},
	);

	it.each([
		['', 'empty'],
		['.', 'a dot'],
		['..', 'two dots'],
		['a/b', 'a slash'],
		['a\\b', 'a backslash'],
		['x'.repeat(MAX_MOD_NAME_LENGTH + 1), 'too long'],
		['bad\nname', 'a new line'],
		['bad\u0000name', 'a NUL'],
		['evil\u202Eeman', 'a right-to-left override'],
		['zero\u200Bwidth', 'a zero-width space'],
		['100%', 'a percent sign'],
		['%2F', 'an encoded slash'],
		['a?b', 'a question mark'],
		['a#b', 'a hash'],
		[' padded', 'a leading space'],
		['two  spaces', 'two spaces in a row'],
	])('does refuse %j when it has %s', (name) => {
		expect(isModName(name)).toBe(false);
	});
});

describe('parseModReference', () => {
	it.each([
		['Squeak Through', 'Squeak Through', false],
		['  flib  ', 'flib', false],
		['https://mods.factorio.com/mod/Squeak%20Through?from=search', 'Squeak Through', true],
		['http://mods.factorio.com/mod/flib', 'flib', true],
		['mods.factorio.com/mod/flib', 'flib', true],
		['MODS.FACTORIO.COM/mod/flib', 'flib', true],
		['<https://mods.factorio.com/mod/flib>', 'flib', true],
		['https://mods.factorio.com/mod/flib/changelog', 'flib', true],
		['https://mods.factorio.com/mod/flib/downloads', 'flib', true],
		['https://mods.factorio.com/mod/flib/discussion/5f0e1c', 'flib', true],
		['https://mods.factorio.com/mod/flib#releases', 'flib', true],
		['https://mods.factorio.com/mod/Squeak Through', 'Squeak Through', true],
		['/mod/flib', 'flib', true],
		['https://mods.factorio.com:443/mod/flib', 'flib', true],
	])('does read %j as the mod %j', (input, name, fromLink) => {
		expect(parseModReference(input)).toEqual({ ok: true, name, fromLink });
	});

	it.each([
		['', /Give a mod name/],
		['   ', /Give a mod name/],
		['Squeak/Through', /slash/],
		['https://mods.factorio.com/mod/a%2Fb/full', /slash/],
		['https://mods.factorio.com/mod//full', /names no mod/],
		['https://mods.factorio.com/mod/', /names no mod/],
		['https://mods.factorio.com/', /names no mod/],
		['https://mods.factorio.com/mod/..', /names no mod/],
		['https://mods.factorio.com/mod/%2e%2e/full', /names no mod/],
		['https://mods.factorio.com/user/Klonan', /names no mod/],
		['https://mods.factorio.com/mod/%E0%A4%A', /malformed/],
		['https://mods.factorio.com/mod/%252F', /only letters/],
		['https://evil.example/mod/flib', /does not point to the Factorio mod portal/],
		['https://mods.factorio.com.evil.example/mod/flib', /does not point/],
		['ftp://mods.factorio.com/mod/flib', /does not point/],
		['javascript:alert(1)', /only letters/],
		['..', /only letters/],
		['x'.repeat(200), /at most 100/],
		['flib\r\nX-Injected: 1', /control/],
	])('does refuse %j with a reason', (input, reason) => {
		const reference = parseModReference(input);
		expect(reference.ok).toBe(false);
		if (!reference.ok) expect(reference.reason).toMatch(reason);
	});

	it('does read links of the configured portal host when it is given', () => {
		const options = { portalHosts: ['127.0.0.1:8080', 'mods.factorio.com'] };
		expect(parseModReference('http://127.0.0.1:8080/mod/flib', options)).toEqual({
			ok: true,
			name: 'flib',
			fromLink: true,
		});
		expect(parseModReference('http://127.0.0.1:9999/mod/flib', options).ok).toBe(false);
	});
});

describe('modNameFromInput and suggestionText', () => {
	it('does give the name of a link, nothing for a bad link, and other text as typed when looking up', () => {
		expect(modNameFromInput('https://mods.factorio.com/mod/flib?x=1')).toBe('flib');
		expect(modNameFromInput('https://mods.factorio.com/mod/a%2Fb')).toBe('');
		expect(modNameFromInput('https://example.com/mod/flib')).toBe('');
		expect(modNameFromInput("  Bob's Metals, Chemicals and Intermediates ")).toBe(
			"Bob's Metals, Chemicals and Intermediates",
		);
	});

	it('does turn input that is not a name into words to look up when suggesting', () => {
		expect(suggestionText('Squeak/Through')).toBe('Squeak Through');
		expect(suggestionText('evil\u202Ename\n')).toBe('evilname');
		expect(suggestionText('x'.repeat(300))).toHaveLength(MAX_MOD_NAME_LENGTH);
	});
});
