/**
 * The verdict of a `/subscribe modpack` post: one embed field saying what a release means for the saved set's
 * server, within Discord's field limits (Discord docs, "Channel Resources: Embed Limits": name 256, value 1,024).
 */
import type { APIEmbedField } from 'discord.js';
import { describeFinding, type Verdict } from '../services/modpack/verdict.js';
import { LIMITS, truncate } from './limits.js';
import { linesWithin } from './modpack.js';
import { safeMarkdown } from './safeText.js';

const HEADLINE: Readonly<Record<Verdict['status'], string>> = {
	compatible: '✅ Compatible',
	action: '⚠️ Needs action before updating',
	blocker: '⛔ Do not update this server yet',
};

/**
 * The verdict as an embed field: named after the set (`For “main server” (Factorio 2.0)`), its value the headline
 * and one line per finding, worst first, as many as fit in `max` characters and then `… and N more`.
 *
 * @param set - the saved set's name (user input, escaped here) and Factorio version.
 * @param max - characters for the value; default a whole field value (1,024). Never throws.
 */
export function renderVerdictField(
	set: { name: string; factorioVersion: string },
	verdict: Verdict,
	max: number = LIMITS.fieldValue,
): APIEmbedField {
	const name = truncate(`For “${safeMarkdown(set.name)}” (Factorio ${set.factorioVersion})`, LIMITS.fieldName);
	const headline =
		verdict.status === 'compatible' && verdict.findings.length === 0
			? `${HEADLINE.compatible}: nothing else on this server changes.`
			: HEADLINE[verdict.status];
	const lines = verdict.findings.map((finding) => `• ${safeMarkdown(describeFinding(finding, verdict.previous))}`);
	return { name, value: linesWithin([headline, ...lines], Math.min(max, LIMITS.fieldValue)) };
}

/** The verdict as one line for a digest (`⚠️ main server: Needs Factorio 2.0.49 or newer …`), cut to `max`. */
export function renderVerdictLine(setName: string, verdict: Verdict, max = 300): string {
	const first = verdict.findings[0];
	const said = first ? describeFinding(first, verdict.previous) : 'compatible.';
	const more = verdict.findings.length > 1 ? ` (+${verdict.findings.length - 1} more)` : '';
	const icon = HEADLINE[verdict.status].split(' ')[0] ?? '';
	return truncate(`${icon} ${safeMarkdown(setName)}: ${safeMarkdown(said)}${more}`, max);
}
