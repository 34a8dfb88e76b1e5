import type { APIEmbed } from 'discord.js';
import { describe, expect, it } from 'vitest';
import {
	MARKER_MAX,
	renderAnnouncementEmbed,
	renderAnnouncementMessages,
	type AnnouncementMessage,
} from '../../src/render/announcement.js';
import type { AnnouncementVerdict } from '../../src/services/announcements/delivery.js';
import { judgeRelease, type ModpackForVerdict } from '../../src/services/modpack/verdict.js';
import type { PortalLinks } from '../../src/services/portal/links.js';
import { announcementFromEvent, type Announcement } from '../../src/services/announcements/snapshot.js';
import { ModFullSchema } from '../../src/services/portal/schemas.js';
import { fixtureText } from '../support/fixtures.js';

const links: PortalLinks = { portalUrl: 'https://mods.factorio.com', assetsUrl: 'https://assets-mod.factorio.com' };
const bobplates = fixtureText('changelogs/bobplates.txt');
const baseGame = fixtureText('changelogs/base-game-2.1.12.txt');
/** The five largest sections of the game's own changelog (49 KB to 77 KB of text each). */
const HUGE_VERSIONS = ['2.0.7', '2.1.7', '0.17.0', '1.1.0', '0.16.0'];

/** An announcement made the way the poller makes it: from a parsed `/full` answer. */
function announce(options: {
	name?: string;
	title?: string;
	owner?: string;
	changelog?: string;
	version?: string;
	isNewMod?: boolean;
}): Announcement {
	const version = options.version ?? '1.0.0';
	const mod = ModFullSchema.parse({
		name: options.name ?? 'some-mod',
		title: options.title ?? 'Some Mod',
		owner: options.owner ?? 'Alice',
		summary: 'Adds *things* to the game.',
		thumbnail: '/assets/abc.thumb.png',
		source_url: 'https://github.com/alice/some-mod',
		changelog: options.changelog,
		releases: [{ version, released_at: '2025-01-02T03:04:05.000Z', info_json: { factorio_version: '2.0' } }],
	});
	const release = mod.releases[0]!;
	return announcementFromEvent({
		mod,
		release,
		isNewMod: options.isNewMod ?? false,
		releaseKey: `${mod.name}@${version}`,
	});
}

/** Discord's count for the 6,000 limit, computed here independently of the code under test. */
function discordTotal(embeds: readonly APIEmbed[]): number {
	let total = 0;
	for (const e of embeds) {
		total +=
			(e.title?.length ?? 0) +
			(e.description?.length ?? 0) +
			(e.footer?.text.length ?? 0) +
			(e.author?.name.length ?? 0);
		for (const f of e.fields ?? []) total += f.name.length + f.value.length;
	}
	return total;
}

function expectWithinLimits(messages: readonly AnnouncementMessage[], announcements: readonly Announcement[]): void {
	for (const { payload } of messages) {
		expect(payload.embeds.length).toBeGreaterThan(0);
		expect(payload.embeds.length).toBeLessThanOrEqual(10);
		expect(discordTotal(payload.embeds)).toBeLessThanOrEqual(6_000);
		for (const embed of payload.embeds) {
			expect(embed.description?.length ?? 0).toBeLessThanOrEqual(4_096);
			expect(embed.title?.length ?? 0).toBeLessThanOrEqual(256);
		}
	}
	expect(messages.flatMap((m) => m.keys)).toEqual(announcements.map((a) => a.releaseKey));
}

const FULL_LINK = '[… full changelog](https://mods.factorio.com/mod/some-mod/changelog)';

