/**
 * Full-text index over the mod catalogue: MiniSearch 7 (https://lucaong.github.io/minisearch/; BM25+ over a radix
 * tree, prefix and Levenshtein fuzzy matching, field boosts) is the index and the scorer, over a mod's name and
 * title as typed, the English stems of its title and the stems of its summary (terms from searchTerms.ts); owners
 * and initialisms in plain tables beside it. The ranking rules (catalogue issue and issue 11): an exact name or
 * title first, then mods matching every descriptive word before those matching some, scored by MiniSearch with
 * name and title words above title stems above summary stems, times a mild popularity factor (downloads).
 *
 * FlexSearch 0.8 was compared with the same words and ranking rules (judged queries of
 * test/fixtures/catalog-search-judgements.json, 20,000 synthetic mods): several times faster per query (autocomplete
 * p99 0.24 ms against 1.5 ms), but its typo tolerance is phonetic only (`bottlneck`, `nanobtos`, `bobs logstics`
 * find nothing; 22 of 29 judged queries right against 29), its build was slower (1.3 s against 0.7 s) and its index
 * bigger (46 MB against 31 MB). MiniSearch meets the latency target with room to spare.
 */
import MiniSearch, { type Query, type SearchOptions, type SearchResult } from 'minisearch';
import type { ModSummary } from '../portal/schemas.js';
import {
	SEARCH_FIELDS,
	compactKey,
	identifierTerms,
	isStopWord,
	modTerms,
	queryWords,
	stemsOf,
	type ModTerms,
	type SearchField,
} from './searchTerms.js';

export { compactKey } from './searchTerms.js';

/** What a query is for; each mode trades recall against speed differently (see {@link ModSearchIndex.match}). */
export type SearchMode = 'search' | 'autocomplete' | 'suggest';

/**
 * Field boosts: a word of the name or title as typed (exactly or as a prefix) counts most, a stem of a title word
 * (`warehouse` for `Warehousing`) less, a stem of a summary word least, so the ranking rule "exact name or title >
 * title words > summary words > popularity" holds for one word; several words of a summary matched together still
 * beat one title word, since mods matching every word come first (see {@link ModSearchIndex.match}).
 */
const BOOST: Record<SearchField, number> = { name: 3, title: 3, titleStems: 1.5, summary: 0.7 };

/**
 * Popularity blended into relevance: score × (1 + downloads)^POPULARITY, so ×2 at 100 downloads, ×4 at 10,000,
 * ×8 at 1,000,000. Tuned on the recorded 2018 catalogue: judged queries (test/fixtures) and 913 rarely downloaded
 * mods searched by a word only their title has (0.15 keeps 893 of them first; 0.3 only about 850).
 */
const POPULARITY = 0.15;

/**
 * Scores of one query word found outside MiniSearch, before popularity, on the scale of its BM25 scores (a word of
 * a short title scores about 25 with the title boost): an owner word as a one-word field boosted 1.5 would
 * (13 in the 2018 catalogue; half for a prefix), an initialism 17.
 */
const OWNER_WORD_SCORE = 13;
const INITIALISM_SCORE = 17;

/** Weight of a stop word in a query that describes a mod (see {@link ModSearchIndex.match}). */
const OPTIONAL_WORD_BOOST = 0.3;

/** Stems at least this long are also matched as prefixes (`autom` of `automated` finds `automat` of `automatic`). */
const MIN_STEM_PREFIX = 5;

/** Query words shorter than this are matched as word starts from a small table, not expanded through the index. */
const MIN_INDEX_PREFIX = 3;

/** At most this many distinct words of a query count (they are tracked as bits). */
const MAX_QUERY_WORDS = 16;

/** Documents indexed per event-loop turn while building, so a rebuild never blocks commands for long. */
const BUILD_CHUNK = 2_000;

/** Allowed typos per word: none below 4 letters (too many false friends), 1 up to 7, 2 from 8. */
function typosFor(term: string): number {
	if (term.length < 4) return 0;
	return term.length < 8 ? 1 : 2;
}

