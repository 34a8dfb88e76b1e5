/**
 * The `/modpack resolve` and `/modpack check` answers: a summary embed within Discord's limits (Discord docs,
 * "Channel Resources: Embed Limits": 25 fields, field values 1,024, all embeds 6,000 characters) and the kit's
 * files as attachments (Discord docs, "Uploading Files": at most 10 a message).
 */
import { embedLength, type APIEmbed, type APIEmbedField } from 'discord.js';
import { compareVersions } from '../services/factorio/version.js';
import { describeVerdict, type ModCheck } from '../services/modpack/check.js';
import { gameMinor } from '../services/modpack/game.js';
import type { CheckedServer, Kit } from '../services/modpack/modpack.js';
import { describeProblem, type Problem } from '../services/modpack/problems.js';
import type { ResolvedMod } from '../services/modpack/resolver.js';
import { EMBED_COLOR } from './components.js';
import { fitMessage } from './fit.js';
import { LIMITS, truncate } from './limits.js';
import { safeMarkdown } from './safeText.js';

/** A file to attach: what discord.js takes as `files` entries. */
export interface AttachedFile {
	name: string;
	attachment: Buffer;
}

/** A modpack answer: one embed, its files, no components. */
export interface ModpackMessage {
	embeds: APIEmbed[];
	files: AttachedFile[];
	components: [];
	allowedMentions: { parse: [] };
}

/** What the command read besides the mods, said in the answer. */
export interface InputNotes {
	/** Names listed more than once. */
	duplicates?: readonly string[];
	/** Disabled mods of a mod-list.json. */
	disabled?: readonly string[];
	/** Sentences about assumptions (`Factorio version read from the log: 2.0.28`). */
	notes?: readonly string[];
}

const PARTIAL_COLOR = 0xe67e22;
const FAILED_COLOR = 0xc0392b;
const OK_COLOR = 0x2e9b57;

function code(name: string): string {
	return `\`${name.replace(/`/g, "'")}\``;
}

/**
 * Lines for a field value: as many as fit in `max` characters, then `… and N more` (pointing to `more` when
 * given, e.g. `see mods.lock.json`).
 */
export function linesWithin(lines: readonly string[], max: number = LIMITS.fieldValue, more?: string): string {
	let out = '';
	for (const [index, line] of lines.entries()) {
		const rest = lines.length - index - 1;
		const next = out === '' ? line : `${out}\n${line}`;
		const tail = rest > 0 ? `\n… and ${rest} more${more ? ` (${more})` : ''}` : '';
		if (next.length + tail.length > max) {
			const left = lines.length - index;
			const end = `… and ${left} more${more ? ` (${more})` : ''}`;
			return out === '' ? truncate(`${line}\n${end}`, max) : `${out}\n${end}`;
		}
		out = next;
	}
	return out;
}

function field(name: string, lines: readonly string[], more?: string): APIEmbedField | undefined {
	if (lines.length === 0) return undefined;
	return { name: truncate(name, LIMITS.fieldName), value: linesWithin(lines, LIMITS.fieldValue, more) };
}

/** Drops fields from the end until the embed is within Discord's 6,000 characters and 25 fields. */
function fitEmbed(embed: APIEmbed): APIEmbed {
	const fields = [...(embed.fields ?? [])].slice(0, LIMITS.embedFields);
	let fitted: APIEmbed = { ...embed, fields };
	while (embedLength(fitted) > LIMITS.embedTotal && fields.length > 0) {
		fields.pop();
		fitted = { ...embed, fields };
	}
	if (embedLength(fitted) > LIMITS.embedTotal && fitted.description)
		fitted = { ...fitted, description: truncate(fitted.description, LIMITS.embedDescription / 2) };
	return fitted;
}

function gameLabel(kit: Kit): string {
	const game = kit.resolution.game;
	const spaceAge =
		compareVersions(gameMinor(game), '2.0') >= 0 ? (game.spaceAge ? ', Space Age on' : ', Space Age off') : '';
	return `Factorio ${game.version}${spaceAge}`;
}

function modLine(mod: ResolvedMod): string {
	const via = mod.via
		? ` ← ${safeMarkdown(mod.via.name)}${mod.via.kind === 'recommended' ? ' (recommended)' : ''}`
		: '';
	const deprecated = mod.deprecated ? ' · deprecated' : '';
	return `${code(mod.name)} ${mod.release.version}${via}${deprecated}`;
}

function problemLine(problem: Problem): string {
	return `• ${safeMarkdown(describeProblem(problem))}`;
}

