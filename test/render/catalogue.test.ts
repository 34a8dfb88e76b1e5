/*
 * Property-style tests: every message and autocomplete answer the renderers make for the whole recorded catalogue
 * (2,538 mods), the recorded `/full` bodies, the recorded changelogs and hostile variants of them passes the same
 * validator the fake Discord uses, and shows no invisible character and no link to anything but http(s).
 */
import { describe, expect, it } from 'vitest';
import { renderAnnouncementMessages, type AnnouncementOptions } from '../../src/render/announcement.js';
import { changelogMarkdown, renderChangelog } from '../../src/render/changelog.js';
import { fitChoices } from '../../src/render/fit.js';
import { renderModInfo } from '../../src/render/modInfo.js';
import { autocompleteLabel, renderSearchPage, type SearchState } from '../../src/render/searchPage.js';
import { announcementFromEvent, type Announcement } from '../../src/services/announcements/snapshot.js';
import type { ChangelogDetail } from '../../src/services/announcements/subscriptions.js';
import { parseChangelog } from '../../src/services/factorio/changelog.js';
import type { PortalLinks } from '../../src/services/portal/links.js';
import { ModFullSchema, type ModDetails } from '../../src/services/portal/schemas.js';
import { searchPageIds } from '../../src/discord/customIds.js';
import { fixtureJson, fixtureText } from '../support/fixtures.js';
import { BIDI, ZERO_WIDTH, hostileMods } from '../support/hostileMods.js';
import { choiceProblems, payloadProblems } from '../support/shownText.js';

const links: PortalLinks = { portalUrl: 'https://mods.factorio.com', assetsUrl: 'https://assets-mod.factorio.com' };

const catalogue = (fixtureJson('portal/mods-max-2018-02-18.json') as { results: unknown[] }).results;
const recorded = catalogue.map((entry) => ModFullSchema.parse(entry));
const secondary = fixtureJson('portal/modern-shapes-secondary.json') as Record<string, unknown>;
const recordedFull = [
	...[
		'mod-full-1000BagSize-2021.json',
		'mod-full-anonymized-2022.json',
		'mod-full-bobelectronics-2021-trimmed.json',
		'mod-short-Krastorio2-2022.json',
	].map((file) => fixtureJson(`portal/${file}`)),
	secondary['GET /api/mods/flib/full (truncated by doc author)'],
].map((body) => ModFullSchema.parse(body));
/** The five largest sections of the game's own changelog (49 KB to 77 KB of text each). */
const HUGE_VERSIONS = ['2.0.7', '2.1.7', '0.17.0', '1.1.0', '0.16.0'];
const CHANGELOGS = ['base-game-2.1.12.txt', 'boblogistics.txt', 'bobplates.txt', 'flib.txt'];
/** A recorded `/full` body with each recorded changelog. */
const withChangelogs = CHANGELOGS.map((file) =>
	ModFullSchema.parse({
		...(fixtureJson('portal/mod-full-anonymized-2022.json') as object),
		name: `changelog-${file}`,
		changelog: fixtureText(`changelogs/${file}`),
	}),
);
const hostile = hostileMods().map((m) => ModFullSchema.parse(m.body));
const everyMod: ModDetails[] = [...recorded, ...recordedFull, ...withChangelogs, ...hostile];

/** Runs `check` on each item and gathers `label: problem` lines, so one assertion lists every failure. */
function problemsOf<T>(items: Iterable<T>, label: (item: T) => string, check: (item: T) => string[]): string[] {
	const found: string[] = [];
	for (const item of items) for (const problem of check(item)) found.push(`${label(item)}: ${problem}`);
	return found.slice(0, 50);
}

