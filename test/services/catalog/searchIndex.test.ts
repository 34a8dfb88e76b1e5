import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/services/catalog/catalog.js';
import { ModListSchema, type ModSummary } from '../../../src/services/portal/schemas.js';
import { factorioMinor } from '../../../src/services/factorio/version.js';
import { compactKey, editDistance } from '../../../src/services/catalog/searchIndex.js';
import { fixtureJson } from '../../support/fixtures.js';

interface Judgement {
	query: string;
	expect?: string;
	expectAny?: string[];
	/** The words are in the summary, which autocomplete does not search. */
	searchOnly?: boolean;
	why: string;
}

/** Judged queries over the recorded 2018 catalogue (the same list ranked MiniSearch against FlexSearch). */
const judgements = (
	JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/catalog-search-judgements.json'), 'utf8')) as {
		queries: Judgement[];
	}
).queries;

/** Descriptive queries (issue 11): a mod described in other words than its title. */
const descriptive = (
	JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/catalog-search-descriptive.json'), 'utf8')) as {
		queries: (Judgement & { heldOut?: boolean })[];
	}
).queries;

const accepted = (j: Judgement) => j.expectAny ?? (j.expect ? [j.expect] : []);
const names = (mods: readonly ModSummary[]) => mods.map((m) => m.name);

let catalog: Catalog;
let mods: ModSummary[];

beforeAll(async () => {
	const list = ModListSchema.parse(fixtureJson('portal/mods-max-2018-02-18.json'));
	mods = list.mods;
	catalog = new Catalog();
	await catalog.replace(mods, { persist: false });
});

describe('search quality on the recorded 2018 catalogue', () => {
	it('does hold the whole recording', () => {
		expect(catalog.size).toBe(2538);
		expect(judgements.length).toBeGreaterThanOrEqual(15);
	});

	it.each(judgements.map((j) => [j.query, accepted(j).join(' or '), j.why, j] as const))(
		'does rank %j first in search when it means %s (%s)',
		(query, _expected, _why, judgement) => {
			const page = catalog.search({ query, limit: 3 });
			expect(accepted(judgement)).toContain(page.mods[0]?.name);
		},
	);

	it.each(judgements.filter((j) => !j.searchOnly).map((j) => [j.query, accepted(j).join(' or '), j] as const))(
		'does offer %j first in autocomplete when it means %s',
		(query, _expected, judgement) => {
			expect(accepted(judgement)).toContain(catalog.autocomplete(query, 5)[0]?.name);
		},
	);

	it('does keep the intended mod first at every step of typing its name', () => {
		for (const [full, expected] of [
			['squeak through', 'Squeak Through'],
			['logistic train network', 'LogisticTrainNetwork'],
			['bottleneck', 'Bottleneck'],
		] as const) {
			for (let length = full.indexOf(' ') > 0 ? full.indexOf(' ') + 2 : 4; length <= full.length; length++) {
				const typed = full.slice(0, length);
				expect([typed, catalog.autocomplete(typed, 3)[0]?.name]).toEqual([typed, expected]);
			}
		}
	});

	it('does give the start of the full ranking when an autocomplete asks for a few mods, query after query', () => {
		const queries = ['bob', 'train', 'rail', 'helmod', 'logistic train', 'bobs logstics', 'angel', 'x q', 'nanobtos'];
		const full = new Map(queries.map((query) => [query, names(catalog.autocomplete(query, 100_000))]));
		for (const limit of [1, 3, 25, 60]) {
			for (const query of queries) {
				expect(names(catalog.autocomplete(query, limit))).toEqual(full.get(query)?.slice(0, limit));
			}
		}
		// Several of these match more mods than the usual limit of 25 (the path that keeps only the best).
		expect(queries.filter((query) => (full.get(query)?.length ?? 0) > 25).length).toBeGreaterThanOrEqual(3);
	});

	it('does require every typed word to match before falling back to any word', () => {
		const both = names(catalog.search({ query: 'logistic train', limit: 50 }).mods);
		expect(both).toContain('LogisticTrainNetwork');
		expect(both).not.toContain('boblogistics');
		const fallback = catalog.search({ query: 'bottleneck qqqqzzzz' });
		expect(fallback.mods[0]?.name).toBe('Bottleneck');
	});

	it('does suggest the right mod for names mistyped or typed without separators', () => {
		expect(names(catalog.suggest('squeakthrogh'))[0]).toBe('Squeak Through');
		expect(names(catalog.suggest('bobslogistic'))[0]).toBe('boblogistics');
		expect(names(catalog.suggest('Logistic-Train-Netwrk'))[0]).toBe('LogisticTrainNetwork');
		expect(names(catalog.suggest('evenditribution'))[0]).toBe('even-distribution');
		expect(catalog.suggest('factorissimo', 3)).toHaveLength(3);
	});

	it('does complete owner names by prefix and typo, most downloaded first', () => {
		expect(catalog.owners('bob', 3)[0]).toBe('Bobingabout');
		expect(catalog.owners('nexel', 3)[0]).toBe('Nexela');
		expect(catalog.owners('choumko', 3)).toContain('Choumiko');
		expect(catalog.owners('arch666', 3)).toEqual(['Arch666Angel']);
		expect(catalog.owners('angel', 5)).toContain('Arch666Angel');
	});

	it('does filter the real catalogue by Factorio version and owner', () => {
		const page = catalog.search({ query: 'train', filters: { factorioVersion: '0.15' }, limit: 100 });
		expect(page.total).toBeGreaterThan(0);
		for (const mod of page.mods) expect(factorioMinor(mod.latestRelease?.factorioVersion)).toBe('0.15');
		const mine = catalog.search({ filters: { owner: 'bobingabout' }, limit: 100 });
		expect(mine.total).toBeGreaterThan(15);
		for (const mod of mine.mods) expect(mod.owner).toBe('Bobingabout');
		expect(catalog.factorioVersions().slice(0, 3)).toEqual(['0.16', '0.15', '0.14']);
		expect(catalog.categories()).toEqual([]); // the 2018 list has no categories
	});

	it('does list newer releases first when sorted by updated', () => {
		const page = catalog.search({ query: 'bob', sort: 'updated', limit: 20 });
		const dates = page.mods.map((m) => m.latestRelease?.releasedAt ?? '');
		expect(dates).toEqual([...dates].sort().reverse());
	});
});