function files(kit: Kit, extra: AttachedFile[] = []): AttachedFile[] {
	if (kit.resolution.mods.length === 0) return extra;
	return [...kit.files.map((f) => ({ name: f.name, attachment: Buffer.from(f.content, 'utf8') })), ...extra];
}

/** The fields every kit answer carries: listed mods, dependencies, left out, unknown, warnings, optional. */
function kitFields(kit: Kit, notes: InputNotes): APIEmbedField[] {
	const { resolution } = kit;
	const listed = resolution.mods.filter((m) => m.listed);
	const pulled = resolution.mods.filter((m) => !m.listed);
	const leftOut = resolution.excluded.flatMap((e) => e.problems.map(problemLine));
	const warnings = resolution.warnings.map(problemLine);
	for (const name of notes.duplicates ?? [])
		warnings.push(`• ${safeMarkdown(name)} was listed more than once; counted once.`);
	if (notes.disabled && notes.disabled.length > 0)
		warnings.push(`• Disabled in the file, left out: ${notes.disabled.map(code).join(', ')}`);
	const optional = resolution.optional.map(
		(o) =>
			`${code(o.name)}${o.kind === 'recommended' ? ' (recommended)' : o.kind === 'hidden_optional' ? ' (hidden)' : ''} ← ${safeMarkdown(o.by.name)}`,
	);
	return [
		field(`Listed mods (${listed.length})`, listed.map(modLine), 'see mods.lock.json'),
		field(`Pulled in as dependencies (${pulled.length})`, pulled.map(modLine), 'see mods.lock.json'),
		field(`Left out (${resolution.excluded.length})`, leftOut),
		field(`Not on the mod portal (${kit.unknown.length})`, kit.unknown.map(problemLine)),
		field('Warnings', warnings),
		field(`Optional, not added (${optional.length})`, optional),
	].filter((f): f is APIEmbedField => f !== undefined);
}

function kitDescription(kit: Kit, notes: InputNotes): string {
	const { resolution } = kit;
	const count = resolution.mods.length;
	const listed = resolution.mods.filter((m) => m.listed).length;
	const lines: string[] = [];
	if (count === 0) {
		lines.push('**No kit**: none of the listed mods can go on this server. The reasons are below.');
	} else {
		lines.push(
			`**${count} mod${count === 1 ? '' : 's'}** to install: ${listed} listed, ${count - listed} pulled in as dependencies.`,
		);
		if (resolution.excluded.length > 0)
			lines.push(
				`**${resolution.excluded.length} listed mod${resolution.excluded.length === 1 ? '' : 's'} left out**, see below.`,
			);
		if (resolution.minimumGameVersion)
			lines.push(`The server needs at least Factorio ${resolution.minimumGameVersion}.`);
		lines.push(
			'Copy `install-mods.sh` (Linux, `sh install-mods.sh /path/to/mods`) or `install-mods.ps1` (Windows) to the server and run it there with the server’s own Factorio account; it downloads from the mod portal, checks every sha1 and writes `mod-list.json` last. The bot never asks for your portal token.',
		);
	}
	for (const note of notes.notes ?? []) lines.push(note);
	return truncate(lines.join('\n'), LIMITS.embedDescription);
}

function colorOf(kit: Kit): number {
	if (kit.resolution.mods.length === 0) return FAILED_COLOR;
	if (kit.resolution.excluded.length > 0 || kit.unknown.length > 0) return PARTIAL_COLOR;
	return EMBED_COLOR;
}

function message(embed: APIEmbed, attached: AttachedFile[]): ModpackMessage {
	// The embed passes the one guard every message passes (fit.ts); files and mentions are this answer's own.
	const { embeds } = fitMessage({ embeds: [fitEmbed(embed)], components: [] });
	return { embeds, files: attached, components: [], allowedMentions: { parse: [] } };
}

/**
 * The `/modpack resolve` answer: a summary embed (what goes on the server, what was pulled in by what, what was
 * left out and why, warnings, optional dependencies) and, when the kit has mods, `mod-list.json`,
 * `mods.lock.json`, `install-mods.sh` and `install-mods.ps1` attached.
 */
export function renderKit(kit: Kit, notes: InputNotes = {}): ModpackMessage {
	const count = kit.resolution.mods.length;
	const embed: APIEmbed = {
		title: truncate(`Mod kit: ${count} mod${count === 1 ? '' : 's'} for ${gameLabel(kit)}`, LIMITS.embedTitle),
		description: kitDescription(kit, notes),
		color: colorOf(kit),
		fields: kitFields(kit, notes),
		footer: { text: 'Resolved from the Factorio mod portal. Not made or endorsed by Wube Software.' },
	};
	return message(embed, files(kit));
}

