import { embedLength } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/render/limits.js';
import { linesWithin, renderCheck, renderKit } from '../../src/render/modpack.js';
import { listOfMods } from '../../src/services/modpack/input.js';
import { checkServer, buildKit } from '../../src/services/modpack/modpack.js';
import { graphEntries, graphSource } from '../services/modpack/support.js';

const game = { version: '1.1', spaceAge: false };

function serverList(count: number) {
	const names = graphEntries()
		.map((e) => String(e.name))
		.sort();
	const step = Math.floor(names.length / count);
	return Array.from({ length: count }, (_, i) => ({ name: names[i * step] ?? '' }));
}

function expectWithinLimits(message: ReturnType<typeof renderKit>): void {
	expect(message.embeds).toHaveLength(1);
	const embed = message.embeds[0]!;
	expect(embedLength(embed)).toBeLessThanOrEqual(LIMITS.embedTotal);
	expect(embed.title?.length ?? 0).toBeLessThanOrEqual(LIMITS.embedTitle);
	expect(embed.description?.length ?? 0).toBeLessThanOrEqual(LIMITS.embedDescription);
	expect(embed.fields?.length ?? 0).toBeLessThanOrEqual(LIMITS.embedFields);
	for (const field of embed.fields ?? []) {
		expect(field.name.length).toBeLessThanOrEqual(LIMITS.fieldName);
		expect(field.value.length).toBeLessThanOrEqual(LIMITS.fieldValue);
		expect(field.value.length).toBeGreaterThan(0);
	}
	expect(message.files.length).toBeLessThanOrEqual(10);
}

describe('renderKit and renderCheck', () => {
	it('stay within Discord’s limits for a 200-mod server list, pointing to the files for the rest', async () => {
		const mods = serverList(200);
		const kit = await buildKit(mods, game, true, graphSource());
		expect(kit.resolution.mods.length).toBeGreaterThan(500);
		const message = renderKit({ ...kit, unknown: [] });
		expectWithinLimits(message);
		const listed = message.embeds[0]?.fields?.find((f) => f.name.startsWith('Listed mods'));
		expect(listed?.value).toMatch(/\n… and \d+ more \(see mods\.lock\.json\)$/);
		const checked = await checkServer(listOfMods(mods), game, true, graphSource());
		const check = renderCheck(checked);
		expectWithinLimits(check);
		expect(check.files.map((f) => f.name)).toContain('check-report.txt');
		expect(check.files.find((f) => f.name === 'check-report.txt')?.attachment.toString()).toContain(
			`FIX  ${checked.checks.find((c) => !c.ok)?.name ?? ''}`,
		);
	});

	it('cuts a list at a line with the number left', () => {
		const lines = Array.from({ length: 100 }, (_, i) => `line number ${i}`);
		const value = linesWithin(lines, 200, 'see x');
		expect(value.length).toBeLessThanOrEqual(200);
		expect(value.endsWith('more (see x)')).toBe(true);
		expect(value.split('\n').slice(0, -1)).toEqual(lines.slice(0, value.split('\n').length - 1));
		expect(linesWithin(['a', 'b'], 200)).toBe('a\nb');
	});
});
