import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/render/limits.js';
import { embedLength } from 'discord.js';
import { decodeSearchState, encodeSearchState, searchPageIds } from '../../src/discord/customIds.js';
import { renderChangelog } from '../../src/render/changelog.js';
import { renderModInfo } from '../../src/render/modInfo.js';
import { autocompleteLabel, renderSearchPage, type SearchState } from '../../src/render/searchPage.js';
import { ModFullSchema, ModListSchema, type ModDetails } from '../../src/services/portal/schemas.js';
import { fixtureJson, fixtureText } from '../support/fixtures.js';

const links = { portalUrl: 'https://mods.factorio.com', assetsUrl: 'https://assets-mod.factorio.com' };

function full(file: string, extra: Record<string, unknown> = {}): ModDetails {
	return ModFullSchema.parse({ ...(fixtureJson(`portal/${file}`) as object), ...extra });
}

function fields(mod: ModDetails): Record<string, string> {
	const embed = renderModInfo(links, mod).embeds[0]!;
	return Object.fromEntries((embed.fields ?? []).map((f) => [f.name, f.value]));
}

describe('renderModInfo', () => {
	it('does group the latest release’s dependencies by kind and list every supported Factorio version', () => {
		const mod = full('mod-full-bobelectronics-2021-trimmed.json');
		const shown = fields(mod);
		expect(shown['Required dependencies']).toBe(
			'Factorio >= 1.1.0, [boblibrary >= 1.1.0](https://mods.factorio.com/mod/boblibrary)',
		);
		expect(shown['Optional dependencies']).toBe('[bobplates >= 1.1.0](https://mods.factorio.com/mod/bobplates)');
		expect(shown['Factorio versions']).toBe('1.1, 1.0, 0.18, 0.17, 0.16, 0.15, 0.14, 0.13');
		expect(shown['Latest release']).toMatch(/^1\.1\.3\n<t:1611620080:f> \(<t:1611620080:R>\)$/);
	});

	it('does show the license, the title and version linked to the mod page, and the thumbnail when there is one', () => {
		const mod = full('mod-full-anonymized-2022.json');
		const embed = renderModInfo(links, mod).embeds[0]!;
		expect(embed.title).toBe('TITLE 0.0.2');
		expect(embed.url).toBe('https://mods.factorio.com/mod/mymod');
		expect(embed.thumbnail?.url).toBe(
			'https://assets-mod.factorio.com/assets/6eadeac2dade6347e87c0d24fd455feffa7069f0.thumb.png',
		);
		expect(fields(mod).License).toBe('[MIT](https://opensource.org/licenses/MIT)');
		const buttons = renderModInfo(links, mod).components[0]!.components.map((c) => ('url' in c ? c.url : undefined));
		expect(buttons).toEqual([
			'https://mods.factorio.com/mod/mymod',
			'https://mods.factorio.com/mod/mymod/changelog',
			'https://github.com/not/existing',
			'https://example.com/',
		]);
	});

	it('does leave the thumbnail out when the portal has only its placeholder, and says when a mod is deprecated', () => {
		const mod = full('mod-full-1000BagSize-2021.json', { deprecated: true });
		const embed = renderModInfo(links, mod).embeds[0]!;
		expect(embed.thumbnail).toBeUndefined();
		expect(embed.description).toMatch(/^⚠️ \*\*Deprecated\*\*/);
	});

	it('does stay within Discord’s limits for a mod with hundreds of dependencies and a huge summary', () => {
		const mod = full('mod-full-anonymized-2022.json');
		const releases = mod.releases.map((r) => ({
			...r,
			dependencies: Array.from({ length: 400 }, (_, i) => `? some-very-long-dependency-name-${i} >= 1.0.${i}`),
		}));
		const huge: ModDetails = {
			...mod,
			summary: 'x'.repeat(10_000),
			title: 'T'.repeat(400),
			releases,
			latestRelease: releases.at(-1),
		};
		const embed = renderModInfo(links, huge).embeds[0]!;
		expect(embed.title!.length).toBeLessThanOrEqual(LIMITS.embedTitle);
		expect(embed.description!.length).toBeLessThanOrEqual(LIMITS.embedDescription);
		for (const field of embed.fields ?? []) expect(field.value.length).toBeLessThanOrEqual(LIMITS.fieldValue);
		expect(embedLength(embed)).toBeLessThanOrEqual(LIMITS.embedTotal);
		expect(fields(huge)['Optional dependencies']).toMatch(/ and \d+ more$/);
	});
});

