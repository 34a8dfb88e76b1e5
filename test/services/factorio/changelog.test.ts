import { describe, expect, it } from 'vitest';
import {
	CATEGORY_ORDER,
	findSection,
	parseChangelog,
	sortCategories,
	type Changelog,
} from '../../../src/services/factorio/changelog.js';
import { compareVersions } from '../../../src/services/factorio/version.js';
import { fixtureJson, fixtureText } from '../../support/fixtures.js';

const DASHES = '-'.repeat(99);
const FILES = ['base-game-2.1.12.txt', 'flib.txt', 'bobplates.txt', 'boblogistics.txt'];

function entryCount(changelog: Changelog): number {
	return changelog.sections.reduce(
		(sum, section) => sum + section.categories.reduce((n, c) => n + c.entries.length, 0),
		0,
	);
}

describe('parseChangelog on recorded files', () => {
	it.each(FILES)('does read every section of %s', (file) => {
		const text = fixtureText(`changelogs/${file}`);
		const changelog = parseChangelog(text);
		expect(changelog.plain).toBeUndefined();
		expect(changelog.sections).toHaveLength(text.match(/^Version: /gm)?.length ?? -1);
		expect(entryCount(changelog)).toBe(text.match(/^ {4}- /gm)?.length ?? -1);
		for (const section of changelog.sections) {
			expect(section.version).toMatch(/^\d+\.\d+\.\d+/);
			expect(section.text.startsWith(`Version: ${section.version}\n`)).toBe(true);
			expect(section.text).not.toContain(DASHES);
		}
	});

	it('does read the 580 sections of the game changelog with known categories only', () => {
		const changelog = parseChangelog(fixtureText('changelogs/base-game-2.1.12.txt'));
		expect(changelog.sections).toHaveLength(580);
		expect(changelog.sections[0]).toMatchObject({ version: '2.1.12', date: '21. 07. 2026' });
		expect(changelog.sections[0]?.categories.map((category) => category.name)).toEqual([
			'Changes',
			'Bugfixes',
			'Modding',
			'Scripting',
		]);
		// Two early sections carry a note after the number; the number still finds them.
		expect(findSection(changelog, '0.2.1')?.version).toBe('0.2.1 - Indiegogo campaign start');
		const names = new Set(changelog.sections.flatMap((section) => section.categories.map((category) => category.name)));
		expect([...names].filter((name) => !CATEGORY_ORDER.includes(name))).toEqual([]);
	});

	it('does keep nested sub-items with their relative indentation when an entry has them', () => {
		const changelog = parseChangelog(fixtureText('changelogs/base-game-2.1.12.txt'));
		const entry = changelog.sections
			.flatMap((section) => section.categories.flatMap((category) => category.entries))
			.find((text) => text.startsWith('Some technologies more clearly split'));
		expect(entry?.split('\n').slice(0, 4)).toEqual([
			'Some technologies more clearly split between Production and Utility science packs:',
			'- Production science pack:',
			'  - Effect transmission',
			'  - All level 3 modules',
		]);
	});

	it('does keep an empty category and the ???? date when flib has an unreleased section', () => {
		const changelog = parseChangelog(fixtureText('changelogs/flib.txt'));
		expect(changelog.sections[0]).toEqual({
			version: '0.16.4',
			date: '????',
			categories: [{ name: 'Changes', entries: [] }],
			text: 'Version: 0.16.4\nDate: ????\n  Changes:',
		});
		expect(findSection(changelog)?.version).toBe('0.16.4');
		expect(findSection(changelog, '0.16.3')?.categories).toEqual([
			{ name: 'Features', entries: ['Added `flib_prototypes.get_base_type` method.'] },
			{ name: 'Changes', entries: ['Improved error messaging of flib_prototypes functions.'] },
			{
				name: 'Bugfixes',
				entries: ['Fixed that `flib_locale.of` would give an incorrect result in some cases. (#80)'],
			},
		]);
	});

	it('does keep sub-items and #issue references when bobplates has them', () => {
		const section = findSection(parseChangelog(fixtureText('changelogs/bobplates.txt')), '2.1.0');
		const changes = section?.categories.find((category) => category.name === 'Changes');
		expect(changes?.entries).toContain(
			'Lithium fixes #574\n' +
				'- Swapped the order of Lithium-ion batteries and Silver-zinc batteries when Space Age is enabled\n' +
				"- Combined Bob's Lithium and Space Age's Lithium\n" +
				'- Changed the internal name of Bob\'s batteries to "bob-battery-2" and "bob-battery-3"',
		);
	});

	it('does trim the trailing space when a boblogistics line has one', () => {
		const changelog = parseChangelog(fixtureText('changelogs/boblogistics.txt'));
		const entries = changelog.sections.flatMap((section) => section.categories.flatMap((category) => category.entries));
		const entry = entries.find((text) => text.startsWith('Added science packs prerequisites to Logistic systems'));
		expect(entry).toBe('Added science packs prerequisites to Logistic systems and Modular roboports research');
	});

	it('does find the highest version when the sections are out of order', () => {
		// The recorded bob files are in order; move the newest section of bobplates to the end.
		const [head, ...rest] = fixtureText('changelogs/bobplates.txt')
			.split(`${DASHES}\n`)
			.filter((part) => part !== '');
		const shuffled = [...rest, head].map((part) => `${DASHES}\n${part}`).join('');
		const changelog = parseChangelog(shuffled);
		expect(changelog.sections.at(-1)?.version).toBe('2.1.1');
		expect(changelog.sections[0]?.version).toBe('2.1.0');
		expect(findSection(changelog)?.version).toBe('2.1.1');
	});

	it('does answer the same when the file has CRLF line endings', () => {
		const text = fixtureText('changelogs/flib.txt');
		expect(parseChangelog(text.replace(/\n/g, '\r\n'))).toEqual(parseChangelog(text));
	});

	it('does fall back to plain text when the 1000BagSize changelog is one word', () => {
		const full = fixtureJson('portal/mod-full-1000BagSize-2021.json') as { changelog: string };
		expect(parseChangelog(full.changelog)).toEqual({ sections: [], plain: 'created' });
	});
});