describe('renderAnnouncementEmbed', () => {
	it('shows the title and version linked, owner, Factorio version, release time and thumbnail', () => {
		const embed = renderAnnouncementEmbed(links, announce({ changelog: bobplates, version: '2.1.1' }), 'full');
		expect(embed).toMatchObject({
			title: 'Some Mod 2.1.1',
			url: 'https://mods.factorio.com/mod/some-mod',
			author: { name: 'Update' },
			thumbnail: { url: 'https://assets-mod.factorio.com/assets/abc.thumb.png' },
			timestamp: '2025-01-02T03:04:05.000Z',
		});
		expect(embed.fields).toEqual([
			{ name: 'Owner', value: '[Alice](https://mods.factorio.com/user/Alice)', inline: true },
			{ name: 'Factorio', value: '2.0', inline: true },
			{ name: 'Released', value: '<t:1735787045:f> (<t:1735787045:R>)', inline: true },
		]);
		expect(embed.description).toBe('**Bugfixes**\n- Fixed lithium migration issue #596');
	});

	it('labels a new mod and puts its summary first, escaped', () => {
		const embed = renderAnnouncementEmbed(
			links,
			announce({ isNewMod: true, changelog: bobplates, version: '2.1.1' }),
			'full',
		);
		expect(embed.author?.name).toBe('New mod');
		expect(embed.description).toBe(
			'Adds \\*things\\* to the game.\n\n**Bugfixes**\n- Fixed lithium migration issue #596',
		);
	});

	it('escapes markdown in owner names', () => {
		const embed = renderAnnouncementEmbed(links, announce({ owner: 'some_user' }), 'full');
		expect(embed.fields?.[0]?.value).toBe('[some\\_user](https://mods.factorio.com/user/some_user)');
	});

	it('shows every category of a section in full detail and no link when it fits', () => {
		const embed = renderAnnouncementEmbed(links, announce({ changelog: bobplates, version: '2.1.0' }), 'full');
		const description = embed.description ?? '';
		expect(description).toContain('**Bugfixes**\n- Fixed some fluids / recipes not combining in Factoriopedia #565');
		expect(description).toContain('**Changes**');
		expect(description).toContain('- Removed Ceramic bearings #586');
		expect(description).not.toContain('full changelog');
	});

	it('shows the first five entries and a link in summary detail', () => {
		const embed = renderAnnouncementEmbed(links, announce({ changelog: bobplates, version: '2.1.0' }), 'summary');
		const description = embed.description ?? '';
		expect(description.split('\n').filter((line) => line.startsWith('- '))).toHaveLength(5);
		expect(description).not.toContain('Removed Ceramic bearings');
		expect(description.endsWith(FULL_LINK)).toBe(true);
	});

	it('shows no changelog in none detail', () => {
		const embed = renderAnnouncementEmbed(links, announce({ changelog: bobplates, version: '2.1.0' }), 'none');
		expect(embed.description).toBeUndefined();
	});

	it('cuts a huge section at a line end within 4,096 characters and links the full changelog', () => {
		const embed = renderAnnouncementEmbed(links, announce({ changelog: baseGame, version: '2.0.7' }), 'full');
		const description = embed.description ?? '';
		expect(description.length).toBeLessThanOrEqual(4_096);
		expect(description.length).toBeGreaterThan(3_000);
		expect(description.endsWith(`\n\n${FULL_LINK}`)).toBe(true);
		expect(description).not.toContain('…\n');
	});

	it('falls back to the plain text of a changelog not in the format, cut to the limit', () => {
		const lines = Array.from({ length: 300 }, (_, n) => `Change number ${n}: something was adjusted.`);
		const a = announce({ changelog: lines.join('\n') });
		const full = renderAnnouncementEmbed(links, a, 'full').description ?? '';
		expect(full.startsWith('Change number 0: something was adjusted.\nChange number 1:')).toBe(true);
		expect(full.length).toBeLessThanOrEqual(4_096);
		expect(full.endsWith(FULL_LINK)).toBe(true);
		const summary = renderAnnouncementEmbed(links, a, 'summary').description ?? '';
		expect(summary.length).toBeLessThan(600);
		expect(summary.endsWith(FULL_LINK)).toBe(true);
		const short = renderAnnouncementEmbed(links, announce({ changelog: 'Fixed the crash.' }), 'full');
		expect(short.description).toBe('Fixed the crash.');
	});

	it('stays within a smaller description room when asked', () => {
		const embed = renderAnnouncementEmbed(
			links,
			announce({ changelog: baseGame, version: '1.1.0', isNewMod: true }),
			'full',
			{
				maxDescription: 700,
			},
		);
		expect(embed.description?.length).toBeLessThanOrEqual(700);
		expect(embed.description?.endsWith(FULL_LINK)).toBe(true);
	});
});