describe('every /mod info and /mod changelog message', () => {
	it('does stay within Discord’s limits and show only safe text for every recorded and hostile mod', () => {
		expect(everyMod.length).toBeGreaterThan(2_538 + hostile.length);
		expect(
			problemsOf(
				everyMod,
				(mod) => mod.name.slice(0, 40),
				(mod) => payloadProblems(renderModInfo(links, mod)),
			),
		).toEqual([]);
	});

	it('does stay within the limits for every version of every recorded and hostile changelog', () => {
		// A render parses the whole changelog (50-100 ms for the game's 1.7 MB, 580 versions): the game's changelog is
		// rendered at its largest and every 50th section, and all its sections are checked in the next test.
		const cases = everyMod.flatMap((mod) => {
			if (!mod.changelog) return [];
			let versions = parseChangelog(mod.changelog).sections.map((s) => s.version);
			if (versions.length > 100 && mod === withChangelogs[0])
				versions = [...HUGE_VERSIONS, ...versions.filter((_, i) => i % 50 === 0)];
			else if (versions.length > 100) versions = HUGE_VERSIONS;
			return [undefined, ...versions].map((version) => ({ mod, version }));
		});
		expect(cases.length).toBeGreaterThan(250);
		expect(
			problemsOf(
				cases,
				({ mod, version }) => `${mod.name.slice(0, 40)}@${version ?? 'latest'}`,
				({ mod, version }) => {
					const message = renderChangelog(links, mod, version);
					return message ? payloadProblems(message) : [];
				},
			),
		).toEqual([]);
	});

	it('does render every section of the game’s changelog within a description, escaped', () => {
		const sections = parseChangelog(fixtureText('changelogs/base-game-2.1.12.txt')).sections;
		expect(sections).toHaveLength(580);
		expect(
			problemsOf(
				sections,
				(section) => section.version,
				(section) => {
					const { text } = changelogMarkdown(section, 4_000);
					return payloadProblems({ embeds: [{ description: text }] });
				},
			),
		).toEqual([]);
	});

	it('does cut a section over 4,096 characters at a line end and link the full changelog', () => {
		const game = withChangelogs[0]!;
		// 2.0.7 is the largest section of the game's changelog (77 KB).
		for (const version of HUGE_VERSIONS) {
			const description = renderChangelog(links, game, version)!.embeds[0]!.description!;
			expect(description.length).toBeLessThanOrEqual(4_096);
			expect(description.length).toBeGreaterThan(3_500);
			expect(description.endsWith(`\n\n[… full changelog](${links.portalUrl}/mod/${game.name}/changelog)`)).toBe(true);
			expect(description).not.toMatch(/…\n/);
		}
	});
});

describe('every search page', () => {
	it('does stay within the limits for every page of the catalogue and of the hostile mods, whatever the query', () => {
		const state: SearchState = { query: `${BIDI}[x](javascript:alert(1)) \`${ZERO_WIDTH}`, page: 1, sort: 'relevance' };
		const pages: ModDetails[][] = [];
		for (let i = 0; i < everyMod.length; i += 10) pages.push(everyMod.slice(i, i + 10));
		expect(
			problemsOf(
				pages.entries(),
				([index]) => `page ${index + 1}`,
				([index, mods]) => {
					const pageState = { ...state, page: index + 1 };
					return payloadProblems(
						renderSearchPage(links, pageState, { total: everyMod.length, mods }, 10, searchPageIds(pageState)),
					);
				},
			),
		).toEqual([]);
	});
});

describe('every autocomplete answer', () => {
	it('does stay within the limits for every mod, leaving out names over 100 characters', () => {
		const answers: ModDetails[][] = [];
		for (let i = 0; i < everyMod.length; i += 25) answers.push(everyMod.slice(i, i + 25));
		expect(
			problemsOf(
				answers.entries(),
				([index]) => `answer ${index}`,
				([, mods]) => choiceProblems(fitChoices(mods.map((m) => ({ name: autocompleteLabel(m), value: m.name })))),
			),
		).toEqual([]);
		const long = hostile.find((m) => m.name.length > 100)!;
		expect(fitChoices([{ name: autocompleteLabel(long), value: long.name }])).toEqual([]);
		const empty = hostile.find((m) => m.name === 'hostile-title-invisible')!;
		expect(fitChoices([{ name: autocompleteLabel(empty), value: empty.name }])[0]?.name).toMatch(
			/^hostile-title-invisible 0\.0\.2 · someone$/,
		);
	});

	it('does leave out release versions over 100 characters from the version choices', () => {
		const mod = hostile.find((m) => m.name === 'hostile-version-long')!;
		const choices = fitChoices(mod.releases.map((r) => ({ name: r.version, value: r.version })));
		expect(choices).toEqual([{ name: '0.9.0', value: '0.9.0' }]);
		expect(choiceProblems(choices)).toEqual([]);
	});
});

