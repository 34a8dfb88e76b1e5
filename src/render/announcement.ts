/**
 * Release announcements as Discord message JSON: one embed per release, several releases per message within
 * Discord's limits (10 embeds, 6,000 characters of embed text, 4,096 per description; Discord docs, "Channel
 * Resources: Embed Limits"), or one digest message when a channel gets many at once.
 */
import { embedLength, type APIEmbed, type APIEmbedField } from 'discord.js';
import type { Announcement } from '../services/announcements/outbox.js';
import { factorioMinor } from '../services/factorio/version.js';
import type { ChangelogDetail, Subscription } from '../services/announcements/subscriptions.js';
import { LIMITS, chunkWithin, cutAtLine, discordTimestamp, escapeMarkdown, truncate } from './limits.js';
import { changelogUrl, modUrl, ownerUrl, thumbnailUrl, type PortalLinks } from '../services/portal/links.js';
import { changelogMarkdown } from './changelog.js';
import { EMBED_COLOR, modLinkRow, type MessagePayload } from './components.js';

/** One message to post and the announcement keys (`mod@version`) it covers, for marking the outbox. */
export interface AnnouncementMessage {
	payload: MessagePayload;
	keys: string[];
}

/** The smallest changelog room an embed is shrunk to when it shares a message. */
const MIN_DESCRIPTION = 300;
/** A new mod's summary takes at most this much of the description. */
const SUMMARY_ROOM = 500;
/** `summary` detail of a changelog that is not in the changelog.txt format: its first lines, up to this. */
const PLAIN_SUMMARY_ROOM = 400;

function changelogPart(links: PortalLinks, a: Announcement, detail: ChangelogDetail, room: number): string {
	if (detail === 'none' || !a.changelog) return '';
	const link = `[… full changelog](${changelogUrl(links, a.mod)})`;
	const textRoom = room - link.length - 2;
	if (textRoom < 40) return link.length <= room ? link : '';
	let text: string;
	let cut: boolean;
	if (a.changelog.section) {
		({ text, cut } = changelogMarkdown(a.changelog.section, textRoom, detail));
	} else if (a.changelog.plain !== undefined) {
		const plain = a.changelog.plain.trim();
		text = cutAtLine(plain, detail === 'summary' ? Math.min(textRoom, PLAIN_SUMMARY_ROOM) : textRoom);
		cut = text.length < plain.length;
	} else {
		return '';
	}
	if (!cut && a.changelog.cut !== true) return text;
	return text ? `${text}\n\n${link}` : link;
}

/**
 * One release's embed: `{title} {version}` linked to the mod page, author line "New mod" or "Update", owner (linked to
 * their portal page), the release's Factorio version, release time (Discord timestamp, also the embed timestamp),
 * thumbnail, and a description with a new mod's summary and the changelog section at `detail`: `full` (every
 * category, within the room, "full changelog" link when cut), `summary` (the first 5 entries), `none`. A changelog
 * that is not in the changelog.txt format shows as its plain text, cut at a line end.
 *
 * @param options.maxDescription - room for the description, default (and at most) 4,096; messages with several
 *   embeds pass less to stay within 6,000 characters.
 */
export function renderAnnouncementEmbed(
	links: PortalLinks,
	a: Announcement,
	detail: ChangelogDetail,
	options: { maxDescription?: number } = {},
): APIEmbed {
	const max = Math.min(options.maxDescription ?? LIMITS.embedDescription, LIMITS.embedDescription);
	const fields: APIEmbedField[] = [];
	if (a.owner)
		fields.push({ name: 'Owner', value: `[${escapeMarkdown(a.owner)}](${ownerUrl(links, a.owner)})`, inline: true });
	const factorio = factorioMinor(a.factorioVersion);
	if (factorio) fields.push({ name: 'Factorio', value: factorio, inline: true });
	const when = discordTimestamp(a.releasedAt, 'f');
	if (when)
		fields.push({ name: 'Released', value: `${when} (${discordTimestamp(a.releasedAt, 'R') ?? ''})`, inline: true });

	const embed: APIEmbed = {
		title: truncate(`${a.title} ${a.version}`, LIMITS.embedTitle),
		url: modUrl(links, a.mod),
		color: EMBED_COLOR,
		author: { name: a.isNewMod ? 'New mod' : 'Update' },
		fields,
	};
	const summary = a.summary ? truncate(escapeMarkdown(a.summary), Math.min(SUMMARY_ROOM, Math.floor(max / 2))) : '';
	const changelog = changelogPart(links, a, detail, max - (summary ? summary.length + 2 : 0));
	const description = [summary, changelog].filter((part) => part !== '').join('\n\n');
	if (description) embed.description = truncate(description, max);
	const thumbnail = thumbnailUrl(links, a.thumbnail);
	if (thumbnail) embed.thumbnail = { url: thumbnail };
	if (a.releasedAt && !Number.isNaN(Date.parse(a.releasedAt))) embed.timestamp = new Date(a.releasedAt).toISOString();
	return embed;
}

