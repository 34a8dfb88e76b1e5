import type { ModSummary } from '../src/services/portal/schemas.js';

/**
 * The baseline of issue 10: what the Factorio Discord's own bot does, a lowercased substring scan over every mod's
 * name and title, matches ranked by downloads. The names and titles are lowercased once and the mods visited in
 * download order, so an autocomplete stops at its limit and a search needs no sort: the fastest honest form of it.
 */
export class SubstringBaseline {
	private readonly order: readonly ModSummary[];
	private readonly haystacks: readonly string[];

	constructor(mods: readonly ModSummary[]) {
		this.order = mods.toSorted((a, b) => b.downloadsCount - a.downloadsCount);
		this.haystacks = this.order.map((mod) => `${mod.name.toLowerCase()}\n${mod.title.toLowerCase()}`);
	}

	/** The first `limit` mods (by downloads) whose name or title contains `query` ignoring case, and how many match. */
	match(query: string, limit: number): { mods: ModSummary[]; total: number } {
		const needle = query.trim().toLowerCase();
		const mods: ModSummary[] = [];
		if (needle === '') return { mods, total: 0 };
		let total = 0;
		this.haystacks.forEach((haystack, i) => {
			if (!haystack.includes(needle)) return;
			total++;
			const mod = this.order[i];
			if (mod && mods.length < limit) mods.push(mod);
		});
		return { mods, total };
	}

	/** The first `limit` mods (by downloads) whose name or title contains `query`, stopping as soon as it has them. */
	autocomplete(query: string, limit: number): ModSummary[] {
		const needle = query.trim().toLowerCase();
		const mods: ModSummary[] = [];
		if (needle === '') return this.order.slice(0, limit);
		for (let i = 0; i < this.haystacks.length && mods.length < limit; i++) {
			const mod = this.order[i];
			if (mod && this.haystacks[i]?.includes(needle)) mods.push(mod);
		}
		return mods;
	}
}