/** Typos allowed when looking for "did you mean" names: 1 from 3 letters, 2 from 6, 3 from 10. */
function generousTyposFor(term: string): number {
	if (term.length < 3) return 0;
	if (term.length < 6) return 1;
	return term.length < 10 ? 2 : 3;
}

const RAW_FIELDS: SearchField[] = ['name', 'title'];
const SUGGEST_OPTIONS: SearchOptions = { fields: RAW_FIELDS, prefix: true, fuzzy: generousTyposFor, combineWith: 'OR' };
const stemPrefix = (term: string) => term.length >= MIN_STEM_PREFIX;

/**
 * Positions by key where most keys have one position (compact names and titles, initialisms): a single position is
 * kept as a number, several in an array, which saves an array per key (about 2 MB at 20,000 mods).
 */
class PositionsByKey {
	private readonly map = new Map<string, number | number[]>();

	/** Adds `position` under `key`; an empty key is ignored. */
	add(key: string, position: number): void {
		if (key === '') return;
		const known = this.map.get(key);
		if (known === undefined) this.map.set(key, position);
		else if (typeof known === 'number') this.map.set(key, [known, position]);
		else known.push(position);
	}

	/** The positions under `key`, in the order they were added. */
	get(key: string): readonly number[] {
		const known = this.map.get(key);
		if (known === undefined) return [];
		return typeof known === 'number' ? [known] : known;
	}
}

function insertByKey(map: Map<string, number[]>, key: string, position: number): void {
	if (key === '') return;
	const list = map.get(key);
	if (list) list.push(position);
	else map.set(key, [position]);
}

/** Positions in rank order without duplicates, up to a limit. */
class RankedPositions {
	readonly positions: number[] = [];
	private readonly seen = new Set<number>();

	constructor(private readonly limit: number) {}

	get full(): boolean {
		return this.positions.length >= this.limit;
	}

	add(position: number): void {
		if (this.full || this.seen.has(position)) return;
		this.seen.add(position);
		this.positions.push(position);
	}
}

/**
 * The candidates of one query, in buffers sized to the catalogue and reused by every query of an index (queries are
 * synchronous, so one set is enough): a matched mod costs no object, map entry or array slot of its own, which keeps
 * the garbage of an autocomplete small (about 16 bytes per mod of the catalogue, once).
 */
class Scratch {
	readonly score: Float64Array;
	/** Bits of the query words a candidate matched. */
	readonly words: Int32Array;
	/** Positions of the candidates of the current query, {@link Scratch.size} of them. */
	readonly touched: Int32Array;
	size = 0;
	private readonly stamp: Uint32Array;
	private readonly order: Int32Array;
	private generation = 0;

	constructor(mods: number) {
		this.score = new Float64Array(mods);
		this.words = new Int32Array(mods);
		this.touched = new Int32Array(mods);
		this.stamp = new Uint32Array(mods);
		this.order = new Int32Array(mods);
	}

	/** Forgets the candidates of the previous query. */
	start(): void {
		this.size = 0;
		this.generation++;
		if (this.generation > 0xffff_fff0) {
			this.stamp.fill(0);
			this.generation = 1;
		}
	}

	/** Makes the candidate at `position` have `score` and `words`, replacing what it had. */
	set(position: number, score: number, words: number): void {
		if (this.stamp[position] !== this.generation) {
			this.stamp[position] = this.generation;
			this.touched[this.size++] = position;
		}
		this.score[position] = score;
		this.words[position] = words;
	}

	/** Adds `score` and `words` to the candidate at `position`, or makes it one. */
	merge(position: number, score: number, words: number): void {
		if (this.stamp[position] !== this.generation) this.set(position, score, words);
		else {
			this.score[position] = (this.score[position] ?? 0) + score;
			this.words[position] = (this.words[position] ?? 0) | words;
		}
	}

