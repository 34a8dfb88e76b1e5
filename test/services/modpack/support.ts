/**
 * In-memory release sources for resolver tests, built through the real schema (`ModFullSchema`) and
 * `modRecordFromDetails`, from the recorded 2024 dependency graph and from variants written here.
 */
import { ModFullSchema } from '../../../src/services/portal/schemas.js';
import { modRecordFromDetails } from '../../../src/services/modpack/modRecord.js';
import type { ModLookup, ReleaseSource } from '../../../src/services/modpack/releaseSource.js';
import { fixtureJson } from '../../support/fixtures.js';

type Raw = Record<string, unknown>;

let counter = 0;

/** A release in the portal's snake_case shape, with a valid file name, sha1 and download path. */
export function release(name: string, version: string, factorioVersion: string, dependencies: string[] = []): Raw {
	counter++;
	return {
		version,
		factorio_version: factorioVersion,
		download_url: `/download/${encodeURIComponent(name)}/${counter.toString(16).padStart(24, '0')}`,
		file_name: `${name}_${version}.zip`,
		sha1: counter.toString(16).padStart(40, '0'),
		released_at: new Date(Date.UTC(2024, 0, 1) + counter * 60_000).toISOString(),
		info_json: { factorio_version: factorioVersion, dependencies },
	};
}

/** A `/full` body with these releases (given oldest first, as the portal lists them). */
export function mod(name: string, releases: Raw[], extra: Raw = {}): Raw {
	return { name, title: name, owner: 'tester', summary: '', downloads_count: 1, releases, ...extra };
}

/** A source answering from raw `/full` bodies; records each `lookup` call's names. */
export class MemorySource implements ReleaseSource {
	readonly calls: string[][] = [];
	private readonly bodies = new Map<string, Raw>();

	constructor(bodies: Iterable<Raw>) {
		for (const body of bodies) this.bodies.set(String(body.name), body);
	}

	set(body: Raw): void {
		this.bodies.set(String(body.name), body);
	}

	delete(name: string): void {
		this.bodies.delete(name);
	}

	get(name: string): Raw | undefined {
		return this.bodies.get(name);
	}

	lookup(names: readonly string[]): Promise<Map<string, ModLookup>> {
		this.calls.push([...names]);
		const answers = new Map<string, ModLookup>();
		for (const name of names) {
			const body = this.bodies.get(name);
			if (!body) {
				answers.set(name, { kind: 'not_found' });
				continue;
			}
			const parsed = ModFullSchema.safeParse(body);
			answers.set(
				name,
				parsed.success
					? { kind: 'found', mod: modRecordFromDetails(parsed.data) }
					: { kind: 'failed', reason: 'the portal sent an unreadable answer' },
			);
		}
		return Promise.resolve(answers);
	}

	/** Distinct names asked for in all calls. */
	asked(): Set<string> {
		return new Set(this.calls.flat());
	}
}

interface GraphEntry {
	name: string;
	latest_release: { version: string; info_json: { factorio_version: string; dependencies?: string[] } };
}

/** The recorded 2024 graph's list entries (9,174 mods, every newest release marked Factorio 1.1). */
export function graphEntries(): Raw[] {
	const recorded = fixtureJson('portal/mods-deps-2024-08-26.json') as { results: Raw[] };
	return recorded.results;
}

/**
 * The 2024 graph as a source; `factorioVersion` rewrites every release's `factorio_version` (a 2.0 or 2.1 variant).
 */
export function graphSource(factorioVersion?: string): MemorySource {
	return new MemorySource(
		graphEntries().map((entry) => {
			const copy = structuredClone(entry) as unknown as GraphEntry & Raw;
			if (factorioVersion) copy.latest_release.info_json.factorio_version = factorioVersion;
			return copy;
		}),
	);
}

/** The required closure of `root` in the 2024 graph, computed straight from the fixture's names. */
export function graphClosure(root: string): Set<string> {
	const byName = new Map(graphEntries().map((e) => [String(e.name), e as unknown as GraphEntry]));
	const closure = new Set<string>();
	const stack = [root];
	while (stack.length > 0) {
		const name = stack.pop() ?? '';
		const entry = byName.get(name);
		if (closure.has(name) || !entry) continue;
		closure.add(name);
		for (const dependency of entry.latest_release.info_json.dependencies ?? []) {
			if (!dependency.startsWith('?')) stack.push(dependency);
		}
	}
	return closure;
}