describe('renderAnnouncementMessages', () => {
	const subscription = { changelogDetail: 'full' as const };

	it('renders nothing for no announcements', () => {
		expect(renderAnnouncementMessages(links, subscription, [], { digestThreshold: 5 })).toEqual([]);
	});

	it('gives a single release link buttons and pings the role', () => {
		const a = announce({ changelog: bobplates, version: '2.1.1' });
		const [message, ...rest] = renderAnnouncementMessages(
			links,
			{ ...subscription, roleId: '123456789012345678' },
			[a],
			{
				digestThreshold: 5,
			},
		);
		expect(rest).toEqual([]);
		expect(message?.keys).toEqual(['some-mod@2.1.1']);
		expect(message?.payload.content).toBe('<@&123456789012345678>');
		expect(message?.payload.embeds).toHaveLength(1);
		const buttons = message?.payload.components[0]?.components.map((c) => ('url' in c ? c.url : undefined));
		expect(buttons).toEqual([
			'https://mods.factorio.com/mod/some-mod',
			'https://mods.factorio.com/mod/some-mod/changelog',
			'https://github.com/alice/some-mod',
		]);
	});

	it('puts several releases into one message without buttons or content when no role is set', () => {
		const announcements = ['2.1.1', '2.1.0', '2.0.5'].map((version) => announce({ changelog: bobplates, version }));
		const messages = renderAnnouncementMessages(links, subscription, announcements, { digestThreshold: 5 });
		expect(messages).toHaveLength(1);
		expect(messages[0]?.payload.embeds.map((e) => e.title)).toEqual([
			'Some Mod 2.1.1',
			'Some Mod 2.1.0',
			'Some Mod 2.0.5',
		]);
		expect(messages[0]?.payload.components).toEqual([]);
		expect(messages[0]?.payload.content).toBeUndefined();
		expectWithinLimits(messages, announcements);
	});

	it('splits more than ten releases into messages of at most ten embeds and pings once', () => {
		const announcements = Array.from({ length: 12 }, (_, n) =>
			announce({ name: `mod-${n}`, changelog: bobplates, version: '2.1.1' }),
		);
		const messages = renderAnnouncementMessages(links, { ...subscription, roleId: '42' }, announcements, {
			digestThreshold: 20,
		});
		expect(messages.map((m) => m.payload.embeds.length)).toEqual([10, 2]);
		expect(messages.map((m) => m.payload.content)).toEqual(['<@&42>', undefined]);
		expectWithinLimits(messages, announcements);
	});

	it('shrinks huge changelogs evenly to keep a message within 6,000 characters', () => {
		const announcements = HUGE_VERSIONS.map((version) =>
			announce({ name: `game-${version}`, changelog: baseGame, version }),
		);
		const messages = renderAnnouncementMessages(links, subscription, announcements, { digestThreshold: 10 });
		expect(messages).toHaveLength(1);
		expectWithinLimits(messages, announcements);
		const embeds = messages[0]!.payload.embeds;
		expect(discordTotal(embeds)).toBeGreaterThan(5_000);
		for (const embed of embeds) {
			expect(embed.description?.length).toBeGreaterThan(300);
			expect(embed.description).toMatch(
				/\[… full changelog\]\(https:\/\/mods\.factorio\.com\/mod\/game-[\d.]+\/changelog\)$/,
			);
		}
	});

	it('keeps limits for any number of mixed releases up to the digest threshold', () => {
		const pool = [
			...HUGE_VERSIONS.map((version) => ({ changelog: baseGame, version })),
			...['2.1.1', '2.1.0', '0.18.5', '0.18.8'].map((version) => ({ changelog: bobplates, version })),
			{ changelog: 'Plain text changelog.\n'.repeat(400), version: '1.0.0' },
			{ changelog: undefined, version: '1.0.0' },
		];
		const snapshots = pool.map((pick, n) => announce({ ...pick, isNewMod: n % 3 === 0 }));
		for (const detail of ['full', 'summary', 'none'] as const) {
			for (let count = 1; count <= 30; count++) {
				const announcements = Array.from({ length: count }, (_, n): Announcement => {
					const snapshot = snapshots[n % snapshots.length]!;
					const title = `A rather long mod title number ${n} `.repeat(6);
					return { ...snapshot, mod: `m${n}`, releaseKey: `m${n}@${snapshot.version}`, title };
				});
				const messages = renderAnnouncementMessages(links, { changelogDetail: detail }, announcements, {
					digestThreshold: 30,
				});
				expectWithinLimits(messages, announcements);
				expect(messages.length).toBeLessThanOrEqual(count);
			}
		}
	});

	it('sends one digest message listing every release when there are more than the threshold', () => {
		const announcements = Array.from({ length: 8 }, (_, n) =>
			announce({
				name: `mod-${n}`,
				title: `Mod ${n}`,
				owner: 'Bob',
				changelog: bobplates,
				version: '2.1.1',
				isNewMod: n === 0,
			}),
		);
		const messages = renderAnnouncementMessages(links, { changelogDetail: 'full', roleId: '7' }, announcements, {
			digestThreshold: 5,
		});
		expect(messages).toHaveLength(1);
		const [message] = messages;
		expect(message?.keys).toEqual(announcements.map((a) => a.releaseKey));
		expect(message?.payload.content).toBe('<@&7>');
		expect(message?.payload.embeds).toHaveLength(1);
		const embed = message!.payload.embeds[0]!;
		expect(embed.title).toBe('8 new releases, 1 of them new mods');
		const lines = embed.description?.split('\n') ?? [];
		expect(lines).toHaveLength(8);
		expect(lines[0]).toBe(
			'**[Mod 0 2.1.1](https://mods.factorio.com/mod/mod-0)** (new mod) · by [Bob](https://mods.factorio.com/user/Bob) · Factorio 2.0',
		);
		expectWithinLimits(messages, announcements);
	});

	it('cuts a long digest with “and N more” within 4,096 characters', () => {
		const announcements = Array.from({ length: 300 }, (_, n) =>
			announce({
				name: `mod-with-a-long-internal-name-${n}`,
				title: `A mod with a fairly long title ${n}`,
				owner: 'SomeoneWithALongName',
			}),
		);
		const messages = renderAnnouncementMessages(links, subscription, announcements, { digestThreshold: 10 });
		expectWithinLimits(messages, announcements);
		const description = messages[0]!.payload.embeds[0]!.description ?? '';
		const lines = description.split('\n');
		const more = /^… and (\d+) more$/.exec(lines.at(-1) ?? '');
		expect(more).not.toBeNull();
		expect(lines.length - 1 + Number(more![1])).toBe(300);
	});
});