	/**
	 * The best `limit` candidates: only those matching every word of `every` (bits) if there are any, else all;
	 * ordered by the number of words of `every` matched (most first), then score (highest first), then position.
	 * The answer is a view of a buffer that the next call overwrites.
	 */
	best(every: number, limit: number): Int32Array {
		const { order, words, score } = this;
		let full = 0;
		for (let i = 0; i < this.size; i++) if (((words[this.touched[i] ?? 0] ?? 0) & every) === every) full++;
		let count = 0;
		for (let i = 0; i < this.size; i++) {
			const position = this.touched[i] ?? 0;
			if (full === 0 || ((words[position] ?? 0) & every) === every) order[count++] = position;
		}
		const compare = (a: number, b: number) =>
			bitCount((words[b] ?? 0) & every) - bitCount((words[a] ?? 0) & every) ||
			(score[b] ?? 0) - (score[a] ?? 0) ||
			a - b;
		if (limit >= count) return order.subarray(0, count).sort(compare);
		// The top `limit` only, by insertion into a sorted prefix: no sort of every candidate.
		const keep = Math.max(0, Math.floor(limit));
		for (let i = 0; i < count; i++) {
			const position = order[i] ?? 0;
			let at = Math.min(i, keep);
			if (at === keep && (at === 0 || compare(position, order[at - 1] ?? 0) >= 0)) continue;
			while (at > 0 && compare(position, order[at - 1] ?? 0) < 0) {
				if (at < keep) order[at] = order[at - 1] ?? 0;
				at--;
			}
			order[at] = position;
		}
		return order.subarray(0, keep);
	}
}

interface OwnerEntry {
	readonly owner: string;
	readonly lower: string;
	/** The owner's words (see identifierTerms). */
	readonly parts: readonly string[];
	readonly positions: number[];
	downloads: number;
}

/** A mod matching some words of a query: its score and which words (bit i = word i). */
interface Candidate {
	score: number;
	words: number;
}

/**
 * The search index of one catalogue snapshot. Immutable once built: a refresh builds a new one and swaps it in.
 * Results are positions in the `mods` array the index was built from.
 */
export class ModSearchIndex {
	readonly mods: readonly ModSummary[];
	/** Positions ordered by downloads, most first (ties by name): the answer to an empty autocomplete. */
	readonly byDownloads: readonly number[];
	private readonly engine: MiniSearch<number>;
	private readonly popularity: Float64Array;
	private readonly byCompactName = new PositionsByKey();
	private readonly byCompactTitle = new PositionsByKey();
	/** Per mod: {@link compactKey} of its name. */
	private readonly compactNames: string[];
	/** Per mod: ` `-prefixed words of name, title, owner and initialisms. */
	private readonly words: string[];
	/** Initialism -> positions. */
	private readonly byInitialism = new PositionsByKey();
	/** Word starts shorter than {@link MIN_INDEX_PREFIX} -> positions, by downloads (most first). */
	private readonly byShortStart = new Map<string, Int32Array>();
	private readonly ownerList: readonly OwnerEntry[];
	/** Every word of every owner, sorted, and the index in ownerList of the owner each belongs to. */
	private readonly ownerWords: readonly string[];
	private readonly ownerWordEntries: Int32Array;
	/** While building: the terms of the mod being indexed, and word starts not yet sorted by downloads. */
	private lastTerms: { position: number; terms: ModTerms } | undefined;
	private pendingStarts = new Map<string, number[]>();
	/** Candidate buffers of {@link ModSearchIndex.rank}, made at the first query. */
	private scratchBuffers: Scratch | undefined;

