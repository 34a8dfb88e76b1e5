/**
 * The `/mod info` message: one mod in one embed, within Discord's limits (Discord docs, "Embed Limits"), with every
 * portal text escaped (`safeText.ts`).
 */
import type { APIEmbed, APIEmbedField } from 'discord.js';
import { parseDependencies, type Dependency } from '../services/factorio/dependencies.js';
import { compareVersionsDesc, factorioMinor } from '../services/factorio/version.js';
import { modUrl, ownerUrl, thumbnailUrl, type PortalLinks } from '../services/portal/links.js';
import type { ModDetails } from '../services/portal/schemas.js';
import { EMBED_COLOR, modLinkRow } from './components.js';
import { fitMessage, type MessagePayload } from './fit.js';
import { LIMITS, discordTimestamp, formatCount, joinWithin, truncate } from './limits.js';
import { NAME_IN_FIELD, cleanText, displayTitle, linkedName, markdownLink, safeMarkdown } from './safeText.js';

const DEPRECATED_COLOR = 0x8b8b8b;

/** The distinct `major.minor` Factorio versions a mod's releases support, newest first (`2.0, 1.1, 1.0`). */
export function supportedFactorioVersions(mod: Pick<ModDetails, 'releases'>): string[] {
	const versions = new Set<string>();
	for (const release of mod.releases) {
		const minor = factorioMinor(release.factorioVersion);
		if (minor) versions.add(minor);
	}
	return [...versions].sort(compareVersionsDesc);
}

const DEPENDENCY_GROUPS: { title: string; kinds: Dependency['kind'][] }[] = [
	{ title: 'Required', kinds: ['required', 'load_neutral'] },
	{ title: 'Optional', kinds: ['optional', 'hidden_optional'] },
	{ title: 'Recommended', kinds: ['recommended'] },
	{ title: 'Incompatible', kinds: ['incompatible'] },
];

/**
 * Embed fields listing dependencies grouped by kind (wiki "Tutorial:Mod structure", dependencies): names escaped
 * and linked to their portal pages (`base` shown as Factorio, incompatible ones unlinked), each field within 1,024
 * characters with "and N more".
 */
export function dependencyFields(links: PortalLinks, dependencies: readonly Dependency[]): APIEmbedField[] {
	const fields: APIEmbedField[] = [];
	for (const group of DEPENDENCY_GROUPS) {
		const members = dependencies.filter((d) => group.kinds.includes(d.kind));
		if (members.length === 0) continue;
		const parts = members.map((d) => {
			const version = d.operator && d.version ? ` ${d.operator} ${safeMarkdown(d.version)}` : '';
			if (d.name === 'base') return `Factorio${version}`;
			const name = `${safeMarkdown(truncate(cleanText(d.name), NAME_IN_FIELD))}${version}`;
			return d.kind === 'incompatible' ? name : markdownLink(name, modUrl(links, d.name));
		});
		fields.push({ name: `${group.title} dependencies`, value: joinWithin(parts, ', ', LIMITS.fieldValue) });
	}
	return fields;
}

/** Portal words (tags, feature flags) escaped and joined within a field value. */
function wordList(words: readonly string[]): string {
	return joinWithin(
		words.map((word) => safeMarkdown(truncate(cleanText(word), NAME_IN_FIELD))).filter((word) => word !== ''),
		', ',
		LIMITS.fieldValue,
	);
}

/**
 * The `/mod info` message: one embed with the mod's title and latest version linked to its page, summary, owner,
 * downloads, category, tags, license, latest release time, supported Factorio versions, the latest release's
 * dependencies grouped by kind, thumbnail; plus link buttons. Deprecated mods say so. Every portal text is escaped;
 * links only to absolute http(s) URLs; the whole passes {@link fitMessage}, which drops trailing (dependency) fields
 * if the embed would pass 6,000 characters.
 */
export function renderModInfo(links: PortalLinks, mod: ModDetails): MessagePayload {
	const latest = mod.latestRelease;
	const fields: APIEmbedField[] = [
		{ name: 'Owner', value: mod.owner ? linkedName(mod.owner, ownerUrl(links, mod.owner)) : 'unknown', inline: true },
		{ name: 'Downloads', value: formatCount(mod.downloadsCount), inline: true },
	];
	if (mod.category) fields.push({ name: 'Category', value: wordList([mod.category]), inline: true });
	if (latest) {
		const when = discordTimestamp(latest.releasedAt, 'f');
		const ago = discordTimestamp(latest.releasedAt, 'R');
		fields.push({
			name: 'Latest release',
			value: [safeMarkdown(latest.version), when && ago ? `${when} (${ago})` : undefined].filter(Boolean).join('\n'),
			inline: true,
		});
	}
	const factorioVersions = supportedFactorioVersions(mod);
	if (factorioVersions.length > 0)
		fields.push({ name: 'Factorio versions', value: wordList(factorioVersions), inline: true });
	if (mod.license?.name)
		fields.push({ name: 'License', value: linkedName(mod.license.name, mod.license.url), inline: true });
	if (mod.tags.length > 0) fields.push({ name: 'Tags', value: wordList(mod.tags), inline: false });
	if (latest?.featureFlags.length)
		fields.push({ name: 'Feature flags', value: wordList(latest.featureFlags), inline: false });
	fields.push(...dependencyFields(links, parseDependencies(latest?.dependencies)));

	const description = [
		mod.deprecated ? '⚠️ **Deprecated**: the owner marked this mod as deprecated.' : undefined,
		mod.summary ? safeMarkdown(mod.summary, { multiline: true }) : undefined,
	]
		.filter(Boolean)
		.join('\n\n');

	const title = displayTitle(mod);
	const embed: APIEmbed = {
		title: safeMarkdown(latest ? `${title} ${cleanText(latest.version)}` : title),
		url: modUrl(links, mod.name),
		color: mod.deprecated ? DEPRECATED_COLOR : EMBED_COLOR,
		fields,
		footer: { text: `Internal name: ${cleanText(mod.name)}` },
	};
	if (description) embed.description = truncate(description, LIMITS.embedDescription);
	const thumbnail = thumbnailUrl(links, mod.thumbnail);
	if (thumbnail) embed.thumbnail = { url: thumbnail };
	if (latest?.releasedAt) embed.timestamp = latest.releasedAt;
	return fitMessage({ embeds: [embed], components: [modLinkRow(links, mod)] });
}
