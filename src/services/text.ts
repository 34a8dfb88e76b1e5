/** Plain-text helpers shared by services and renderers: cutting text to a length without breaking it. */

/**
 * Cuts `text` to at most `max` UTF-16 code units, ending with `…` when cut. Never splits a surrogate pair.
 *
 * @param max - at least 1
 */
export function truncate(text: string, max: number): string {
	if (text.length <= max) return text;
	let cut = text.slice(0, Math.max(0, max - 1));
	if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
	return `${cut}…`;
}

/**
 * Cuts `text` to at most `max` characters at the end of a line, so no line is half-shown; when even the first line
 * is longer, it is cut with `…` like {@link truncate}.
 */
export function cutAtLine(text: string, max: number): string {
	if (text.length <= max) return text;
	const lineEnd = text.lastIndexOf('\n', max);
	return lineEnd > 0 ? text.slice(0, lineEnd).trimEnd() : truncate(text, max);
}