	private constructor(mods: readonly ModSummary[]) {
		this.mods = mods;
		this.engine = new MiniSearch<number>({
			fields: [...SEARCH_FIELDS],
			idField: 'id',
			// Documents are positions in `mods`: every field "value" is the position, and tokenize reads the terms of
			// the mod there (modTerms, computed once per mod for all fields; see termsAt).
			extractField: (position) => position,
			stringifyField: (position) => String(position),
			// MiniSearch only reads the list it is given.
			tokenize: (position, field) => (this.termsAt(Number(position))?.[field as SearchField] ?? []) as string[],
			processTerm: (term) => term,
			searchOptions: {
				boost: BOOST,
				tokenize: queryWords,
				processTerm: (term) => term,
				boostDocument: (position: number) => this.popularity[position] ?? 1,
			},
		});
		this.popularity = new Float64Array(mods.length);
		this.words = new Array<string>(mods.length).fill('');
		this.compactNames = new Array<string>(mods.length).fill('');
		const owners = new Map<string, OwnerEntry>();
		mods.forEach((mod, position) => {
			this.popularity[position] = (1 + Math.max(0, mod.downloadsCount)) ** POPULARITY;
			const compactName = compactKey(mod.name);
			this.compactNames[position] = compactName;
			this.byCompactName.add(compactName, position);
			this.byCompactTitle.add(compactKey(mod.title), position);
			if (mod.owner !== '') {
				let entry = owners.get(mod.owner);
				if (!entry) {
					const lower = mod.owner.toLowerCase();
					entry = { owner: mod.owner, lower, parts: identifierTerms(mod.owner), positions: [], downloads: 0 };
					owners.set(mod.owner, entry);
				}
				entry.positions.push(position);
				entry.downloads += mod.downloadsCount;
			}
		});
		this.byDownloads = mods.map((_, position) => position).sort((a, b) => this.compareDownloads(a, b));
		this.ownerList = [...owners.values()].sort((a, b) => b.downloads - a.downloads || a.lower.localeCompare(b.lower));
		const ownerWords = this.ownerList
			.flatMap((entry, i) => entry.parts.map((part): [string, number] => [part, i]))
			.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
		this.ownerWords = ownerWords.map(([part]) => part);
		this.ownerWordEntries = Int32Array.from(ownerWords, ([, i]) => i);
	}

	/**
	 * Builds the index of `mods` (positions are indices into that array), yielding to the event loop every
	 * {@link BUILD_CHUNK} mods. About 1 s for 20,000 mods (bench/catalog.ts).
	 */
	static async build(mods: readonly ModSummary[]): Promise<ModSearchIndex> {
		const index = new ModSearchIndex(mods);
		await index.engine.addAllAsync(
			mods.map((_, position) => position),
			{ chunkSize: BUILD_CHUNK },
		);
		index.finish();
		return index;
	}

	/** Same as {@link ModSearchIndex.build} without yielding, for small catalogues and benchmarks. */
	static buildSync(mods: readonly ModSummary[]): ModSearchIndex {
		const index = new ModSearchIndex(mods);
		index.engine.addAll(mods.map((_, position) => position));
		index.finish();
		return index;
	}

	/**
	 * {@link modTerms} of the mod at `position`, computed once for all its fields (MiniSearch asks for them one
	 * after another), and recorded in the side tables the first time.
	 */
	private termsAt(position: number): ModTerms | undefined {
		if (this.lastTerms?.position === position) return this.lastTerms.terms;
		const mod = this.mods[position];
		if (!mod) return undefined;
		const terms = modTerms(mod);
		this.lastTerms = { position, terms };
		if (this.words[position] === '') {
			for (const letters of terms.initialisms) this.byInitialism.add(letters, position);
			const words = [...terms.name, ...terms.title, ...terms.owner, ...terms.initialisms];
			this.words[position] = ' ' + words.join(' ');
			const starts = new Set<string>();
			for (const word of words) {
				for (let length = 1; length < MIN_INDEX_PREFIX && length <= word.length; length++) {
					starts.add(word.slice(0, length));
				}
			}
			for (const start of starts) insertByKey(this.pendingStarts, start, position);
		}
		return terms;
	}

	/** Sorts the word-start lists by downloads once every mod is indexed. */
	private finish(): void {
		this.lastTerms = undefined;
		const rank = new Int32Array(this.mods.length);
		this.byDownloads.forEach((position, i) => (rank[position] = i));
		for (const [start, positions] of this.pendingStarts) {
			this.byShortStart.set(
				start,
				Int32Array.from(positions).sort((a, b) => (rank[a] ?? 0) - (rank[b] ?? 0)),
			);
		}
		this.pendingStarts = new Map();
	}

	private compareDownloads(a: number, b: number): number {
		const modA = this.mods[a];
		const modB = this.mods[b];
		if (!modA || !modB) return 0;
		return modB.downloadsCount - modA.downloadsCount || (modA.name < modB.name ? -1 : modA.name > modB.name ? 1 : 0);
	}