describe('parseChangelog on synthetic input', () => {
	it('does read tabs, trailing spaces, an empty date and lines outside categories', () => {
		const text = [
			DASHES,
			'Version: 1.2.0  ',
			'Date: ',
			'    - Entry before any category',
			'\tFeatures:\t',
			'\t\t- Tabbed entry',
			'\t\t\tcontinued with tabs',
			'  Weird Stuff:',
			'    - Unknown category entry',
			'',
			'  features:',
			'    - Merged into the first Features',
			DASHES,
			'Version: 1.10.0',
			'  Bugfixes:',
			'    * Star bullet',
			'    Line without bullet',
			'      its continuation',
		].join('\n');
		const changelog = parseChangelog(text);
		expect(changelog.sections).toHaveLength(2);
		const [first, second] = changelog.sections;
		expect(first?.version).toBe('1.2.0');
		expect(first?.date).toBeUndefined();
		expect(first?.categories).toEqual([
			{ name: '', entries: ['Entry before any category'] },
			{ name: 'Features', entries: ['Tabbed entry\ncontinued with tabs', 'Merged into the first Features'] },
			{ name: 'Weird Stuff', entries: ['Unknown category entry'] },
		]);
		expect(second?.categories).toEqual([
			{ name: 'Bugfixes', entries: ['Star bullet\nLine without bullet\nits continuation'] },
		]);
		expect(findSection(changelog)?.version).toBe('1.10.0');
	});

	it('does answer no sections and no plain text when the input is empty or blank', () => {
		expect(parseChangelog('')).toEqual({ sections: [] });
		expect(parseChangelog(' \n\r\n\t')).toEqual({ sections: [] });
	});

	it('does fall back to plain text when there is no dash line', () => {
		const text = 'Version: 1.0.0\r\nDate: today\r\n  Features:\r\n    - Something\r\n';
		expect(parseChangelog(text)).toEqual({
			sections: [],
			plain: 'Version: 1.0.0\nDate: today\n  Features:\n    - Something',
		});
	});

	it('does skip a section without a Version line and keep the readable ones', () => {
		const text = `${DASHES}\nDate: 1. 1. 2020\n  Bugfixes:\n    - Lost\n${DASHES}\nVersion: 0.1.0\n  Bugfixes:\n    - Kept\n`;
		const changelog = parseChangelog(text);
		expect(changelog.sections.map((section) => section.version)).toEqual(['0.1.0']);
		expect(changelog.plain).toBeUndefined();
	});

	it('does never throw when fed pseudo-random text made of changelog pieces', () => {
		const pieces = [DASHES, '\n', '\r\n', 'Version: ', 'Date: ', '  ', '\t', '- ', ':', '1.0.', 'x', '????', '*', ''];
		let seed = 12345;
		const next = () => {
			seed = (seed * 1103515245 + 12345) % 2147483648;
			return seed;
		};
		for (let run = 0; run < 300; run++) {
			let text = '';
			const length = next() % 200;
			for (let i = 0; i < length; i++) text += pieces[next() % pieces.length] ?? '';
			const changelog = parseChangelog(text);
			for (const section of changelog.sections) {
				expect(section.version).not.toBe('');
				for (const category of section.categories) expect(category.entries.every((entry) => entry !== '')).toBe(true);
			}
			expect(changelog.sections.length > 0 && changelog.plain !== undefined).toBe(false);
			expect(() => findSection(changelog)).not.toThrow();
		}
	});

	it('does not throw when handed something that is not a string', () => {
		expect(parseChangelog(undefined as unknown as string)).toEqual({ sections: [] });
	});
});