describe('search by what a mod does on the recorded 2018 catalogue', () => {
	const tuned = descriptive.filter((j) => !j.heldOut);
	const inTopThree = (j: Judgement) =>
		accepted(j).some((name) => names(catalog.search({ query: j.query, limit: 3 }).mods).includes(name));

	it('does find at least 90 % of the descriptive queries in the first 3 results when they describe a mod', () => {
		expect(tuned.length).toBeGreaterThanOrEqual(30);
		expect(descriptive.length - tuned.length).toBeGreaterThanOrEqual(10);
		const misses = tuned.filter((j) => !inTopThree(j)).map((j) => j.query);
		expect(misses.length / tuned.length, `not in the first 3: ${misses.join(' | ')}`).toBeLessThanOrEqual(0.1);
	});

	it('does find a mod by another form of its title words when searching and while typing', () => {
		expect(names(catalog.search({ query: 'warehouse', limit: 3 }).mods)).toContain('Warehousing');
		expect(names(catalog.autocomplete('warehouse', 5))).toContain('Warehousing');
		expect(names(catalog.search({ query: 'planner for your base', limit: 1 }).mods)).toEqual(['helmod']);
		expect(names(catalog.autocomplete('teleportation', 3))).toContain('Teleportation');
		expect(names(catalog.search({ query: 'teleport', limit: 1 }).mods)).toEqual(['Teleportation']);
	});

	it('does rank a word of a title above the same word in a summary when both match', () => {
		const found = names(catalog.search({ query: 'warehouse', limit: 50 }).mods);
		const summaryOnly = found.indexOf('Arumba_Accelerated_Start_Thor_Tweaks');
		expect(summaryOnly).toBeGreaterThan(found.indexOf('angelsaddons-warehouses'));
		expect(summaryOnly).toBeGreaterThan(found.indexOf('Warehousing'));
	});

	it('does rank mods matching more of the words first when no mod matches them all', () => {
		const page = catalog.search({ query: 'launch a rocket to nuke biters from orbit', limit: 5 });
		expect(page.mods[0]?.name).toBe('Orbital Ion Cannon');
		expect(catalog.search({ query: 'better enemy ai tactics', limit: 1 }).mods[0]?.name).toBe('Rampant');
	});

	it('does keep exact names first when their words are also English', () => {
		for (const [query, name] of [
			['bottleneck', 'Bottleneck'],
			['long reach', 'long-reach'],
			['landfill', 'Landfill'],
			['teleportation', 'Teleportation'],
		] as const) {
			expect([query, catalog.search({ query, limit: 1 }).mods[0]?.name]).toEqual([query, name]);
			expect([query, catalog.autocomplete(query, 1)[0]?.name]).toEqual([query, name]);
		}
	});
});

describe('search of a partly typed title', () => {
	it('does keep stop words and short words of a query with fewer than two other words', () => {
		expect(catalog.search({ query: 'The Fa', limit: 1 }).mods[0]?.name).toBe('TheFatController');
		expect(catalog.search({ query: "5Dim's mod - Or", limit: 1 }).mods[0]?.name).toBe('5dim_ores');
		expect(catalog.search({ query: 'A Se', limit: 3 }).mods.map((m) => m.name)).toContain('A Sea Block Config');
	});

	it('does count a stop word of a title as typed when the query has other words', () => {
		expect(catalog.search({ query: 'Power And Arm', limit: 1 }).mods[0]?.name).toBe('PowerAndArmor');
		expect(catalog.search({ query: 'Power Arm', limit: 1 }).mods[0]?.name).toBe('Power Armor MK3');
	});
});

describe('search helpers', () => {
	it('does make names, titles and queries comparable when they differ in case and separators', () => {
		expect(compactKey('Squeak Through')).toBe('squeakthrough');
		expect(compactKey('squeak-through')).toBe('squeakthrough');
		expect(compactKey("Bob's Logistics")).toBe('bobslogistics');
		expect(compactKey('Émile_Mod')).toBe('emilemod');
	});

	it('does count edits with swaps as one and stop above the maximum', () => {
		expect(editDistance('nanobots', 'nanobtos', 3)).toBe(1);
		expect(editDistance('kitten', 'sitting', 5)).toBe(3);
		expect(editDistance('kitten', 'sitting', 2)).toBe(3);
		expect(editDistance('', 'abc', 5)).toBe(3);
		expect(editDistance('same', 'same', 0)).toBe(0);
	});
});