	/**
	 * Positions of the mods matching `query`, best first, at most `limit`: mods whose name equals the query
	 * (ignoring case and separators), then those whose title does, then by relevance × popularity. An empty query
	 * matches nothing here (callers decide what "no query" lists).
	 *
	 * Every word must match (else as many as possible, more words before fewer): by prefix in the name, title,
	 * owner or initialisms, or by its English stem (see searchTerms.ts) among the stems of the title; in `search`
	 * mode also among the stems of the summary. Typos are tolerated (1 from 4 letters, 2 from 8) only in words that
	 * match nothing as typed. Words of one or two letters must start a word of the name, title, owner or
	 * initialisms; a query of only such words lists mods by downloads. A search of two or more words that are not
	 * stop words describes a mod: its words of one or two letters are left out, and its stop words (`the`, `of`,
	 * `mod`) are optional, matched as typed in names and titles at a low weight.
	 * - `search`: for the search command; includes summaries.
	 * - `autocomplete`: while typing; names, titles, owners and initialisms only.
	 * - `suggest`: "did you mean": names and titles, more typos, any word.
	 */
	match(query: string, mode: SearchMode, limit = Number.POSITIVE_INFINITY): number[] {
		const key = compactKey(query);
		if (key === '' || limit <= 0) return [];
		const ranked = new RankedPositions(limit);
		const byDownloads = (a: number, b: number) => this.compareDownloads(a, b);
		for (const position of this.byCompactName.get(key).toSorted(byDownloads)) ranked.add(position);
		for (const position of this.byCompactTitle.get(key).toSorted(byDownloads)) ranked.add(position);

		// A search of two or more words that are not stop words describes a mod (`enemy ai tactics for biters`):
		// its words of one or two letters (abbreviations no name starts with) are left out. Otherwise every word
		// counts, and a short one narrows a name being typed (`bobs l`, `the fa`).
		const all = queryWords(query);
		const content = all.filter((term) => term.length >= MIN_INDEX_PREFIX && !isStopWord(term));
		const describes = mode === 'search' && new Set(content).size >= 2;
		// Its stop words are optional: they add to the score of a title that has them (`power and arm`), no more.
		const terms = describes ? all.filter((term) => term.length >= MIN_INDEX_PREFIX) : all;
		const long = [...new Set(terms.filter((term) => term.length >= MIN_INDEX_PREFIX))].slice(0, MAX_QUERY_WORDS);
		const needles =
			mode === 'suggest' || describes ? [] : terms.filter((t) => t.length < MIN_INDEX_PREFIX).map((t) => ' ' + t);
		if (long.length === 0) {
			for (const position of this.byShortStart.get(needles[0]?.slice(1) ?? '') ?? []) {
				if (ranked.full) break;
				if (this.startsWords(position, needles)) ranked.add(position);
			}
			return ranked.positions;
		}
		if (mode === 'suggest') {
			for (const result of this.engine.search(long.join(' '), SUGGEST_OPTIONS)) ranked.add(result.id as number);
			return ranked.positions;
		}
		const optional = describes ? new Set(long.filter(isStopWord)) : new Set<string>();
		for (const position of this.rank(long, needles, mode === 'search', optional, limit)) {
			if (ranked.full) break;
			ranked.add(position);
		}
		return ranked.positions;
	}

	private get scratch(): Scratch {
		this.scratchBuffers ??= new Scratch(this.mods.length);
		return this.scratchBuffers;
	}

