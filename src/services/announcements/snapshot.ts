/**
 * The release snapshot: what delivery renders for one release, taken once at detection so posting needs no portal
 * call, and its schema for reading it back from the store.
 */
import { z } from 'zod';
import { findSection, parseChangelog, type ChangelogSection } from '../factorio/changelog.js';
import type { ReleaseEvent } from './releaseTracker.js';
import { cutAtLine } from '../text.js';

/** A release as delivery renders it: a snapshot taken at detection, so posting needs no portal call. */
export interface Announcement {
	/** `mod@version`. */
	releaseKey: string;
	/** The mod's internal name. */
	mod: string;
	title: string;
	owner: string;
	version: string;
	/** The release's info.json `factorio_version`, e.g. `2.0`. */
	factorioVersion?: string;
	/** RFC 3339. */
	releasedAt?: string;
	/** Relative thumbnail path (see `thumbnailUrl`). */
	thumbnail?: string;
	isNewMod: boolean;
	/** The mod's summary; only for new mods, which readers do not know yet. */
	summary?: string;
	/**
	 * The release's changelog: its parsed section, or the whole text when the file is not in the changelog.txt format
	 * (`plain`). Shortened for storage to about 8,000 characters (`cut` then true, so the renderer links the full
	 * changelog); a section's raw `text` is kept only when its categories hold no entry. Absent when the changelog has
	 * no section for this version.
	 */
	changelog?: { section?: ChangelogSection; plain?: string; cut?: boolean };
	sourceUrl?: string;
	/**
	 * The release's info.json `dependencies` strings as the portal gave them (at most {@link DEPENDENCIES_MAX}, each at
	 * most {@link DEPENDENCY_MAX} characters; longer ones are left out), for the `/subscribe modpack` verdict. Absent
	 * in snapshots taken before it was recorded, or when the portal gave none.
	 */
	dependencies?: string[];
	/** The mod is flagged deprecated on the portal (absent in older snapshots). */
	deprecated?: boolean;
}

/** Most dependency strings a snapshot keeps; a real info.json has a few dozen at most. */
export const DEPENDENCIES_MAX = 200;
/** Longest dependency string a snapshot keeps (a mod name is at most 100 characters, plus prefix and version). */
export const DEPENDENCY_MAX = 200;

/** Room kept in a snapshot for changelog text: twice an embed description (4,096), enough for any rendering. */
const SNAPSHOT_CHANGELOG_MAX = 8_000;
const SUMMARY_MAX = 1_000;

function snapshotSection(section: ChangelogSection): { section: ChangelogSection; cut: boolean } {
	let room = SNAPSHOT_CHANGELOG_MAX;
	let cut = false;
	const categories: ChangelogSection['categories'] = [];
	for (const category of section.categories) {
		if (cut) break;
		const entries: string[] = [];
		for (const entry of category.entries) {
			if (entry.length > room) {
				cut = true;
				break;
			}
			entries.push(entry);
			room -= entry.length;
		}
		if (entries.length > 0 || category.entries.length === 0) categories.push({ name: category.name, entries });
	}
	const hasEntries = categories.some((category) => category.entries.length > 0);
	const text = hasEntries ? '' : cutAtLine(section.text, SNAPSHOT_CHANGELOG_MAX);
	if (text.length < section.text.length && !hasEntries) cut = true;
	const snapshot: ChangelogSection = { version: section.version, categories, text };
	if (section.date !== undefined) snapshot.date = section.date;
	return { section: snapshot, cut };
}

/**
 * Takes the snapshot of a release that delivery renders: names, version, Factorio version, time, thumbnail, source
 * link, info.json dependencies, deprecation, and the release's changelog section (found with `findSection`, exact version first) or the plain text of a
 * changelog not in the changelog.txt format.
 */
export function announcementFromEvent(event: ReleaseEvent): Announcement {
	const { mod, release } = event;
	const announcement: Announcement = {
		releaseKey: event.releaseKey,
		mod: mod.name,
		title: mod.title,
		owner: mod.owner,
		version: release.version,
		isNewMod: event.isNewMod,
		deprecated: mod.deprecated,
	};
	if (release.dependencies)
		announcement.dependencies = release.dependencies
			.filter((dependency) => dependency.length <= DEPENDENCY_MAX)
			.slice(0, DEPENDENCIES_MAX);
	if (release.factorioVersion) announcement.factorioVersion = release.factorioVersion;
	if (release.releasedAt) announcement.releasedAt = release.releasedAt;
	if (mod.thumbnail) announcement.thumbnail = mod.thumbnail;
	if (mod.sourceUrl) announcement.sourceUrl = mod.sourceUrl;
	if (event.isNewMod && mod.summary) announcement.summary = cutAtLine(mod.summary, SUMMARY_MAX);
	if (mod.changelog?.trim()) {
		const changelog = parseChangelog(mod.changelog);
		const section = findSection(changelog, release.version);
		if (section) {
			const snapshot = snapshotSection(section);
			announcement.changelog = snapshot.cut ? { section: snapshot.section, cut: true } : { section: snapshot.section };
		} else if (changelog.plain !== undefined) {
			const plain = cutAtLine(changelog.plain.trim(), SNAPSHOT_CHANGELOG_MAX);
			announcement.changelog = plain.length < changelog.plain.trim().length ? { plain, cut: true } : { plain };
		}
	}
	return announcement;
}

const SectionSchema = z.object({
	version: z.string(),
	date: z.string().optional(),
	categories: z.array(z.object({ name: z.string(), entries: z.array(z.string()) })),
	text: z.string(),
});
export const AnnouncementSchema = z.object({
	releaseKey: z.string().min(1),
	mod: z.string().min(1),
	title: z.string(),
	owner: z.string(),
	version: z.string().min(1),
	factorioVersion: z.string().optional(),
	releasedAt: z.string().optional(),
	thumbnail: z.string().optional(),
	isNewMod: z.boolean(),
	summary: z.string().optional(),
	changelog: z
		.object({ section: SectionSchema.optional(), plain: z.string().optional(), cut: z.boolean().optional() })
		.optional(),
	sourceUrl: z.string().optional(),
	dependencies: z.array(z.string()).optional(),
	deprecated: z.boolean().optional(),
});
