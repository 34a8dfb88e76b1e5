/**
 * Release announcements as Discord message JSON: one embed per release, several releases per message within
 * Discord's limits (10 embeds, 6,000 characters of embed text, 4,096 per description; Discord docs, "Embed
 * Limits"), or one digest message when a channel gets many at once; and a reduced form for a message Discord
 * refused. Portal text is escaped (`safeText.ts`); every message passes {@link fitMessage}. A `/subscribe modpack`
 * post carries the release's verdict for the saved set (`verdict.ts`).
 */
import { embedLength, type APIEmbed, type APIEmbedField } from 'discord.js';
import type { AnnouncementVerdict } from '../services/announcements/delivery.js';
import type { Announcement } from '../services/announcements/snapshot.js';
import { factorioMinor } from '../services/factorio/version.js';
import type { ChangelogDetail, Subscription } from '../services/announcements/subscriptions.js';
import { LIMITS, chunkWithin, cutAtLine, discordTimestamp, truncate } from './limits.js';
import { changelogUrl, modUrl, ownerUrl, thumbnailUrl, type PortalLinks } from '../services/portal/links.js';
import { changelogMarkdown, fullChangelogLink } from './changelog.js';
import { EMBED_COLOR, modLinkRow } from './components.js';
import { fitMessage, type MessagePayload } from './fit.js';
import { READ_MAX, cleanText, displayTitle, linkedName, markdownLink, safeMarkdown } from './safeText.js';
import { renderVerdictField, renderVerdictLine } from './verdict.js';

/** One message to post and the announcement keys (`mod@version`) it covers, for marking the outbox. */
export interface AnnouncementMessage {
	payload: MessagePayload;
	keys: string[];
}

/** Options of {@link renderAnnouncementMessages}. */
export interface AnnouncementOptions {
	/** More announcements than this become one digest message. */
	digestThreshold: number;
	/**
	 * The reduced form, for announcements whose normal message Discord refused (400): per release only the title
	 * and version linked to the mod page, "New mod"/"Update", owner (plain text), Factorio version, release time and
	 * a link to the changelog; no changelog text, summary, thumbnail or source button. Default false.
	 */
	reduced?: boolean;
	/**
	 * A short marker for each message, put in the footer of its last embed so the bot can recognise its own post in
	 * a channel's history (e.g. `ref 3fQ9xZ`). Called once per message with the keys it covers and its index;
	 * cleaned and cut to {@link MARKER_MAX} characters.
	 */
	marker?: (message: { keys: readonly string[]; index: number }) => string;
	/**
	 * Verdicts by release key, for a `/subscribe modpack` subscription: a field in each release's embed
	 * ({@link renderVerdictField}; shorter in the reduced form), a line under each release of a digest
	 * ({@link renderVerdictLine}).
	 */
	verdicts?: ReadonlyMap<string, AnnouncementVerdict>;
}

/** Longest marker put in a footer. */
export const MARKER_MAX = 64;
/** Room for a verdict's field value in the reduced form. */
const REDUCED_VERDICT = 300;
/** The smallest changelog room an embed is shrunk to when it shares a message. */
const MIN_DESCRIPTION = 300;
/** A new mod's summary takes at most this much of the description. */
const SUMMARY_ROOM = 500;
/** `summary` detail of a changelog that is not in the changelog.txt format: its first lines, up to this. */
const PLAIN_SUMMARY_ROOM = 400;
/** Room for an owner name in a reduced embed and in digest lines. */
const SHORT_NAME = 100;

function changelogPart(links: PortalLinks, a: Announcement, detail: ChangelogDetail, room: number): string {
	if (detail === 'none' || !a.changelog) return '';
	const link = fullChangelogLink(changelogUrl(links, a.mod));
	const textRoom = room - link.length - 2;
	if (textRoom < 40) return link.length <= room ? link : '';
	let text: string;
	let cut: boolean;
	if (a.changelog.section) {
		({ text, cut } = changelogMarkdown(a.changelog.section, textRoom, detail));
	} else if (a.changelog.plain !== undefined) {
		const plain = safeMarkdown(a.changelog.plain, { multiline: true });
		text = cutAtLine(plain, detail === 'summary' ? Math.min(textRoom, PLAIN_SUMMARY_ROOM) : textRoom);
		cut = text.length < plain.length || a.changelog.plain.length > READ_MAX;
	} else {
		return '';
	}
	if (!cut && a.changelog.cut !== true) return text;
	return text ? `${text}\n\n${link}` : link;
}

/** `{title} {version}`, the title falling back to the mod's name, escaped and within the embed title limit. */
function releaseTitle(a: Announcement): string {
	return truncate(
		safeMarkdown(`${displayTitle({ title: a.title, name: a.mod })} ${cleanText(a.version)}`),
		LIMITS.embedTitle,
	);
}