function checkLine(check: ModCheck, game: Kit['resolution']['game']): string {
	const installed = check.installed ? ` ${check.installed}` : '';
	const said = check.verdicts
		.filter((v) => v.kind !== 'up_to_date' && v.kind !== 'latest_is')
		.map((v) => describeVerdict(v, game));
	return `${code(check.name)}${installed}: ${safeMarkdown(said.join('; '))}`;
}

/** The whole check as plain text, one mod a line: attached as `check-report.txt`. */
export function checkReport(checked: CheckedServer): string {
	const game = checked.kit.resolution.game;
	const lines = [`Server check for Factorio ${game.version}, Space Age ${game.spaceAge ? 'on' : 'off'}`, ''];
	for (const check of checked.checks) {
		const said = check.verdicts.map((v) => describeVerdict(v, game)).join('; ');
		lines.push(`${check.ok ? 'OK  ' : 'FIX '} ${check.name}${check.installed ? ` ${check.installed}` : ''}: ${said}`);
	}
	lines.push('', 'The fixed kit (mods.lock.json):');
	for (const mod of checked.kit.resolution.mods) lines.push(`  ${mod.name} ${mod.release.version}`);
	for (const excluded of checked.kit.resolution.excluded)
		for (const problem of excluded.problems) lines.push(`  left out: ${describeProblem(problem)}`);
	return `${lines.join('\n')}\n`;
}

/**
 * The `/modpack check` answer: per mod what needs doing (newer release, missing dependency, incompatible pair, no
 * release for this version, deprecated, not on the portal), how many are fine, then the fixed kit as
 * `/modpack resolve` gives it, with its four files and `check-report.txt` attached.
 */
export function renderCheck(checked: CheckedServer, notes: InputNotes = {}): ModpackMessage {
	const game = checked.kit.resolution.game;
	const ok = checked.checks.filter((c) => c.ok);
	const updates = checked.checks.filter(
		(c) => !c.ok && c.verdicts.every((v) => v.kind === 'newer_release' || v.kind === 'installed_other_version'),
	);
	const attention = checked.checks.filter((c) => !c.ok && !updates.includes(c));
	const kit = checked.kit;
	const before = new Map(checked.checks.map((c) => [c.name, c.installed]));
	const changes: string[] = [];
	for (const mod of kit.resolution.mods) {
		if (!before.has(mod.name)) changes.push(`adds ${code(mod.name)} ${mod.release.version}`);
		else if (before.get(mod.name) && before.get(mod.name) !== mod.release.version)
			changes.push(`${code(mod.name)} ${before.get(mod.name) ?? ''} → ${mod.release.version}`);
	}
	const kept = new Set(kit.resolution.mods.map((m) => m.name));
	for (const check of checked.checks) if (!kept.has(check.name)) changes.push(`leaves out ${code(check.name)}`);
	const count = checked.checks.length;
	const description = [
		`**${count} mod${count === 1 ? '' : 's'}** checked: ${ok.length} fine, ${updates.length} with a newer release, ${attention.length} needing attention.`,
		kit.resolution.mods.length > 0
			? `The fixed kit (${kit.resolution.mods.length} mods, as \`/modpack resolve\` gives it) is attached with its install scripts; \`check-report.txt\` has every mod.`
			: 'No fixed kit: none of these mods can go on this server.',
		...(notes.notes ?? []),
	].join('\n');
	const embed: APIEmbed = {
		title: truncate(`Server check: ${count} mods for ${gameLabel(kit)}`, LIMITS.embedTitle),
		description: truncate(description, LIMITS.embedDescription),
		color: attention.length > 0 ? PARTIAL_COLOR : updates.length > 0 ? EMBED_COLOR : OK_COLOR,
		fields: [
			field(
				`Needs attention (${attention.length})`,
				attention.map((c) => checkLine(c, game)),
				'see check-report.txt',
			),
			field(
				`Newer releases (${updates.length})`,
				updates.map((c) => checkLine(c, game)),
				'see check-report.txt',
			),
			field(`Fixed kit: changes (${changes.length})`, changes, 'see mods.lock.json'),
			...kitFields(kit, notes).filter((f) => !f.name.startsWith('Listed') && !f.name.startsWith('Pulled')),
		].filter((f): f is APIEmbedField => f !== undefined),
		footer: { text: 'Checked against the Factorio mod portal. Not made or endorsed by Wube Software.' },
	};
	const report = { name: 'check-report.txt', attachment: Buffer.from(checkReport(checked), 'utf8') };
	return message(embed, files(kit, [report]));
}