describe('renderChangelog', () => {
	it('does show the latest section of the game’s own 1.7 MB changelog within the limits, linking the full one when cut', () => {
		const mod = full('mod-full-anonymized-2022.json', { changelog: fixtureText('changelogs/base-game-2.1.12.txt') });
		const embed = renderChangelog(links, mod)!.embeds[0]!;
		expect(embed.title).toBe('TITLE 2.1.12 changelog');
		expect(embed.description!.length).toBeLessThanOrEqual(LIMITS.embedDescription);
		expect(embedLength(embed)).toBeLessThanOrEqual(LIMITS.embedTotal);
	});

	it('does show an older version when asked, categories in the game’s order', () => {
		const mod = full('mod-full-anonymized-2022.json', { changelog: fixtureText('changelogs/flib.txt') });
		const message = renderChangelog(links, mod, '0.16.0');
		expect(message?.embeds[0]?.title).toBe('TITLE 0.16.0 changelog');
		expect(renderChangelog(links, mod, '99.0.0')).toBeUndefined();
	});

	it('does fall back to the plain text when the changelog is not in the format', () => {
		const mod = full('mod-full-1000BagSize-2021.json');
		const embed = renderChangelog(links, mod)!.embeds[0]!;
		expect(embed.title).toBe('1000 Inventory Size changelog');
		expect(embed.description).toBe('created');
	});
});

describe('search pages', () => {
	const mods = ModListSchema.parse(fixtureJson('portal/mods-max-2018-02-18.json')).mods;

	it('does round-trip the search state through button custom ids of at most 100 characters', () => {
		const state: SearchState = {
			query: 'trains with | pipes',
			page: 3,
			sort: 'downloads',
			factorioVersion: '0.16',
			category: 'content',
		};
		const id = encodeSearchState(state);
		expect(id.length).toBeLessThanOrEqual(LIMITS.customId);
		expect(decodeSearchState(id)).toEqual(state);
		expect(decodeSearchState('mod:page|x')).toBeUndefined();
		expect(decodeSearchState('mod:page|2|bogus|||q')).toBeUndefined();
	});

	it('does disable Previous on the first page and Next on the last', () => {
		const state: SearchState = { query: 'x', page: 1, sort: 'relevance' };
		const first = renderSearchPage(links, state, { total: 25, mods: mods.slice(0, 10) }, 10, searchPageIds(state));
		const buttons = first.components[1]!.components as { disabled?: boolean; label?: string }[];
		expect(buttons.map((b) => [b.label, b.disabled])).toEqual([
			['Previous', true],
			['Next', false],
		]);
		const last = renderSearchPage(
			links,
			{ ...state, page: 3 },
			{ total: 25, mods: mods.slice(20, 25) },
			10,
			searchPageIds({ ...state, page: 3 }),
		);
		expect((last.components[1]!.components as { disabled?: boolean }[]).map((b) => b.disabled)).toEqual([false, true]);
		expect(last.embeds[0]!.footer?.text).toBe('Page 3/3 · 25 mods · sorted by relevance');
	});

	it('does label autocomplete choices within 100 characters, keeping version and owner', () => {
		const squeak = mods.find((m) => m.name === 'Squeak Through')!;
		expect(autocompleteLabel(squeak)).toBe('Squeak Through 1.2.1 · Supercheese');
		const long = { ...squeak, title: 'A'.repeat(200) };
		const label = autocompleteLabel(long);
		expect(label.length).toBeLessThanOrEqual(LIMITS.choiceName);
		expect(label.endsWith(' 1.2.1 · Supercheese')).toBe(true);
	});
});