describe('the reduced form and the marker', () => {
	it('does render a reduced message with no changelog text, summary, thumbnail or source button', () => {
		const a = announce({ changelog: baseGame, version: '2.0.7', isNewMod: true });
		const [message, ...rest] = renderAnnouncementMessages(links, { changelogDetail: 'full', roleId: '42' }, [a], {
			digestThreshold: 5,
			reduced: true,
		});
		expect(rest).toEqual([]);
		expect(message?.keys).toEqual([a.releaseKey]);
		expect(message?.payload.content).toBe('<@&42>');
		const embed = message!.payload.embeds[0]!;
		expect(embed).toMatchObject({
			title: 'Some Mod 2.0.7',
			url: 'https://mods.factorio.com/mod/some-mod',
			author: { name: 'New mod' },
			description: '[Changelog on the mod portal](https://mods.factorio.com/mod/some-mod/changelog)',
		});
		expect(embed.fields?.map((f) => f.name)).toEqual(['Owner', 'Factorio', 'Released']);
		expect(embed.thumbnail).toBeUndefined();
		expect(discordTotal([embed])).toBeLessThan(400);
		const buttons = message?.payload.components[0]?.components.map((c) => ('url' in c ? c.url : undefined));
		expect(buttons).toEqual([
			'https://mods.factorio.com/mod/some-mod',
			'https://mods.factorio.com/mod/some-mod/changelog',
		]);
	});

	it('does put each message’s marker, cleaned and cut, in the footer of its last embed', () => {
		const announcements = Array.from({ length: 12 }, (_, n) =>
			announce({ name: `mod-${n}`, changelog: baseGame, version: HUGE_VERSIONS[n % HUGE_VERSIONS.length] }),
		);
		const seen: { keys: readonly string[]; index: number }[] = [];
		const messages = renderAnnouncementMessages(links, { changelogDetail: 'full' }, announcements, {
			digestThreshold: 20,
			marker: (message) => {
				seen.push(message);
				return message.index === 0 ? `ref 3fQ9xZ\u202E` : `ref ${'x'.repeat(100)}`;
			},
		});
		expect(messages.length).toBeGreaterThan(1);
		expect(seen.map((s) => s.index)).toEqual(messages.map((_, i) => i));
		expect(seen.map((s) => s.keys)).toEqual(messages.map((m) => m.keys));
		expect(messages[0]!.payload.embeds.at(-1)?.footer?.text).toBe('ref 3fQ9xZ');
		expect(messages[0]!.payload.embeds.slice(0, -1).every((e) => e.footer === undefined)).toBe(true);
		expect(messages[1]!.payload.embeds.at(-1)?.footer?.text).toHaveLength(MARKER_MAX);
		expectWithinLimits(messages, announcements);
		const digest = renderAnnouncementMessages(links, { changelogDetail: 'full' }, announcements, {
			digestThreshold: 5,
			marker: () => 'ref digest',
		});
		expect(digest[0]?.payload.embeds[0]?.footer?.text).toBe('ref digest');
	});
});

