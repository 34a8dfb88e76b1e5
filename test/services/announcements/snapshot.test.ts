import { describe, expect, it } from 'vitest';
import { AnnouncementSchema, announcementFromEvent } from '../../../src/services/announcements/snapshot.js';
import { ModFullSchema, type ModDetails } from '../../../src/services/portal/schemas.js';
import type { ReleaseEvent } from '../../../src/services/announcements/releaseTracker.js';
import { fixtureJson, fixtureText } from '../../support/fixtures.js';

function eventOf(mod: ModDetails, version: string, isNewMod = false): ReleaseEvent {
	const release = mod.releases.find((r) => r.version === version);
	if (!release) throw new Error(`no release ${version}`);
	return { mod, release, isNewMod, releaseKey: `${mod.name}@${version}` };
}

function syntheticMod(changelog: string | undefined, versions = ['1.0.0']): ModDetails {
	return ModFullSchema.parse({
		name: 'some-mod',
		title: 'Some Mod',
		owner: 'Alice',
		summary: 'Does things.',
		thumbnail: '/assets/abc.thumb.png',
		source_url: 'https://github.com/alice/some-mod',
		changelog,
		releases: versions.map((version, index) => ({
			version,
			released_at: `2025-01-0${index + 1}T12:00:00.000Z`,
			info_json: { factorio_version: '2.0' },
		})),
	});
}

describe('announcementFromEvent', () => {
	it('snapshots a recorded /full answer with the release’s changelog section', () => {
		const mod = ModFullSchema.parse(fixtureJson('portal/mod-full-1000BagSize-2021.json'));
		const latest = mod.releases.at(-1)!;
		const a = announcementFromEvent(eventOf(mod, latest.version));
		expect(a).toMatchObject({
			releaseKey: `1000BagSize@${latest.version}`,
			mod: '1000BagSize',
			title: mod.title,
			owner: mod.owner,
			version: latest.version,
			isNewMod: false,
		});
		expect(a.releasedAt).toBe(latest.releasedAt);
		expect(a.factorioVersion).toBe(latest.factorioVersion);
		expect(a.summary).toBeUndefined();
		// Its changelog is the one word "created": kept as plain text.
		expect(a.changelog).toEqual({ plain: 'created' });
	});

	it('takes the section of the announced version from a real changelog, not the newest one', () => {
		const mod = syntheticMod(fixtureText('changelogs/bobplates.txt'), ['2.0.5', '2.1.0', '2.1.1']);
		const a = announcementFromEvent(eventOf(mod, '2.1.0'));
		expect(a.changelog?.section?.version).toBe('2.1.0');
		expect(a.changelog?.section?.categories.map((c) => c.name)).toEqual(['Bugfixes', 'Changes']);
		expect(a.changelog?.cut).toBeUndefined();
		expect(a).toMatchObject({ thumbnail: '/assets/abc.thumb.png', sourceUrl: 'https://github.com/alice/some-mod' });
	});

	it('keeps the summary of a new mod and the plain text of a changelog not in the format', () => {
		const mod = syntheticMod('Fixed the thing.\nAdded another thing.');
		const a = announcementFromEvent(eventOf(mod, '1.0.0', true));
		expect(a.summary).toBe('Does things.');
		expect(a.changelog).toEqual({ plain: 'Fixed the thing.\nAdded another thing.' });
	});

	it('shortens a huge section for storage and says so', () => {
		const mod = syntheticMod(fixtureText('changelogs/base-game-2.1.12.txt'), ['2.0.7']);
		const a = announcementFromEvent(eventOf(mod, '2.0.7'));
		expect(a.changelog?.cut).toBe(true);
		expect(JSON.stringify(a.changelog).length).toBeLessThan(12_000);
		expect(a.changelog?.section?.categories.length).toBeGreaterThan(0);
	});

	it('keeps the release’s info.json dependencies and the mod’s deprecation, readable back by the schema', () => {
		const mod = ModFullSchema.parse({
			name: 'old-mod',
			title: 'Old',
			owner: 'Alice',
			deprecated: true,
			releases: [
				{
					version: '1.0.0',
					info_json: { factorio_version: '2.0', dependencies: ['base >= 2.0.49', '? flib', `x${'y'.repeat(300)}`] },
				},
			],
		});
		const a = announcementFromEvent(eventOf(mod, '1.0.0'));
		expect(a.dependencies).toEqual(['base >= 2.0.49', '? flib']);
		expect(a.deprecated).toBe(true);
		expect(AnnouncementSchema.parse(JSON.parse(JSON.stringify(a)))).toEqual(a);
		// A snapshot from before these fields still reads.
		const older: Partial<typeof a> = { ...a };
		delete older.dependencies;
		delete older.deprecated;
		expect(AnnouncementSchema.parse(older).dependencies).toBeUndefined();
	});

	it('has no changelog when the changelog lacks the version', () => {
		const mod = syntheticMod(fixtureText('changelogs/flib.txt'), ['99.0.0']);
		expect(announcementFromEvent(eventOf(mod, '99.0.0')).changelog).toBeUndefined();
	});
});