	/** Scores mods for the distinct `words` (each ≥ MIN_INDEX_PREFIX letters); see {@link ModSearchIndex.match}. */
	private rank(
		words: readonly string[],
		needles: readonly string[],
		withSummaries: boolean,
		optional: ReadonlySet<string>,
		limit: number,
	): Int32Array {
		// Bits of the query words each MiniSearch query term (a word as typed, or one of its stems) stands for.
		const bits = new Map<string, number>();
		const stems = new Set<string>();
		words.forEach((word, i) => {
			bits.set(word, (bits.get(word) ?? 0) | (1 << i));
			if (optional.has(word)) return;
			for (const term of stemsOf(word)) {
				stems.add(term);
				bits.set(term, (bits.get(term) ?? 0) | (1 << i));
			}
		});
		let every = 0;
		words.forEach((word, i) => {
			if (!optional.has(word)) every |= 1 << i;
		});
		// An optional word is matched as typed in names and titles only, and weighs little.
		const raw: SearchOptions = {
			fields: RAW_FIELDS,
			prefix: (term) => !optional.has(term),
			boostTerm: (term) => (optional.has(term) ? OPTIONAL_WORD_BOOST : 1),
		};
		const stemFields: SearchField[] = withSummaries ? ['titleStems', 'summary'] : ['titleStems'];
		const query = (fuzzy: SearchOptions['fuzzy']): Query => ({
			combineWith: 'OR',
			queries: [
				{ ...raw, queries: [words.join(' ')], fuzzy },
				{ queries: [[...stems].join(' ')], fields: stemFields, prefix: stemPrefix },
			],
		});
		const side = this.sideMatches(words, needles);

		// Candidates live in the scratch buffers (see Scratch): no object per matched mod.
		const scratch = this.scratch;
		const collect = (results: readonly SearchResult[]) => {
			scratch.start();
			for (const result of results) {
				const position = result.id as number;
				if (!this.startsWords(position, needles)) continue;
				let found = 0;
				for (const term of result.queryTerms) found |= bits.get(term) ?? 0;
				scratch.set(position, result.score, found);
			}
			for (const [position, extra] of side) scratch.merge(position, extra.score, extra.words);
		};

		collect(this.engine.search(query(false)));
		let matched = 0;
		for (let i = 0; i < scratch.size; i++) matched |= scratch.words[scratch.touched[i] ?? 0] ?? 0;
		if (matched !== every) {
			// Typo tolerance only for words that match nothing as typed: a word that exists is meant as typed, and
			// the fuzzy walk of the whole term tree is the most expensive part of a query.
			const fuzzy = (term: string) => ((matched & (bits.get(term) ?? 0)) === 0 ? typosFor(term) : 0);
			collect(this.engine.search(query(fuzzy)));
		}
		// Only the mods matching every word if there are any; else those matching more of the words first.
		return scratch.best(every, limit);
	}

	/**
	 * Matches outside MiniSearch, scored with popularity: owners with a word equal to (or, at half the score,
	 * starting with) a query word, and initialisms equal to a query word. Only mods passing `needles` count.
	 */
	private sideMatches(words: readonly string[], needles: readonly string[]): Map<number, Candidate> {
		const found = new Map<number, Candidate>();
		const add = (position: number, bit: number, score: number) => {
			if (!this.startsWords(position, needles)) return;
			const weighted = score * (this.popularity[position] ?? 1);
			const candidate = found.get(position);
			if (!candidate) found.set(position, { score: weighted, words: bit });
			else if ((candidate.words & bit) === 0) {
				candidate.score += weighted;
				candidate.words |= bit;
			}
		};
		words.forEach((word, i) => {
			for (const position of this.byInitialism.get(word)) add(position, 1 << i, INITIALISM_SCORE);
		});
		words.forEach((word, i) => {
			const scores = new Map<OwnerEntry, number>();
			for (let at = lowerBound(this.ownerWords, word); at < this.ownerWords.length; at++) {
				const part = this.ownerWords[at] ?? '';
				if (!part.startsWith(word)) break;
				const entry = this.ownerList[this.ownerWordEntries[at] ?? -1];
				const score = part === word ? OWNER_WORD_SCORE : OWNER_WORD_SCORE / 2;
				if (entry && score > (scores.get(entry) ?? 0)) scores.set(entry, score);
			}
			for (const [entry, score] of scores) for (const position of entry.positions) add(position, 1 << i, score);
		});
		return found;
	}

	/** Whether every one of `needles` (` `-prefixed word starts) starts a word of the name, title, owner or initialisms. */
	private startsWords(position: number, needles: readonly string[]): boolean {
		if (needles.length === 0) return true;
		const words = this.words[position] ?? '';
		for (const needle of needles) if (!words.includes(needle)) return false;
		return true;
	}