describe('renderAnnouncementMessages with verdicts', () => {
	const set: ModpackForVerdict = {
		name: 'main_server',
		factorioVersion: '2.0',
		spaceAge: false,
		minimumGameVersion: '2.0.28',
		mods: [{ name: 'some-mod', listed: true, version: '0.9.0', dependencies: ['base >= 2.0.28'] }],
	};
	function withVerdict(a: Announcement, dependencies: string[]): Map<string, AnnouncementVerdict> {
		const verdict = judgeRelease(set, { mod: a.mod, version: a.version, factorioVersion: '2.0', dependencies });
		if (!verdict) throw new Error('no verdict');
		return new Map([[a.releaseKey, { set, verdict }]]);
	}

	it('does add the verdict as a field of the release’s embed, in the normal and the reduced form', () => {
		const a = announce({ changelog: bobplates, version: '2.1.1' });
		const verdicts = withVerdict(a, ['base >= 2.0.49']);
		const [normal] = renderAnnouncementMessages(links, { changelogDetail: 'full' }, [a], {
			digestThreshold: 5,
			verdicts,
		});
		const field = normal?.payload.embeds[0]?.fields?.at(-1);
		expect(field?.name).toBe('For “main\\_server” (Factorio 2.0)');
		expect(field?.value).toContain('Needs Factorio 2.0.49 or newer');
		const [reduced] = renderAnnouncementMessages(links, { changelogDetail: 'full' }, [a], {
			digestThreshold: 5,
			reduced: true,
			verdicts,
		});
		const short = reduced?.payload.embeds[0]?.fields?.at(-1);
		expect(short?.value).toContain('Needs action');
		expect(short?.value.length).toBeLessThanOrEqual(300);
		const plain = renderAnnouncementMessages(links, { changelogDetail: 'full' }, [a], { digestThreshold: 5 });
		expect(plain[0]?.payload.embeds[0]?.fields?.some((f) => f.name.startsWith('For '))).toBe(false);
	});

	it('does put the verdict line under the release in a digest', () => {
		const announcements = ['1.0.0', '1.0.1', '1.0.2'].map((version) => announce({ version }));
		const verdicts = withVerdict(announcements[1]!, ['base >= 2.0.49']);
		const [digest] = renderAnnouncementMessages(links, { changelogDetail: 'full' }, announcements, {
			digestThreshold: 2,
			verdicts,
		});
		const lines = digest?.payload.embeds[0]?.description?.split('\n') ?? [];
		expect(lines).toHaveLength(4);
		expect(lines[2]).toMatch(/^⚠️ main\\_server: Needs Factorio 2\.0\.49 or newer/);
		expect(lines[1]).toContain('1.0.1');
	});
});
