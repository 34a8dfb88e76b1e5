/*
 * Hostile variants of recorded portal data, for the render tests and the fake portal: every portal field a mod owner
 * controls, made as long, empty, malformed or malicious as the portal lets it be (portal-api.md: "any field may be
 * missing, of another type, huge or hostile"). Built from the recorded `/full` body
 * `portal/mod-full-anonymized-2022.json` and the recorded changelogs; nothing is copied into the project.
 */
import { fixtureJson, fixtureText } from './fixtures.js';

type Raw = Record<string, unknown>;

/** One hostile `/full` body (snake_case, as the portal sends it) and what it tries. */
export interface HostileMod {
	/** What the variant attacks, e.g. `title-empty`. */
	label: string;
	/** The mod's internal name (also `body.name`). */
	name: string;
	body: Raw;
}

/** Right-to-left override, isolates, marks: reorder what is shown around them. */
export const BIDI = '\u202E\u2066\u2067\u2068\u2069\u202A\u202B\u202C\u202D\u200E\u200F\u061C';
/** Zero-width and invisible characters. */
export const ZERO_WIDTH = '\u200B\u200C\u200D\u2060\uFEFF\u00AD\u3164\u2800';
/** Markdown that must show as text: links to `javascript:`/`data:`, fences, mentions, headings, quotes. */
export const HOSTILE_MARKDOWN = [
	'[click me](javascript:alert(1)) and [x](data:text/html,<script>alert(1)</script>)',
	'[ok](https://mods.factorio.com)[bad](javascript:alert(2))',
	'```js',
	'unclosed fence @everyone @here <@&123456789012345678> <#123456789012345678> <t:0:R>',
	'# Heading',
	'-# subtext',
	'> quote',
	'1. numbered',
	'- bullet **bold** __underline__ ~~strike~~ ||spoiler|| `code` \\[escaped](javascript:alert(3))',
	'<javascript:alert(4)>',
].join('\n');

const DASHES = '-'.repeat(99);

function baseBody(): Raw {
	return structuredClone(fixtureJson('portal/mod-full-anonymized-2022.json')) as Raw;
}

function release(version: string, extra: Raw = {}): Raw {
	return {
		version,
		released_at: '2025-03-04T05:06:07.000Z',
		download_url: `/download/x/${version.length}`,
		file_name: `x_${version.slice(0, 10)}.zip`,
		sha1: '0'.repeat(40),
		info_json: { factorio_version: '2.0', dependencies: ['base >= 2.0.0'] },
		...extra,
	};
}

function section(version: string, body: string): string {
	return `${DASHES}\nVersion: ${version}\nDate: 2025-03-04\n${body}\n`;
}

/** A changelog.txt section whose entries carry hostile markdown, bidi and zero-width characters and a huge entry. */
function hostileChangelog(version: string): string {
	const entries = [
		...HOSTILE_MARKDOWN.split('\n').map((line) => `    - ${line}`),
		`    - ${BIDI}reversed${ZERO_WIDTH}text`,
		`    - ${'y'.repeat(10_000)}`,
		'    - continued entry',
		'      - sub item [x](javascript:alert(5))',
	].join('\n');
	return section(version, `  Bugfixes:\n${entries}\n  [Category](javascript:alert(6)):\n    - x`);
}

const DEPENDENCY_PREFIXES = ['', '? ', '(?) ', '! ', '~ ', '+ '];

/** 1,000 dependency strings of every kind, with long names and versions. */
function manyDependencies(): string[] {
	return Array.from({ length: 1000 }, (_, i) => {
		const prefix = DEPENDENCY_PREFIXES[i % DEPENDENCY_PREFIXES.length] ?? '';
		return `${prefix}dependency-with-a-rather-long-name-${i}${'_'.repeat(i % 40)} >= ${i}.${i}.${i}`;
	});
}

/**
 * The hostile variants, each a complete `/full` body with its own name (`hostile-{label}`, except the variant of a
 * 200-character name).
 */
