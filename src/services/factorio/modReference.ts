/**
 * Turns what a user typed for a mod into an internal name candidate: the name itself (trimmed), or the name inside a
 * pasted portal link such as `https://mods.factorio.com/mod/Squeak%20Through?from=search`,
 * `mods.factorio.com/mod/flib/changelog` or `/mod/flib` (portal-api.md, "Base URLs"). Percent-escapes are decoded;
 * a malformed escape is kept as typed.
 *
 * @returns the candidate name; an empty string when the input holds nothing usable.
 */
export function modNameFromInput(input: string): string {
	const text = input.trim().replace(/^<(.*)>$/, '$1');
	const match = /^(?:https?:\/\/)?(?:[\w.-]*factorio\.com|[\w.-]+(?::\d+)?)?\/mods?\/([^/?#]+)/i.exec(text);
	const raw = match?.[1] ?? text;
	try {
		return decodeURIComponent(raw).trim();
	} catch {
		return raw.trim();
	}
}
