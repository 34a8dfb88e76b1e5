/**
 * Factorio and mod versions: the one place that compares them.
 *
 * Source: the Factorio wiki, "Tutorial:Mod structure" (info.json `version`: "number.number.number", each part
 * 0-65535; `factorio_version`: "major.minor") and portal-api.md ("info.json dependencies"). Real portal data holds
 * junk now and then (`v1.2-beta`, empty strings), so every function here tolerates it and never throws.
 */

function versionNumbers(version: string): number[] | undefined {
	const match = /\d+(?:\.\d+)*/.exec(version);
	return match ? match[0].split('.').map(Number) : undefined;
}

/** True when `version` holds at least one number (`1.2`, `v3`), so comparing it numerically means something. */
export function hasVersionNumber(version: string): boolean {
	return versionNumbers(version) !== undefined;
}

/**
 * Compares two versions numerically part by part (`0.18.10` > `0.18.9`, `1.0` = `1.0.0`).
 *
 * Junk is tolerated: the first run of dotted digits counts (`v1.2-beta` reads as `1.2`); a version without any
 * digit sorts below every numeric one, and two such versions compare as strings.
 *
 * @returns a negative number when `a` < `b`, 0 when equal, a positive number when `a` > `b`.
 */
export function compareVersions(a: string, b: string): number {
	const left = versionNumbers(a);
	const right = versionNumbers(b);
	if (!left || !right) {
		if (left) return 1;
		if (right) return -1;
		return a < b ? -1 : a > b ? 1 : 0;
	}
	const length = Math.max(left.length, right.length);
	for (let index = 0; index < length; index++) {
		const difference = (left[index] ?? 0) - (right[index] ?? 0);
		if (difference !== 0) return difference < 0 ? -1 : 1;
	}
	return 0;
}

/** {@link compareVersions} reversed, for sorting newest first. */
export function compareVersionsDesc(a: string, b: string): number {
	return compareVersions(b, a);
}

/**
 * The `major.minor` part of a `factorio_version` (`0.17.45` -> `0.17`, `2.0` -> `2.0`); undefined when absent.
 * A value without two numeric parts is returned trimmed, as it is.
 */
export function factorioMinor(version: string | undefined): string | undefined {
	if (!version) return undefined;
	const match = /^(\d+)\.(\d+)/.exec(version.trim());
	return match ? `${match[1]}.${match[2]}` : version.trim();
}

/** A version comparison operator of an info.json dependency (portal-api.md, "info.json dependencies"). */
export type VersionOperator = '<' | '<=' | '=' | '>=' | '>';

/**
 * Whether `version` satisfies `operator wanted`, comparing numerically part by part with {@link compareVersions}
 * (`1.1.0 >= 1.1` holds, `0.18.10 > 0.18.9` holds). Source: the Factorio wiki, "Tutorial:Mod structure"
 * (dependencies: `<`, `<=`, `=`, `>=`, `>`). Never throws.
 */
export function satisfiesVersion(version: string, operator: VersionOperator, wanted: string): boolean {
	const order = compareVersions(version, wanted);
	switch (operator) {
		case '<':
			return order < 0;
		case '<=':
			return order <= 0;
		case '=':
			return order === 0;
		case '>=':
			return order >= 0;
		case '>':
			return order > 0;
	}
}
