import { describe, expect, it } from 'vitest';
import { fieldTerms, isStopWord, modTerms, queryWords, stemsOf } from '../../../src/services/catalog/searchTerms.js';
import type { ModSummary } from '../../../src/services/portal/schemas.js';

function mod(fields: Partial<ModSummary>): ModSummary {
	return {
		name: 'x',
		title: 'x',
		owner: '',
		summary: '',
		downloadsCount: 0,
		category: undefined,
		latestRelease: undefined,
		...fields,
	} as ModSummary;
}

describe('search terms', () => {
	it('does give word forms of one English word a shared stem when they differ in suffix', () => {
		const shared = (a: string, b: string) => stemsOf(a).filter((stem) => stemsOf(b).includes(stem));
		expect(shared('warehouse', 'warehousing')).not.toEqual([]);
		expect(shared('warehouses', 'warehousing')).not.toEqual([]);
		expect(shared('planner', 'planning')).toEqual(['plan']);
		expect(shared('automatic', 'automated')).toEqual(['autom']);
		expect(shared('teleport', 'teleportation')).toEqual(['teleport']);
		expect(shared('trains', 'train')).toEqual(['train']);
		expect(shared('warehouse', 'planning')).toEqual([]);
	});

	it('does keep words that are not plain lowercase letters as they are, and skip words of one or two letters', () => {
		expect(stemsOf('5dim')).toEqual(['5dim']);
		expect(stemsOf('mk2')).toEqual(['mk2']);
		expect(stemsOf('ai')).toEqual([]);
	});

	it('does index a name and title as typed and their stems in a field of their own', () => {
		const farl = mod({ name: 'FARL', title: 'Fully Automated Rail Layer', summary: 'Fully automated rail-layer' });
		expect(fieldTerms(farl, 'name')).toEqual(['farl']);
		expect(fieldTerms(farl, 'title')).toEqual(['fully', 'automated', 'rail', 'layer']);
		expect(fieldTerms(farl, 'titleStems')).toEqual(expect.arrayContaining(['farl', 'fulli', 'autom', 'rail']));
		const ltn = mod({ name: 'LogisticTrainNetwork', title: 'LTN - Logistic Train Network' });
		expect(fieldTerms(ltn, 'name')).toEqual(['logistictrainnetwork', 'logistic', 'train', 'network']);
		expect(modTerms(ltn).initialisms).toContain('ltn');
	});

	it('does leave stop words out of summaries but keep them in titles', () => {
		const terms = modTerms(mod({ title: 'The Fat Controller', summary: 'A conductor of the trains, for your mod.' }));
		expect(terms.summary).toEqual(['conductor', 'train']);
		expect(terms.title).toContain('the');
		expect(isStopWord('the')).toBe(true);
		expect(isStopWord('train')).toBe(false);
	});

	it('does compute the same terms whatever order the fields are asked for in', () => {
		const warehousing = mod({
			name: 'Warehousing',
			title: 'Warehousing Mod',
			owner: 'Anoyomouse',
			summary: 'Store all the things! Warehousing provides high capacity storage buildings.',
		});
		const forwards = (['name', 'title', 'titleStems', 'summary'] as const).map((f) => fieldTerms(warehousing, f));
		const backwards = (['summary', 'titleStems', 'title', 'name'] as const).map((f) => fieldTerms(warehousing, f));
		expect(backwards.reverse()).toEqual(forwards);
		expect(modTerms(warehousing).owner).toEqual(['anoyomouse']);
	});

	it('does split a query into lowercased words without diacritics and apostrophes', () => {
		expect(queryWords("Bob's Émile-mod  LTN")).toEqual(['bobs', 'emile', 'mod', 'ltn']);
	});
});
