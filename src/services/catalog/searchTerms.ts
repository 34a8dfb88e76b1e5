/**
 * The words a mod is found by, computed explicitly from the mod (no tokenizer callback that depends on the order
 * MiniSearch visits fields in), and the words of a query. Names, titles and owners are identifiers: kept as typed
 * (lowercased), split at separators and camelCase. Titles and summaries are also English: their words are reduced
 * to stems with the Porter2 ("Snowball English") stemmer of the `porter2` package
 * (https://snowballstem.org/algorithms/english/stemmer.html), so `warehouse` finds `Warehousing` and `trains` finds
 * `train`. Stems go to fields of their own, so an exact or prefix match of a name or title word still ranks first.
 */
import { stem } from 'porter2';
import type { ModSummary } from '../portal/schemas.js';

/** The MiniSearch fields of a mod (see {@link fieldTerms}). */
export const SEARCH_FIELDS = ['name', 'title', 'titleStems', 'summary'] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];

/** Everything a mod is found by. Every term is lowercase, without spaces. */
export interface ModTerms {
	/** Identifier terms of the name (see {@link identifierTerms}). */
	readonly name: readonly string[];
	/** Identifier terms of the title. */
	readonly title: readonly string[];
	/** Stems of the name's and title's words (see {@link stemsOf}). */
	readonly titleStems: readonly string[];
	/** Stems of the summary's words, stop words left out. */
	readonly summary: readonly string[];
	/** Identifier terms of the owner. */
	readonly owner: readonly string[];
	/** Initialisms of the name and title (see {@link initialismTerms}). */
	readonly initialisms: readonly string[];
}

/**
 * Words too common to help (in summaries and queries); `mod` and `mods` too, since nearly every summary says it.
 * Names and titles keep every word.
 */
const STOP_WORDS = new Set(
	'a an and are as at be by for from in into is it its of on or that the this to with you your will can mod mods'.split(
		' ',
	),
);

/** Whether `word` (lowercase) is a stop word: indexed in names and titles, optional in a query. */
export function isStopWord(word: string): boolean {
	return STOP_WORDS.has(word);
}

