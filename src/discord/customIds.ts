/**
 * Custom ids of the bot's message components: how a button or menu names the handler and the state it needs, so
 * pages keep working across restarts (Discord docs, "Message Components": custom_id, at most 100 characters).
 * Routing (`interactions.ts`) matches the prefixes; the handlers decode the rest.
 */
import { SORT_LABELS, type SearchPageIds, type SearchState } from '../render/searchPage.js';
import { LIMITS } from '../render/limits.js';

/** Custom id prefix of the Previous/Next buttons and the select menu of search results. */
export const SEARCH_PAGE_ID = 'mod:page';
/** Custom id of the search results' select menu that opens a mod's info. */
export const SEARCH_OPEN_ID = 'mod:open';

/**
 * Encodes search state into a button custom id (≤ 100 characters, Discord docs "Message Components"):
 * `mod:page|page|sort|version|category|query`. The query is cut to fit.
 */
export function encodeSearchState(state: SearchState): string {
	const head = [SEARCH_PAGE_ID, String(state.page), state.sort, state.factorioVersion ?? '', state.category ?? ''].join(
		'|',
	);
	return `${head}|${state.query}`.slice(0, LIMITS.customId);
}

/** The inverse of {@link encodeSearchState}; undefined when the id is not a search page id. */
export function decodeSearchState(customId: string): SearchState | undefined {
	const parts = customId.split('|');
	if (parts[0] !== SEARCH_PAGE_ID || parts.length < 6) return undefined;
	const [, page, sort, factorioVersion, category] = parts;
	const query = parts.slice(5).join('|');
	if (!sort || !(sort in SORT_LABELS)) return undefined;
	return {
		query,
		page: Math.max(1, Number.parseInt(page ?? '1', 10) || 1),
		sort: sort as SearchState['sort'],
		factorioVersion: factorioVersion || undefined,
		category: category || undefined,
	};
}

/** The custom ids of the search page showing `state` (any page). */
export function searchPageIds(state: SearchState): SearchPageIds {
	return { open: SEARCH_OPEN_ID, page: (page) => encodeSearchState({ ...state, page }) };
}