export function hostileMods(): HostileMod[] {
	const gameChangelog = fixtureText('changelogs/base-game-2.1.12.txt');
	const variants: [string, (body: Raw) => void][] = [
		['title-empty', (b) => (b.title = '')],
		['title-invisible', (b) => (b.title = `${BIDI}${ZERO_WIDTH}`)],
		['title-300', (b) => (b.title = 'A very long mod title '.repeat(14).slice(0, 300))],
		['title-markdown', (b) => (b.title = '**[Free](javascript:alert(1))** `x` @everyone ||s|| _i_')],
		['summary-markdown', (b) => (b.summary = HOSTILE_MARKDOWN)],
		['summary-huge', (b) => (b.summary = 'x'.repeat(100_000))],
		['summary-lines', (b) => (b.summary = 'line\n'.repeat(5_000))],
		[
			'bidi',
			(b) => {
				b.title = `${BIDI}Reversed title${ZERO_WIDTH}`;
				b.summary = `${BIDI}summary${ZERO_WIDTH}\u0000\u0007\u001b[31m`;
				b.owner = `${BIDI}owner${ZERO_WIDTH}`;
			},
		],
		[
			'source-javascript',
			(b) => {
				b.source_url = 'javascript:alert(1)';
				b.homepage = 'data:text/html,<script>alert(1)</script>';
			},
		],
		[
			'source-relative',
			(b) => {
				b.source_url = '/relative/source';
				b.homepage = 'example.com/no-scheme';
				b.github_path = undefined;
			},
		],
		[
			'source-600',
			(b) => {
				b.source_url = `https://github.com/${'a'.repeat(600)}`;
				b.homepage = `http://${'b'.repeat(600)}.example/`;
			},
		],
		[
			'source-malformed',
			(b) => {
				b.source_url = 'https://[not-a-host';
				b.homepage = 'http://';
			},
		],
		['thumbnail-malformed', (b) => (b.thumbnail = 'https://[::1')],
		['thumbnail-no-host', (b) => (b.thumbnail = 'http://')],
		['thumbnail-javascript', (b) => (b.thumbnail = 'javascript:alert(1)')],
		[
			'dependencies-1000',
			(b) => {
				b.releases = [release('1.0.0', { info_json: { factorio_version: '2.0', dependencies: manyDependencies() } })];
			},
		],
		['owner-5000', (b) => (b.owner = 'Owner name '.repeat(455).slice(0, 5000))],
		['owner-no-spaces', (b) => (b.owner = 'o'.repeat(5000))],
		[
			'license-5000',
			(b) => {
				b.license = {
					id: 'custom',
					name: 'L'.repeat(5000),
					title: 'License title '.repeat(360),
					url: 'javascript:alert(1)',
				};
			},
		],
		[
			'license-link-parens',
			(b) => {
				b.license = {
					id: 'custom',
					name: 'Custom',
					title: 'Custom',
					url: 'https://example.com/a)[x](javascript:alert(1)',
				};
			},
		],
		[
			'tags-huge',
			(b) => {
				b.tags = Array.from({ length: 300 }, (_, i) => `tag-${i}-${'t'.repeat(100)}`);
				b.category = `category-${'c'.repeat(2000)}`;
				b.releases = [
					release('1.0.0', { feature_flags: Array.from({ length: 300 }, (_, i) => `flag-${i}-${'f'.repeat(50)}`) }),
				];
			},
		],
		[
			'version-long',
			(b) => {
				const long = `1.0.0-${'9'.repeat(150)}`;
				b.releases = [release('0.9.0'), release(long)];
				b.changelog =
					section(long, '  Changes:\n    - A version too long for a choice value.') +
					section('0.9.0', '  Changes:\n    - x');
			},
		],
		['changelog-hostile', (b) => (b.changelog = hostileChangelog('0.0.2'))],
		[
			'changelog-game',
			(b) => {
				b.changelog = gameChangelog;
				b.releases = [release('2.1.11'), release('2.1.12')];
			},
		],
		['changelog-plain-huge', (b) => (b.changelog = `Not in the format. ${HOSTILE_MARKDOWN}\n`.repeat(2_000))],
		['changelog-invisible', (b) => (b.changelog = `${ZERO_WIDTH}${BIDI}\n\n${ZERO_WIDTH}`)],
		[
			'empty-everything',
			(b) => {
				b.title = '';
				b.owner = '';
				b.summary = '';
				b.tags = [];
				b.license = undefined;
				b.source_url = undefined;
				b.github_path = undefined;
				b.homepage = undefined;
				b.thumbnail = undefined;
			},
		],
		[
			'factorio-version-hostile',
			(b) => {
				b.releases = [
					release('1.0.0', { info_json: { factorio_version: `${BIDI}${'2'.repeat(150)}`, dependencies: [] } }),
				];
			},
		],
	];
	const mods = variants.map(([label, mutate]): HostileMod => {
		const body = baseBody();
		const name = `hostile-${label}`;
		body.name = name;
		mutate(body);
		return { label, name, body };
	});
	// A 200-character name: longer than a choice value (100), than the links a button holds once encoded is not.
	const longName = `hostile-name-${'n'.repeat(187)}`;
	const long = baseBody();
	long.name = longName;
	mods.push({ label: 'name-200', name: longName, body: long });
	// Everything at once.
	const all = baseBody();
	Object.assign(all, ...mods.map((m) => ({ ...m.body })), { name: 'hostile-all' });
	all.summary = `${BIDI}${HOSTILE_MARKDOWN}${ZERO_WIDTH}`;
	all.changelog = hostileChangelog('1.0.0') + gameChangelog;
	all.releases = [release('1.0.0', { info_json: { factorio_version: '2.0', dependencies: manyDependencies() } })];
	mods.push({ label: 'all', name: 'hostile-all', body: all });
	return mods;
}

/** The hostile variants as the fake portal takes them (`FakePortal.start({ full })`). */
export function hostileFullBodies(): Record<string, Raw> {
	return Object.fromEntries(hostileMods().map((m) => [m.name, m.body]));
}
