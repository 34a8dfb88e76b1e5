/**
 * The `/mod info` message: one mod in one embed, within Discord's limits (Discord docs, "Channel Resources: Embed
 * Limits").
 */
import { embedLength, type APIEmbed, type APIEmbedField } from 'discord.js';
import { parseDependencies, type Dependency } from '../services/factorio/dependencies.js';
import { compareVersionsDesc, factorioMinor } from '../services/factorio/version.js';
import { modUrl, ownerUrl, thumbnailUrl, type PortalLinks } from '../services/portal/links.js';
import type { ModDetails } from '../services/portal/schemas.js';
import { EMBED_COLOR, modLinkRow, type MessagePayload } from './components.js';
import { LIMITS, discordTimestamp, escapeMarkdown, formatCount, truncate } from './limits.js';

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

/** Embed fields listing dependencies grouped by kind (wiki "Tutorial:Mod structure", dependencies). */
export function dependencyFields(links: PortalLinks, dependencies: readonly Dependency[]): APIEmbedField[] {
	const fields: APIEmbedField[] = [];
	for (const group of DEPENDENCY_GROUPS) {
		const members = dependencies.filter((d) => group.kinds.includes(d.kind));
		if (members.length === 0) continue;
		const parts = members.map((d) => {
			const version = d.operator && d.version ? ` ${d.operator} ${d.version}` : '';
			const label = d.name === 'base' ? `Factorio${version}` : `${escapeMarkdown(d.name)}${version}`;
			return d.name === 'base' || d.kind === 'incompatible' ? label : `[${label}](${modUrl(links, d.name)})`;
		});
		fields.push({ name: `${group.title} dependencies`, value: joinWithin(parts, ', ', LIMITS.fieldValue) });
	}
	return fields;
}

/** Joins parts with `separator`, stopping before `max` characters with "and N more". */
function joinWithin(parts: readonly string[], separator: string, max: number): string {
	let out = '';
	for (const [index, part] of parts.entries()) {
		const rest = parts.length - index;
		const next = out === '' ? part : `${out}${separator}${part}`;
		const tail = rest > 1 ? ` and ${rest - 1} more` : '';
		if (next.length + tail.length > max) return out === '' ? truncate(part, max) : `${out} and ${rest} more`;
		out = next;
	}
	return out;
}

/**
 * The `/mod info` message: one embed with the mod's title and latest version linked to its page, summary, owner,
 * downloads, category, tags, license, latest release time, supported Factorio versions, the latest release's
 * dependencies grouped by kind, thumbnail; plus link buttons. Deprecated mods say so.
 */
export function renderModInfo(links: PortalLinks, mod: ModDetails): MessagePayload {
	const latest = mod.latestRelease;
	const fields: APIEmbedField[] = [
		{
			name: 'Owner',
			value: mod.owner ? `[${escapeMarkdown(mod.owner)}](${ownerUrl(links, mod.owner)})` : 'unknown',
			inline: true,
		},
		{ name: 'Downloads', value: formatCount(mod.downloadsCount), inline: true },
	];
	if (mod.category) fields.push({ name: 'Category', value: mod.category, inline: true });
	if (latest) {
		const when = discordTimestamp(latest.releasedAt, 'f');
		const ago = discordTimestamp(latest.releasedAt, 'R');
		fields.push({
			name: 'Latest release',
			value: [latest.version, when && ago ? `${when} (${ago})` : undefined].filter(Boolean).join('\n'),
			inline: true,
		});
	}
	const factorioVersions = supportedFactorioVersions(mod);
	if (factorioVersions.length > 0)
		fields.push({ name: 'Factorio versions', value: factorioVersions.join(', '), inline: true });
	if (mod.license?.name) {
		fields.push({
			name: 'License',
			value: mod.license.url
				? `[${escapeMarkdown(mod.license.name)}](${mod.license.url})`
				: escapeMarkdown(mod.license.name),
			inline: true,
		});
	}
	if (mod.tags.length > 0)
		fields.push({ name: 'Tags', value: truncate(mod.tags.join(', '), LIMITS.fieldValue), inline: false });
	if (latest?.featureFlags.length)
		fields.push({ name: 'Feature flags', value: latest.featureFlags.join(', '), inline: false });
	fields.push(...dependencyFields(links, parseDependencies(latest?.dependencies)));

	const description = [
		mod.deprecated ? '⚠️ **Deprecated**: the owner marked this mod as deprecated.' : undefined,
		mod.summary ? escapeMarkdown(mod.summary) : undefined,
	]
		.filter(Boolean)
		.join('\n\n');

	const embed: APIEmbed = {
		title: truncate(latest ? `${mod.title} ${latest.version}` : mod.title, LIMITS.embedTitle),
		url: modUrl(links, mod.name),
		color: mod.deprecated ? DEPRECATED_COLOR : EMBED_COLOR,
		fields: fields.slice(0, LIMITS.embedFields),
		footer: { text: truncate(`Internal name: ${mod.name}`, LIMITS.footerText) },
	};
	if (description) embed.description = truncate(description, LIMITS.embedDescription);
	const thumbnail = thumbnailUrl(links, mod.thumbnail);
	if (thumbnail) embed.thumbnail = { url: thumbnail };
	if (latest?.releasedAt && !Number.isNaN(Date.parse(latest.releasedAt)))
		embed.timestamp = new Date(latest.releasedAt).toISOString();
	return { embeds: [fitEmbed(embed)], components: [modLinkRow(links, mod)] };
}

/** Drops trailing fields until the embed's total text is within Discord's 6,000 characters. */
function fitEmbed(embed: APIEmbed): APIEmbed {
	const fields = [...(embed.fields ?? [])];
	while (embedLength({ ...embed, fields }) > LIMITS.embedTotal && fields.length > 0) fields.pop();
	return { ...embed, fields };
}