/** Announcements the way the poller makes them: every release of every mod, each version of the changelogs. */
function announcementsOf(mod: ModDetails, isNewMod: boolean): Announcement[] {
	return mod.releases.map((release) =>
		announcementFromEvent({ mod, release, isNewMod, releaseKey: `${mod.name}@${release.version}` }),
	);
}

/** Each recorded changelog's first 12 versions released, as announcements. */
const changelogReleases = withChangelogs.flatMap((mod) =>
	parseChangelog(mod.changelog ?? '')
		.sections.slice(0, 12)
		.map((section) =>
			announcementFromEvent({
				mod,
				release: { ...mod.releases[0]!, version: section.version },
				isNewMod: false,
				releaseKey: `${mod.name}@${section.version}`,
			}),
		),
);
/** Announcements with changelogs and hostile text: checked in every grouping. */
const richAnnouncements = [
	...changelogReleases,
	...[...recordedFull, ...hostile].flatMap((mod, i) => announcementsOf(mod, i % 2 === 0)),
];
/** The catalogue's releases (no changelog in the list shape): checked alone and ten a message. */
const catalogueAnnouncements = recorded.flatMap((mod, i) => announcementsOf(mod, i % 3 === 0));
const everyAnnouncement = [...richAnnouncements, ...catalogueAnnouncements];

function groupsOf<T>(items: readonly T[], size: number): T[][] {
	const groups: T[][] = [];
	for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
	return groups;
}

const hostileMarker = `${BIDI}ref ${'m'.repeat(200)}`;

describe('every announcement message', () => {
	const everySize = Array.from({ length: 10 }, (_, i) => i + 1);
	const settings: { detail: ChangelogDetail; reduced: boolean; sizes: number[] }[] = [
		{ detail: 'full', reduced: false, sizes: everySize },
		{ detail: 'summary', reduced: false, sizes: [1, 4, 10] },
		{ detail: 'none', reduced: false, sizes: [1, 4, 10] },
		{ detail: 'full', reduced: true, sizes: everySize },
	];

	for (const { detail, reduced, sizes } of settings) {
		it(`does stay within the limits for ${sizes.join(', ')} releases a message, ${detail} changelog${reduced ? ', reduced' : ''}`, () => {
			const problems: string[] = [];
			const groupings = [
				...sizes.map((size) => ({ size, pool: richAnnouncements })),
				{ size: detail === 'full' ? 1 : 10, pool: catalogueAnnouncements },
			];
			for (const { size, pool } of groupings) {
				for (const group of groupsOf(pool, size)) {
					const options: AnnouncementOptions = {
						digestThreshold: 10,
						reduced,
						marker: ({ index }) => (size % 2 === 0 ? hostileMarker : `ref ${size}-${index}`),
					};
					const messages = renderAnnouncementMessages(links, { changelogDetail: detail, roleId: '42' }, group, options);
					if (messages.flatMap((m) => m.keys).join() !== group.map((a) => a.releaseKey).join())
						problems.push(`size ${size}: keys ${group[0]?.releaseKey ?? ''} not covered once`);
					for (const { payload, keys } of messages) {
						if (payload.embeds.length !== keys.length) problems.push(`${keys[0] ?? ''}: embeds dropped`);
						for (const problem of payloadProblems(payload)) problems.push(`${keys[0] ?? ''} (${size}): ${problem}`);
					}
				}
			}
			expect(problems.slice(0, 50)).toEqual([]);
		});
	}

	it('does stay within the limits for digests of every size, normal and reduced', () => {
		const problems: string[] = [];
		for (const reduced of [false, true]) {
			for (const size of [11, 30, 300, everyAnnouncement.length]) {
				for (const group of groupsOf(everyAnnouncement, size).slice(0, 5)) {
					const [message, ...rest] = renderAnnouncementMessages(links, { changelogDetail: 'full' }, group, {
						digestThreshold: 10,
						reduced,
						marker: () => hostileMarker,
					});
					if (rest.length > 0 || message?.keys.length !== group.length) problems.push(`digest of ${size}: keys`);
					problems.push(...payloadProblems(message?.payload).map((p) => `digest of ${size}: ${p}`));
				}
			}
		}
		expect(problems.slice(0, 50)).toEqual([]);
	});
});