	/**
	 * Owner names for autocomplete, at most `limit`: owners equal to `query` (ignoring case) first, then those
	 * starting with it, then those with a word starting with it or containing it, then those within one typo of
	 * its start; each group ordered by the owner's total downloads. An empty query lists the owners with most
	 * downloads.
	 */
	owners(query: string, limit: number): string[] {
		const needle = query.trim().toLowerCase();
		const exact: string[] = [];
		const starts: string[] = [];
		const contains: string[] = [];
		const typo: string[] = [];
		for (const entry of this.ownerList) {
			if (starts.length >= limit) break;
			if (entry.lower === needle) exact.push(entry.owner);
			else if (entry.lower.startsWith(needle)) starts.push(entry.owner);
			else if (entry.parts.some((part) => part.startsWith(needle)) || entry.lower.includes(needle)) {
				contains.push(entry.owner);
			} else if (needle.length >= 3 && typo.length < limit && startsWithinOneTypo(entry.lower, needle)) {
				typo.push(entry.owner);
			}
		}
		return [...exact, ...starts, ...contains, ...typo].slice(0, limit);
	}

	/**
	 * The mods closest to `text` for a "did you mean" answer, at most `limit`: names within one typo of `text`
	 * ignoring case and separators (`squeakthrogh` -> `Squeak Through`), then the {@link ModSearchIndex.match} of
	 * mode `suggest`, then names within more typos (2 from 6 letters, 3 from 10).
	 */
	closest(text: string, limit: number): number[] {
		const key = compactKey(text);
		if (key === '' || limit <= 0) return [];
		const max = generousTyposFor(key);
		const near: { position: number; distance: number }[] = [];
		this.compactNames.forEach((name, position) => {
			if (Math.abs(name.length - key.length) > max) return;
			const distance = editDistance(key, name, max);
			if (distance <= max) near.push({ position, distance });
		});
		near.sort((a, b) => a.distance - b.distance || this.compareDownloads(a.position, b.position));
		const ranked = new RankedPositions(limit);
		for (const { position, distance } of near) if (distance <= 1) ranked.add(position);
		for (const position of this.match(text, 'suggest', limit)) ranked.add(position);
		for (const { position } of near) ranked.add(position);
		return ranked.positions;
	}
}

/** Number of bits set in `value` (a 32-bit integer). */
function bitCount(value: number): number {
	let bits = value - ((value >>> 1) & 0x55555555);
	bits = (bits & 0x33333333) + ((bits >>> 2) & 0x33333333);
	return (((bits + (bits >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** The first index of sorted `list` whose item is not below `item` (binary search). */
function lowerBound(list: readonly string[], item: string): number {
	let low = 0;
	let high = list.length;
	while (low < high) {
		const middle = (low + high) >>> 1;
		if ((list[middle] ?? '') < item) low = middle + 1;
		else high = middle;
	}
	return low;
}

/** Whether `needle` is within one typo of the start of `text` (a prefix one letter shorter, as long, or longer). */
function startsWithinOneTypo(text: string, needle: string): boolean {
	for (let length = needle.length - 1; length <= needle.length + 1; length++) {
		if (length <= text.length && editDistance(needle, text.slice(0, length), 1) <= 1) return true;
	}
	return false;
}

/**
 * Optimal string alignment distance (Levenshtein plus swaps of neighbours) between `a` and `b`, or `max + 1` as
 * soon as it must exceed `max`.
 */
export function editDistance(a: string, b: string, max: number): number {
	if (Math.abs(a.length - b.length) > max) return max + 1;
	let before = new Uint16Array(b.length + 1);
	let previous = new Uint16Array(b.length + 1).map((_, j) => j);
	let current = new Uint16Array(b.length + 1);
	for (let i = 1; i <= a.length; i++) {
		current[0] = i;
		let rowMin = i;
		for (let j = 1; j <= b.length; j++) {
			const cost = a[i - 1] === b[j - 1] ? 0 : 1;
			let value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
			if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
				value = Math.min(value, (before[j - 2] ?? 0) + 1);
			}
			current[j] = value;
			if (value < rowMin) rowMin = value;
		}
		if (rowMin > max) return max + 1;
		[before, previous, current] = [previous, current, before];
	}
	return Math.min(previous[b.length] ?? max + 1, max + 1);
}
