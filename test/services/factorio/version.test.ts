import { describe, expect, it } from 'vitest';
import { satisfiesVersion } from '../../../src/services/factorio/version.js';

describe('satisfiesVersion', () => {
	it('compares numerically part by part for each operator', () => {
		expect(satisfiesVersion('0.18.10', '>', '0.18.9')).toBe(true);
		expect(satisfiesVersion('1.1.0', '>=', '1.1')).toBe(true);
		expect(satisfiesVersion('1.1.0', '=', '1.1')).toBe(true);
		expect(satisfiesVersion('2.0.9', '<', '2.0.10')).toBe(true);
		expect(satisfiesVersion('2.0.10', '<=', '2.0.9')).toBe(false);
		expect(satisfiesVersion('2.9.1', '>=', '3.0')).toBe(false);
	});
});