function totalLength(embeds: readonly APIEmbed[]): number {
	return embeds.reduce((sum, embed) => sum + embedLength(embed), 0);
}

/** Embeds for one message: the largest common description room (binary search) that keeps 6,000 characters. */
function fitMessage(links: PortalLinks, group: readonly Announcement[], detail: ChangelogDetail): APIEmbed[] {
	const render = (room: number) =>
		group.map((a) => renderAnnouncementEmbed(links, a, detail, { maxDescription: room }));
	const full = render(LIMITS.embedDescription);
	if (totalLength(full) <= LIMITS.embedTotal) return full;
	// The grouping guarantees MIN_DESCRIPTION fits.
	let low = MIN_DESCRIPTION;
	let high: number = LIMITS.embedDescription;
	let best = render(low);
	while (high - low > 8) {
		const middle = Math.floor((low + high) / 2);
		const embeds = render(middle);
		if (totalLength(embeds) <= LIMITS.embedTotal) {
			low = middle;
			best = embeds;
		} else {
			high = middle;
		}
	}
	return best;
}

/** Splits announcements into messages of at most 10 embeds whose shrunk size fits 6,000 characters. */
function groupMessages(
	links: PortalLinks,
	announcements: readonly Announcement[],
	detail: ChangelogDetail,
): Announcement[][] {
	return chunkWithin(
		announcements,
		(a) => embedLength(renderAnnouncementEmbed(links, a, detail, { maxDescription: MIN_DESCRIPTION })),
		LIMITS.embedsPerMessage,
		LIMITS.embedTotal,
	);
}

function digestLine(links: PortalLinks, a: Announcement): string {
	const factorio = factorioMinor(a.factorioVersion);
	return [
		`**[${escapeMarkdown(truncate(`${a.title} ${a.version}`, 120))}](${modUrl(links, a.mod)})**${a.isNewMod ? ' (new mod)' : ''}`,
		a.owner ? `by [${escapeMarkdown(a.owner)}](${ownerUrl(links, a.owner)})` : undefined,
		factorio ? `Factorio ${factorio}` : undefined,
	]
		.filter((part) => part !== undefined)
		.join(' · ');
}

/** Lines joined within `max` characters, ending with `… and N more` when some do not fit. */
function linesWithin(lines: readonly string[], max: number): string {
	let out = '';
	for (const [index, line] of lines.entries()) {
		const next = out === '' ? line : `${out}\n${line}`;
		const left = lines.length - index - 1;
		const tail = left > 0 ? `\n… and ${left} more` : '';
		if (next.length + tail.length > max) {
			const more = `… and ${lines.length - index} more`;
			return out === '' ? more : `${out}\n${more}`;
		}
		out = next;
	}
	return out;
}

/** The digest embed: one line per release (title and version linked, owner, Factorio version). */
function digestEmbed(links: PortalLinks, announcements: readonly Announcement[]): APIEmbed {
	const newMods = announcements.filter((a) => a.isNewMod).length;
	const title = `${announcements.length} new releases${newMods > 0 ? `, ${newMods} of them new mods` : ''}`;
	return {
		title,
		color: EMBED_COLOR,
		description: linesWithin(
			announcements.map((a) => digestLine(links, a)),
			LIMITS.embedDescription,
		),
	};
}

/**
 * The messages announcing `announcements` (oldest first) in one channel.
 *
 * - More than `digestThreshold`: one digest message listing them all (cut with "… and N more" within 4,096).
 * - Otherwise one embed each ({@link renderAnnouncementEmbed} at the subscription's changelog detail), up to 10 per
 *   message and within 6,000 characters, shrinking changelog text evenly (to no less than 300 characters each)
 *   before starting another message. A message with a single release gets link buttons (portal, changelog, source).
 * - With a `roleId`, the first message's content pings `<@&roleId>` (allow only that role in `allowed_mentions`).
 *
 * @returns messages in order, each with the keys it covers (every key exactly once, a digest covers all).
 */
export function renderAnnouncementMessages(
	links: PortalLinks,
	subscription: Pick<Subscription, 'roleId' | 'changelog'>,
	announcements: readonly Announcement[],
	options: { digestThreshold: number },
): AnnouncementMessage[] {
	if (announcements.length === 0) return [];
	const ping = subscription.roleId ? { content: `<@&${subscription.roleId}>` } : {};
	if (announcements.length > options.digestThreshold) {
		return [
			{
				payload: { ...ping, embeds: [digestEmbed(links, announcements)], components: [] },
				keys: announcements.map((a) => a.key),
			},
		];
	}
	return groupMessages(links, announcements, subscription.changelog).map((group, index) => {
		const [only] = group;
		return {
			payload: {
				...(index === 0 ? ping : {}),
				embeds: fitMessage(links, group, subscription.changelog),
				components:
					group.length === 1 && only ? [modLinkRow(links, { name: only.mod, sourceUrl: only.sourceUrl })] : [],
			},
			keys: group.map((a) => a.key),
		};
	});
}
