import { describe, expect, it } from 'vitest';
import { fitMessage } from '../../src/render/fit.js';
import { LIMITS } from '../../src/render/limits.js';
import { renderVerdictField, renderVerdictLine } from '../../src/render/verdict.js';
import { judgeRelease, type ModpackForVerdict, type Verdict } from '../../src/services/modpack/verdict.js';

const set: ModpackForVerdict = {
	name: 'main *server*',
	factorioVersion: '2.0',
	spaceAge: true,
	minimumGameVersion: '2.0.28',
	mods: [
		{ name: 'boblogistics', listed: true, version: '2.0.4', dependencies: ['base >= 2.0.28', 'boblibrary >= 2.0.0'] },
		{ name: 'boblibrary', listed: false, version: '2.0.2', dependencies: [] },
	],
};

function verdictOf(dependencies: string[]): Verdict {
	const verdict = judgeRelease(set, { mod: 'boblogistics', version: '2.1.1', factorioVersion: '2.0', dependencies });
	if (!verdict) throw new Error('no verdict');
	return verdict;
}

describe('renderVerdictField', () => {
	it('does say compatible in one line when nothing changes for the server', () => {
		const field = renderVerdictField(set, verdictOf(['base >= 2.0.0', 'boblibrary']));
		expect(field).toEqual({
			name: 'For “main \\*server\\*” (Factorio 2.0)',
			value: '✅ Compatible: nothing else on this server changes.',
		});
	});

	it('does list the findings worst first under the headline, mod names escaped', () => {
		const field = renderVerdictField(set, verdictOf(['base >= 2.0.49', 'boblibrary >= 2.1.0', '! my_mod_x']));
		expect(field.value.split('\n')).toEqual([
			'⚠️ Needs action before updating',
			'• Needs Factorio 2.0.49 or newer (base >= 2.0.49); the set needed 2.0.28: update the server first.',
			'• Requires boblibrary >= 2.1.0; the set has boblibrary 2.0.2: update it too.',
		]);
		const blocked = renderVerdictField(set, verdictOf(['! boblibrary']));
		expect(blocked.value).toContain('⛔ Do not update this server yet');
	});

	it('does stay within a field value and say how many findings are left out when there are hundreds', () => {
		const many = Array.from({ length: 300 }, (_, i) => `needed_mod_${i} >= 1.0`);
		const field = renderVerdictField({ name: 'x'.repeat(300), factorioVersion: '2.0' }, verdictOf(many));
		expect(field.value.length).toBeLessThanOrEqual(LIMITS.fieldValue);
		expect(field.name.length).toBeLessThanOrEqual(LIMITS.fieldName);
		expect(field.value).toMatch(/… and \d+ more$/);
		const fitted = fitMessage({ embeds: [{ title: 'release', fields: [field] }], components: [] });
		expect(fitted.embeds[0]?.fields?.[0]).toEqual(field);
	});
});

describe('renderVerdictLine', () => {
	it('does give the worst finding and how many more, cut to its budget', () => {
		const line = renderVerdictLine('main', verdictOf(['base >= 2.0.49', 'boblibrary >= 2.1.0']));
		expect(line).toBe(
			'⚠️ main: Needs Factorio 2.0.49 or newer (base >= 2.0.49); the set needed 2.0.28: update the server first. (+1 more)',
		);
		expect(renderVerdictLine('main', verdictOf(['base >= 2.0.49']), 20).length).toBeLessThanOrEqual(20);
	});
});