describe('findSection', () => {
	const changelog = parseChangelog(
		`${DASHES}\nVersion: 0.9.0\n${DASHES}\nVersion: 0.18.10\n${DASHES}\nVersion: 0.18.9\n${DASHES}\nVersion: 1.0\n`,
	);

	it('does pick the numerically highest version when none is asked for', () => {
		expect(findSection(changelog)?.version).toBe('1.0');
	});

	it('does match a version exactly first and numerically second when one is asked for', () => {
		expect(findSection(changelog, '0.18.9')?.version).toBe('0.18.9');
		expect(findSection(changelog, '1.0.0')?.version).toBe('1.0');
		expect(findSection(changelog, '2.0.0')).toBeUndefined();
		expect(findSection(changelog, 'junk')).toBeUndefined();
	});

	it('does answer undefined when the changelog has no sections', () => {
		expect(findSection({ sections: [], plain: 'x' })).toBeUndefined();
	});
});

describe('compareVersions', () => {
	it.each([
		['0.18.10', '0.18.9', 1],
		['0.18.9', '0.18.10', -1],
		['1.0', '1.0.0', 0],
		['2.0.0', '10.0.0', -1],
		['v1.2-beta', '1.2', 0],
		['junk', '0.0.1', -1],
		['0.0.1', 'junk', 1],
		['abc', 'abd', -1],
		['', '', 0],
	])('does compare %j with %j as %i', (a, b, expected) => {
		expect(compareVersions(a, b)).toBe(expected);
	});
});

describe('sortCategories', () => {
	it("does put known categories in the game's order and unknown ones after in file order", () => {
		const sorted = sortCategories([
			{ name: 'Zeta', entries: [] },
			{ name: 'Bugfixes', entries: [] },
			{ name: 'Alpha', entries: [] },
			{ name: 'features', entries: [] },
			{ name: 'Major Features', entries: [] },
			{ name: '', entries: [] },
		]);
		expect(sorted.map((category) => category.name)).toEqual([
			'',
			'Major Features',
			'features',
			'Bugfixes',
			'Zeta',
			'Alpha',
		]);
	});

	it('does leave the input array unchanged when sorting', () => {
		const input = [
			{ name: 'Bugfixes', entries: [] },
			{ name: 'Features', entries: [] },
		];
		sortCategories(input);
		expect(input.map((category) => category.name)).toEqual(['Bugfixes', 'Features']);
	});
});
