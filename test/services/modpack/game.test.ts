import { describe, expect, it } from 'vitest';
import { builtinAllows, minimumPatch, releaseFits } from '../../../src/services/modpack/game.js';
import { safeDownloadPath, safeFileName, isSafeModName } from '../../../src/services/modpack/modRecord.js';

describe('releaseFits', () => {
	it('fits a release to the same major.minor, and 0.18 releases to Factorio 1.0', () => {
		expect(releaseFits('2.0', { version: '2.0.28', spaceAge: true })).toBe(true);
		expect(releaseFits('2.0', { version: '2.1', spaceAge: true })).toBe(false);
		expect(releaseFits('0.18', { version: '1.0', spaceAge: false })).toBe(true);
		expect(releaseFits('0.18', { version: '1.1', spaceAge: false })).toBe(false);
		expect(releaseFits(undefined, { version: '2.0', spaceAge: true })).toBe(false);
	});
});

describe('builtinAllows', () => {
	it('checks base constraints against an exact version, or against any patch of a minor version', () => {
		expect(builtinAllows('base', '>=', '2.0.18', { version: '2.0.15', spaceAge: true })).toBe('version');
		expect(builtinAllows('base', '>=', '2.0.18', { version: '2.0', spaceAge: true })).toBe('ok');
		expect(builtinAllows('base', '>=', '2.1.0', { version: '2.0', spaceAge: true })).toBe('version');
		expect(builtinAllows('base', '<', '2.0.0', { version: '2.0', spaceAge: true })).toBe('version');
		expect(builtinAllows('base', '=', '1.1.110', { version: '1.1', spaceAge: false })).toBe('ok');
		expect(minimumPatch('>=', '2.0.18', { version: '2.0', spaceAge: true })).toBe('2.0.18');
		expect(minimumPatch('>', '2.0.18', { version: '2.0', spaceAge: true })).toBe('2.0.19');
	});

	it('knows the expansion needs Space Age and recycler needs 2.1', () => {
		expect(builtinAllows('space-age', undefined, undefined, { version: '2.0', spaceAge: false })).toBe('missing');
		expect(builtinAllows('quality', '>=', '2.0.0', { version: '2.0', spaceAge: true })).toBe('ok');
		expect(builtinAllows('recycler', undefined, undefined, { version: '2.0', spaceAge: true })).toBe('missing');
		expect(builtinAllows('recycler', '>=', '2.1.0', { version: '2.1', spaceAge: false })).toBe('ok');
		expect(builtinAllows('space-age', undefined, undefined, { version: '1.1', spaceAge: true })).toBe('missing');
	});
});

describe('what the install scripts may carry', () => {
	it('keeps safe file names and download paths and drops hostile ones', () => {
		expect(safeFileName('Squeak Through_1.2.2.zip')).toBe('Squeak Through_1.2.2.zip');
		for (const bad of [
			'../x_1.0.0.zip',
			'a/b_1.0.0.zip',
			'x$(reboot)_1.0.0.zip',
			"x'_1.0.0.zip",
			'x_1.0.0.exe',
			'x\n_1.zip',
		])
			expect(safeFileName(bad)).toBeUndefined();
		expect(safeDownloadPath('/download/Squeak Through/5a5f1ae6')).toBe('/download/Squeak%20Through/5a5f1ae6');
		expect(safeDownloadPath('/download/Squeak%20Through/5a5f1ae6')).toBe('/download/Squeak%20Through/5a5f1ae6');
		for (const bad of [
			'https://evil.example/download/x/1',
			'/download/../api/x',
			'/api/mods/x',
			'/download/x"/1',
			'/download/%ZZ/1',
		])
			expect(safeDownloadPath(bad)).toBeUndefined();
		expect(isSafeModName('Squeak Through')).toBe(true);
		expect(isSafeModName('x"; rm -rf /')).toBe(false);
	});
});