const ASCII = /^[\x20-\x7e]*$/;
const DIACRITICS = /\p{M}+/gu;
const APOSTROPHES = /['’`´]/g;
const NON_WORD = /[^\p{L}\p{N}]+/u;
const DIGITS = /^\p{N}+$/u;
const LETTERS = /^\p{Ll}+$/u;
const STARTS_WITH_LETTER = /^\p{L}/u;
const POSSESSIVE = /([\p{L}\p{N}]+)['’]s(?![\p{L}\p{N}])/gu;
// camelCase, PascalCase, ACRONYMWords and digit runs: `LTNEasier` -> LTN Easier, `Factorissimo2` -> Factorissimo 2.
const WORD_PARTS = /\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?\p{Ll}+|\p{Lu}+|\p{N}+|\p{L}+/gu;
// Title segments that carry their own initialism: `LTN - Logistic Train Network`, `Helmod: assistant ...`.
const TITLE_SEGMENT = /\s+[-–—|]\s+|[:()[\]{}|]/;
/** An agent noun or comparative: `planner`, `miner`, `loader`, `bigger`. */
const ER_ENDING = /ers?$/;
/** An adjective of a verb in `-ate`: `automatic`, `automatically`. */
const ATIC_ENDING = /atic(al(ly)?|ally)?$/;

/** Strips diacritics and apostrophes (`Bob's` -> `Bobs`, `Émile` -> `Emile`), keeping case. */
function normalize(text: string): string {
	const plain = ASCII.test(text) ? text : text.normalize('NFKD').replace(DIACRITICS, '');
	return plain.replace(APOSTROPHES, '');
}

/** The pieces of `text` between separators (spaces, `-`, `_`, punctuation), case kept. */
function chunksOf(text: string): string[] {
	return normalize(text)
		.split(NON_WORD)
		.filter((chunk) => chunk !== '');
}

function partsOf(chunk: string): string[] {
	return chunk.match(WORD_PARTS) ?? [chunk];
}

/**
 * `text` lowercased with every separator removed: the key that makes `squeak through`, `Squeak Through` and
 * `squeak-through` the same, used for "exact" name and title matches.
 */
export function compactKey(text: string): string {
	return chunksOf(text).join('').toLowerCase();
}

/** Terms of a name, title or owner: every chunk, its camelCase parts, and possessives without their `s`. */
export function identifierTerms(text: string): string[] {
	const terms = new Set<string>();
	// `Angel's` is indexed as `angels` (apostrophes dropped) and also as `angel`.
	for (const match of text.matchAll(POSSESSIVE)) if (match[1]) terms.add(normalize(match[1]).toLowerCase());
	for (const chunk of chunksOf(text)) {
		terms.add(chunk.toLowerCase());
		const parts = partsOf(chunk);
		// Digit runs alone (`2` of `Factorissimo2`) find nothing useful; the whole chunk keeps them.
		if (parts.length > 1) for (const part of parts) if (!DIGITS.test(part)) terms.add(part.toLowerCase());
	}
	return [...terms];
}

/** First letters of 3 to 4 words: two letters match far too much, and acronyms in use (LTN, RSO, FARL) are short. */
function initialism(words: readonly string[]): string | undefined {
	const letterWords = words.filter((word) => STARTS_WITH_LETTER.test(word));
	if (letterWords.length < 3 || letterWords.length > 4) return undefined;
	return letterWords.map((word) => word.charAt(0).toLowerCase()).join('');
}

/** `ltn` for `LogisticTrainNetwork` and `LTN - Logistic Train Network`, `rso` for `Resource Spawner Overhaul`. */
export function initialismTerms(mod: Pick<ModSummary, 'name' | 'title'>): string[] {
	const terms = new Set<string>();
	const add = (words: string[]) => {
		const letters = initialism(words);
		if (letters) terms.add(letters);
	};
	add(chunksOf(mod.name).flatMap(partsOf));
	add(chunksOf(mod.title));
	const segments = mod.title.split(TITLE_SEGMENT);
	if (segments.length > 1) for (const segment of segments) add(chunksOf(segment));
	return [...terms];
}

/** Porter2 applied until nothing changes: `warehouse` -> `warehous` -> `wareh`, the stem of `warehousing`. */
function stemToFixpoint(word: string): string {
	let current = word;
	for (let round = 0; round < 3; round++) {
		const next = stem(current);
		if (next === current) break;
		current = next;
	}
	return current;
}

/**
 * Stems of one lowercase word: its Porter2 stem (to a fixpoint), and for a word ending in `er`/`ers` that the
 * stemmer keeps (agent nouns and comparatives, which Porter2 leaves alone by design) also the stem of the verb or
 * adjective: `planner` -> `planner`, `plan` (as `planning`); `bigger` -> `bigger`, `big`; and for an adjective in
 * `-atic` the stem of its verb in `-ate`, which Porter2 stems differently: `automatic` -> `automat`, `autom` (as
 * `automated`). Words that are not
 * plain lowercase letters (`5dim`, `mk2`) are kept as they are. Words of 1 or 2 letters have no stem.
 */
export function stemsOf(word: string): readonly string[] {
	let stems = STEM_CACHE.get(word);
	if (!stems) {
		if (STEM_CACHE.size >= STEM_CACHE_SIZE) STEM_CACHE.clear();
		stems = computeStems(word);
		STEM_CACHE.set(word, stems);
	}
	return stems;
}

/** Stems of words seen lately: a catalogue has far fewer distinct words than words (about 1 in 8). */
const STEM_CACHE = new Map<string, readonly string[]>();
const STEM_CACHE_SIZE = 50_000;

function computeStems(word: string): readonly string[] {
	if (word.length < 3) return [];
	if (!LETTERS.test(word)) return [word];
	const base = stemToFixpoint(word);
	let verb: string | undefined;
	if (word.length >= 5 && ER_ENDING.test(word) && base.endsWith('er')) {
		verb = stemToFixpoint(word.replace(ER_ENDING, 'ing'));
	} else if (word.length >= 8 && ATIC_ENDING.test(word)) {
		verb = stemToFixpoint(word.replace(ATIC_ENDING, 'ate'));
	}
	return verb === undefined || verb === base || verb.length < 3 ? [base] : [base, verb];
}

/** Distinct stems of `words` (lowercase). */
function stemsOfWords(words: Iterable<string>): string[] {
	const stems = new Set<string>();
	for (const word of words) for (const term of stemsOf(word)) stems.add(term);
	return [...stems];
}

/** The lowercase camelCase parts of the words of a name or title: `LogisticTrainNetwork` -> logistic, train, network. */
function wordParts(text: string): string[] {
	return chunksOf(text).flatMap((chunk) => partsOf(chunk).map((part) => part.toLowerCase()));
}

/** The lowercase words of prose (a summary) that are not stop words. */
function proseWords(text: string): string[] {
	return chunksOf(text)
		.map((chunk) => chunk.toLowerCase())
		.filter((word) => !STOP_WORDS.has(word));
}

/**
 * The terms of one field of `mod` (see {@link ModTerms}): a pure function of the mod, whatever order the index
 * asks for fields in.
 */
export function fieldTerms(mod: ModSummary, field: SearchField): string[] {
	switch (field) {
		case 'name':
			return identifierTerms(mod.name);
		case 'title':
			return identifierTerms(mod.title);
		case 'titleStems':
			return stemsOfWords(wordParts(`${mod.name} ${mod.title}`));
		case 'summary':
			return stemsOfWords(proseWords(mod.summary));
	}
}

/** Every term of `mod` (see {@link ModTerms}); the same as {@link fieldTerms} field by field. */
export function modTerms(mod: ModSummary): ModTerms {
	return {
		name: identifierTerms(mod.name),
		title: identifierTerms(mod.title),
		titleStems: fieldTerms(mod, 'titleStems'),
		summary: fieldTerms(mod, 'summary'),
		owner: identifierTerms(mod.owner),
		initialisms: initialismTerms(mod),
	};
}

/** Query words: lowercased chunks. A camelCase word stays whole: it is a prefix of the camelCase name's own term. */
export function queryWords(query: string): string[] {
	return chunksOf(query).map((chunk) => chunk.toLowerCase());
}