/** The Factorio version and release time fields, shared by the normal and the reduced embed. */
function releaseFields(a: Announcement): APIEmbedField[] {
	const fields: APIEmbedField[] = [];
	const factorio = factorioMinor(a.factorioVersion);
	if (factorio) fields.push({ name: 'Factorio', value: safeMarkdown(factorio), inline: true });
	const when = discordTimestamp(a.releasedAt, 'f');
	if (when)
		fields.push({ name: 'Released', value: `${when} (${discordTimestamp(a.releasedAt, 'R') ?? ''})`, inline: true });
	return fields;
}

function releaseEmbed(links: PortalLinks, a: Announcement, fields: APIEmbedField[]): APIEmbed {
	const embed: APIEmbed = {
		title: releaseTitle(a),
		url: modUrl(links, a.mod),
		color: EMBED_COLOR,
		author: { name: a.isNewMod ? 'New mod' : 'Update' },
		fields,
	};
	if (a.releasedAt && !Number.isNaN(Date.parse(a.releasedAt))) embed.timestamp = new Date(a.releasedAt).toISOString();
	return embed;
}

/**
 * One release's embed: `{title} {version}` linked to the mod page, author line "New mod" or "Update", owner (linked to
 * their portal page), the release's Factorio version, release time (Discord timestamp, also the embed timestamp),
 * thumbnail, and a description with a new mod's summary and the changelog section at `detail`: `full` (every
 * category, within the room, "full changelog" link when cut), `summary` (the first 5 entries), `none`. A changelog
 * that is not in the changelog.txt format shows as its plain text, cut at a line end. All portal text is escaped.
 *
 * @param options.maxDescription - room for the description, default (and at most) 4,096; messages with several
 *   embeds pass less to stay within 6,000 characters.
 * @param options.verdict - the release's verdict for a saved set: one more field ({@link renderVerdictField}).
 */
export function renderAnnouncementEmbed(
	links: PortalLinks,
	a: Announcement,
	detail: ChangelogDetail,
	options: { maxDescription?: number; verdict?: AnnouncementVerdict | undefined } = {},
): APIEmbed {
	const max = Math.min(options.maxDescription ?? LIMITS.embedDescription, LIMITS.embedDescription);
	const owner: APIEmbedField[] = a.owner
		? [{ name: 'Owner', value: linkedName(a.owner, ownerUrl(links, a.owner)), inline: true }]
		: [];
	const verdict = options.verdict ? [renderVerdictField(options.verdict.set, options.verdict.verdict)] : [];
	const embed = releaseEmbed(links, a, [...owner, ...releaseFields(a), ...verdict]);
	const summary = a.summary
		? truncate(safeMarkdown(a.summary, { multiline: true }), Math.min(SUMMARY_ROOM, Math.floor(max / 2)))
		: '';
	const changelog = changelogPart(links, a, detail, max - (summary ? summary.length + 2 : 0));
	const description = [summary, changelog].filter((part) => part !== '').join('\n\n');
	if (description) embed.description = truncate(description, max);
	const thumbnail = thumbnailUrl(links, a.thumbnail);
	if (thumbnail) embed.thumbnail = { url: thumbnail };
	return embed;
}

/**
 * One release's reduced embed (see {@link AnnouncementOptions.reduced}): title and version linked to the mod page,
 * "New mod"/"Update", owner as plain text, Factorio version, release time, a link to the changelog tab, and the
 * verdict for a saved set when given (within 300 characters).
 */
export function renderReducedAnnouncementEmbed(
	links: PortalLinks,
	a: Announcement,
	verdict?: AnnouncementVerdict,
): APIEmbed {
	const owner = truncate(safeMarkdown(a.owner), SHORT_NAME);
	const fields = [
		...(owner ? [{ name: 'Owner', value: owner, inline: true }] : []),
		...releaseFields(a),
		...(verdict ? [renderVerdictField(verdict.set, verdict.verdict, REDUCED_VERDICT)] : []),
	];
	return {
		...releaseEmbed(links, a, fields),
		description: markdownLink('Changelog on the mod portal', changelogUrl(links, a.mod)),
	};
}

function totalLength(embeds: readonly APIEmbed[]): number {
	return embeds.reduce((sum, embed) => sum + embedLength(embed), 0);
}

/** Puts `marker` into the footer of the last embed. */
function withMarker(embeds: APIEmbed[], marker: string | undefined): APIEmbed[] {
	const last = embeds.at(-1);
	if (marker && last) last.footer = { text: marker };
	return embeds;
}

/**
 * Embeds for one message: the largest common description room (binary search) that keeps 6,000 characters with the
 * marker in the last footer.
 */
