import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/render/limits.js';
import { refusedModpackText, renderModpackList, renderSavedModpack } from '../../src/render/savedModpacks.js';
import type { Problem } from '../../src/services/modpack/problems.js';
import type { SavedModpack } from '../../src/services/modpack/savedModpacks.js';

function bigSet(mods: number): SavedModpack {
	return {
		id: 'abcdefgh',
		guildId: '1',
		name: 'big_set',
		factorioVersion: '2.0',
		spaceAge: true,
		recommended: true,
		minimumGameVersion: '2.0.28',
		createdBy: '2',
		createdAt: 0,
		updatedBy: '2',
		updatedAt: Date.UTC(2026, 0, 1),
		mods: Array.from({ length: mods }, (_, i) => ({
			name: `mod_${String(i).padStart(4, '0')}_${'x'.repeat(60)}`,
			listed: i % 3 === 0,
			version: '1.2.3',
			dependencies: [],
		})),
	};
}

describe('the saved-set answers', () => {
	it('does fit a refusal with hundreds of problems into one message, saying how many are left out', () => {
		const problems: Problem[] = Array.from({ length: 400 }, (_, i) => ({
			kind: 'unknown_mod',
			name: `missing_mod_${i}`,
			suggestions: ['a', 'b', 'c'],
		}));
		const text = refusedModpackText('main', problems);
		expect(text.length).toBeLessThanOrEqual(LIMITS.messageContent);
		expect(text).toMatch(/^Not saved: the set \*\*main\*\* cannot go on a server/);
		expect(text).toContain('• missing\\_mod\\_0 is not on the mod portal.');
		expect(text).toMatch(/… and \d+ more$/);
	});

	it('does keep a saved set of 1,000 mods within the embed limits, escaping names', () => {
		const message = renderSavedModpack(bigSet(1_000), 'created');
		expect(message.content).toBe('Saved the set **big\\_set**: 1000 mods for Factorio 2.0, Space Age on.');
		const embed = message.embeds[0];
		expect(embed?.description).toContain('The server needs at least Factorio 2.0.28.');
		for (const field of embed?.fields ?? []) expect(field.value.length).toBeLessThanOrEqual(LIMITS.fieldValue);
		expect(embed?.fields?.[0]?.name).toBe('Listed mods (334)');
		expect(embed?.fields?.[0]?.value).toMatch(/… and \d+ more$/);
		expect(message.allowedMentions).toEqual({ parse: [] });
	});

	it('does say how to save one when the server has none', () => {
		expect(renderModpackList([], 25).content).toContain('This server has no saved mod sets. Save one with');
	});
});