function fitEmbeds(
	links: PortalLinks,
	group: readonly Announcement[],
	detail: ChangelogDetail,
	marker: string | undefined,
	verdictOf: (a: Announcement) => AnnouncementVerdict | undefined,
): APIEmbed[] {
	const render = (room: number) =>
		withMarker(
			group.map((a) => renderAnnouncementEmbed(links, a, detail, { maxDescription: room, verdict: verdictOf(a) })),
			marker,
		);
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

/**
 * Splits announcements into messages of at most 10 embeds whose shrunk size fits 6,000 characters, leaving room for
 * a marker.
 */
function groupMessages(
	announcements: readonly Announcement[],
	embedOf: (a: Announcement) => APIEmbed,
): Announcement[][] {
	return chunkWithin(
		announcements,
		(a) => embedLength(embedOf(a)),
		LIMITS.embedsPerMessage,
		LIMITS.embedTotal - MARKER_MAX,
	);
}

function digestLine(links: PortalLinks, a: Announcement, reduced: boolean): string {
	const factorio = factorioMinor(a.factorioVersion);
	const title = safeMarkdown(truncate(`${displayTitle({ title: a.title, name: a.mod })} ${cleanText(a.version)}`, 120));
	let owner: string | undefined;
	if (a.owner)
		owner = reduced ? truncate(safeMarkdown(a.owner), SHORT_NAME) : linkedName(a.owner, ownerUrl(links, a.owner), 400);
	return [
		`**${markdownLink(title, modUrl(links, a.mod))}**${a.isNewMod ? ' (new mod)' : ''}`,
		owner ? `by ${owner}` : undefined,
		factorio ? `Factorio ${safeMarkdown(factorio)}` : undefined,
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

/**
 * The digest embed: one line per release (title and version linked, owner, Factorio version), with the release's
 * verdict for a saved set on the next line when given.
 */
function digestEmbed(
	links: PortalLinks,
	announcements: readonly Announcement[],
	reduced: boolean,
	verdictOf: (a: Announcement) => AnnouncementVerdict | undefined,
): APIEmbed {
	const newMods = announcements.filter((a) => a.isNewMod).length;
	const title = `${announcements.length} new releases${newMods > 0 ? `, ${newMods} of them new mods` : ''}`;
	return {
		title,
		color: EMBED_COLOR,
		description: linesWithin(
			announcements.map((a) => {
				const line = digestLine(links, a, reduced);
				const verdict = verdictOf(a);
				return verdict ? `${line}\n${renderVerdictLine(verdict.set.name, verdict.verdict)}` : line;
			}),
			LIMITS.embedDescription,
		),
	};
}

/**
 * The messages announcing `announcements` (oldest first) in one channel.
 *
 * - More than `digestThreshold`: one digest message listing them all (cut with "… and N more" within 4,096).
 * - Otherwise one embed each ({@link renderAnnouncementEmbed} at the subscription's changelog detail, or
 *   {@link renderReducedAnnouncementEmbed} with `reduced`), up to 10 per message and within 6,000 characters,
 *   shrinking changelog text evenly (to no less than 300 characters each) before starting another message. A message
 *   with a single release gets link buttons (portal, changelog, and source unless reduced).
 * - With a `roleId`, the first message's content pings `<@&roleId>` (allow only that role in `allowed_mentions`).
 * - With a `marker`, each message's last embed has the marker as its footer.
 * - With `verdicts`, each release with one shows it (a field, or a line in a digest).
 *
 * Every message passes {@link fitMessage}.
 *
 * @returns messages in order, each with the keys it covers (every key exactly once, a digest covers all).
 */
export function renderAnnouncementMessages(
	links: PortalLinks,
	subscription: Pick<Subscription, 'roleId' | 'changelogDetail'>,
	announcements: readonly Announcement[],
	options: AnnouncementOptions,
): AnnouncementMessage[] {
	if (announcements.length === 0) return [];
	const reduced = options.reduced === true;
	const verdictOf = (a: Announcement) => options.verdicts?.get(a.releaseKey);
	const ping = subscription.roleId ? { content: `<@&${subscription.roleId}>` } : {};
	const markerOf = (keys: string[], index: number): string | undefined => {
		const marker = options.marker ? cleanText(options.marker({ keys, index })) : '';
		return marker ? truncate(marker, MARKER_MAX) : undefined;
	};
	if (announcements.length > options.digestThreshold) {
		const keys = announcements.map((a) => a.releaseKey);
		const embeds = withMarker([digestEmbed(links, announcements, reduced, verdictOf)], markerOf(keys, 0));
		return [{ payload: fitMessage({ ...ping, embeds, components: [] }), keys }];
	}
	const detail = subscription.changelogDetail;
	const groups = reduced
		? groupMessages(announcements, (a) => renderReducedAnnouncementEmbed(links, a, verdictOf(a)))
		: groupMessages(announcements, (a) =>
				renderAnnouncementEmbed(links, a, detail, { maxDescription: MIN_DESCRIPTION, verdict: verdictOf(a) }),
			);
	return groups.map((group, index) => {
		const [only] = group;
		const keys = group.map((a) => a.releaseKey);
		const marker = markerOf(keys, index);
		const embeds = reduced
			? withMarker(
					group.map((a) => renderReducedAnnouncementEmbed(links, a, verdictOf(a))),
					marker,
				)
			: fitEmbeds(links, group, detail, marker, verdictOf);
		const components =
			group.length === 1 && only
				? [modLinkRow(links, { name: only.mod, sourceUrl: reduced ? undefined : only.sourceUrl })]
				: [];
		return { payload: fitMessage({ ...(index === 0 ? ping : {}), embeds, components }), keys };
	});
}
