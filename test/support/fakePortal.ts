/**
 * A fake Factorio mod portal: a real HTTP server on 127.0.0.1 (node:http) that answers like
 * `https://mods.factorio.com/api/...`, for tests that exercise the portal client, the catalog and the jobs over
 * real sockets.
 *
 * It follows `../shared/portal-api.md` and the recorded responses in `../shared/fixtures/portal`:
 *
 * - `GET /api/mods`: `page` (1-based), `page_size` (number, default 25, or `max`: everything on one page and
 *   `pagination: null`), `sort` (`name`, `created_at`, `updated_at`), `sort_order` (`asc`/`desc`; default `asc`
 *   for `name`, as the recorded 2022 pages are, `desc` for the dates), `namelist` (comma-joined and/or repeated;
 *   the entries then carry `releases` instead of `latest_release`, on one page with `pagination: null`),
 *   `hide_deprecated` (default true: hides mods flagged `deprecated` and, with `version`, mods whose latest
 *   release's `factorio_version` has another major.minor), `version`. A page past the end answers 200 with no
 *   results. List entries never carry `created_at`/`updated_at`/`deprecated`, like the real portal.
 * - `GET /api/mods/{name}` (short: list fields plus `releases`) and `GET /api/mods/{name}/full`. Without a recorded
 *   full body a mod's `/full` is synthesised from its list entry: `releases` = `[latest_release]` with
 *   `info_json.dependencies` `['base >= x.y.0']`, a valid changelog.txt section, `created_at`/`updated_at`.
 *   Unknown mod: 404 with exactly `{"message":"Mod not found"}`.
 * - `POST /api/search`: case-insensitive substring match of `query` on name, title and summary, optional
 *   `version`, `category[]`, `sort_attribute`, `page`, `page_size` (default 20), `show_deprecated`; needs
 *   `username` and `token` query parameters (401 without, 403 when they differ from `options.credentials`).
 * - `GET /download/{name}/{id}?username=..&token=..`, once {@link FakePortal.enableDownloads} ran: small zips with
 *   known sha1s, and download faults ({@link FakePortal.downloadFault}).
 *
 * Each mod has a `created_at`/`updated_at` kept here: an entry's own `created_at`/`updated_at` keys (moved out of
 * the entry on first sight), else derived from the recorded full body and the releases' `released_at`.
 * `updated_at` only moves forward: {@link FakePortal.touch} bumps it without a release, like a page edit.
 *
 * Every request is recorded in {@link FakePortal.requests} before faults apply. Faults
 * ({@link FakePortal.fault}) apply to requests whose raw path matches: `5xx` answers 503 (HTML), `timeout` never
 * answers (the socket is destroyed by {@link FakePortal.close}), `garbage` answers 200 with a non-JSON body,
 * `429` answers with `Retry-After: retryAfter` (seconds, default 1; `null` sends no header), `reset` destroys the
 * socket, `delay` answers normally after `ms` milliseconds (a slow portal).
 */
import {
	createServer,
	type IncomingHttpHeaders,
	type IncomingMessage,
	type Server,
	type ServerResponse,
} from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { factorioMinor } from '../../src/services/factorio/version.js';
import { fixtureJson } from './fixtures.js';
import { storedZip } from './zip.js';

/** Options of {@link FakePortal.start}. */
export interface FakePortalOptions {
	/** Raw list entries (snake_case, as recorded). Default: the 2018 catalogue `portal/mods-max-2018-02-18.json`. */
	mods?: unknown[];
	/** Raw `/full` bodies by mod name; a name missing from `mods` gets a list entry made from its body. */
	full?: Record<string, unknown>;
	/** When set, `/api/search` answers 403 unless `username` and `token` equal these. */
	credentials?: { username: string; token: string };
}

/** A fault to inject; see {@link FakePortal.fault}. */
export type PortalFault = {
	kind: '5xx' | 'timeout' | 'garbage' | '429' | 'reset' | 'delay';
	/** How many matching requests it hits; default Infinity. */
	times?: number;
	/** Tested against the raw (still percent-encoded) request path, e.g. `/^\/api\/mods\/[^/]+\/full$/`. */
	path?: RegExp;
	/** Seconds for the `Retry-After` header of a `429`; default 1; `null`: no header. */
	retryAfter?: number | null;
	/** Milliseconds a `delay` holds the answer back; default 1,000. */
	ms?: number;
};

/**
 * A fault of the download endpoint (see {@link FakePortal.enableDownloads}): `wrong_sha1` serves other bytes than
 * the advertised sha1, `403` refuses the account, `429`/`503` answer with `Retry-After: retryAfter` (seconds; none
 * when unset), `login_page` answers 200 with an HTML page instead of the file.
 */
export interface DownloadFault {
	kind: 'wrong_sha1' | '403' | '429' | '503' | 'login_page';
	/** Only downloads of this mod; default every mod. */
	name?: string;
	/** How many matching downloads it hits; default Infinity. */
	times?: number;
	retryAfter?: number;
}

/** One request as the fake received it. */
export interface RecordedRequest {
	method: string;
	/** The raw path without the query, still percent-encoded (`/api/mods/Some%20Mod/full`). */
	path: string;
	query: URLSearchParams;
	headers: IncomingHttpHeaders;
}

/** Release fields {@link FakePortal.addRelease} accepts. */
export interface FakeRelease {
	version: string;
	/** Default: now (and always later than the mod's current `updated_at`). */
	released_at?: string;
	/** Default: the previous release's, else `2.0`. */
	factorio_version?: string;
	/** Default: `['base >= {factorio_version}.0']`. */
	dependencies?: string[];
}

type Raw = Record<string, unknown>;

interface ExplicitTimes {
	createdAt?: string;
	updatedAt?: string;
}

const DASHES = '-'.repeat(99);
const EPOCH = '1970-01-01T00:00:00.000000Z';
const LIST_FIELDS = ['name', 'title', 'owner', 'summary', 'downloads_count', 'category', 'score', 'thumbnail'] as const;
const INTERNAL_FIELDS = new Set(['created_at', 'updated_at', 'deprecated', 'releases', 'latest_release']);

function isRecord(value: unknown): value is Raw {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
	return typeof value === 'string' ? value : undefined;
}

function releasesIn(value: unknown): Raw[] {
	return Array.isArray(value) ? value.filter(isRecord) : [];
}

function time(value: string | undefined): number {
	const parsed = value === undefined ? Number.NaN : Date.parse(value);
	return Number.isNaN(parsed) ? 0 : parsed;
}

/** The portal's timestamp style: microseconds and `Z`. */
function portalTime(ms: number): string {
	return new Date(ms).toISOString().replace('Z', '000Z');
}

function factorioVersionOf(release: Raw | undefined): string | undefined {
	const info = release?.info_json;
	return isRecord(info) ? str(info.factorio_version) : undefined;
}

function latestOf(releases: readonly Raw[]): Raw | undefined {
	let latest = releases.at(-1);
	for (const release of releases) {
		if (time(str(release.released_at)) > time(str(latest?.released_at))) latest = release;
	}
	return latest;
}

function baseDependency(factorioVersion: string | undefined): string {
	if (!factorioVersion) return 'base';
	return `base >= ${factorioVersion.split('.').length === 2 ? `${factorioVersion}.0` : factorioVersion}`;
}

/** A release as list entries show it: `info_json` without `dependencies`. */
function withoutDependencies(release: Raw): Raw {
	const copy = structuredClone(release);
	if (isRecord(copy.info_json)) {
		const info: Raw = { ...copy.info_json };
		delete info.dependencies;
		copy.info_json = info;
	}
	return copy;
}

/** A release as `/full` shows it: `info_json.dependencies` always present. */
function withDependencies(release: Raw): Raw {
	const copy = structuredClone(release);
	const info: Raw = isRecord(copy.info_json) ? { ...copy.info_json } : {};
	info.dependencies ??= [baseDependency(str(info.factorio_version))];
	copy.info_json = info;
	return copy;
}

function changelogSection(version: string, releasedAt: string | undefined, body?: string): string {
	const date = releasedAt?.slice(0, 10) ?? '????';
	return `${DASHES}\nVersion: ${version}\nDate: ${date}\n${body ?? `  Changes:\n    - Released version ${version}.`}\n`;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
	const json = JSON.stringify(body);
	response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
	response.end(json);
}

/** See the module documentation above. Start with {@link FakePortal.start}; always {@link FakePortal.close}. */
export class FakePortal {
	/** `http://127.0.0.1:PORT`, the value for the client's `baseUrl`. */
	readonly url: string;
	/** Every request received, in order. */
	readonly requests: RecordedRequest[] = [];
	/** The raw list entries; tests may edit them in place (a `latest_release` edit shows in a synthesised `/full`). */
	mods: Raw[];

	private readonly server: Server;
	private readonly fulls = new Map<string, Raw>();
	private readonly times = new Map<string, ExplicitTimes>();
	private faults: { fault: PortalFault; remaining: number }[] = [];
	private readonly credentials: { username: string; token: string } | undefined;
	private releaseCounter = 0;
	private downloadAccount: { username: string; token: string } | undefined;
	private readonly downloadFiles = new Map<string, { name: string; version: string; bytes: Buffer; sha1: string }>();
	private downloadFaults: { fault: DownloadFault; remaining: number }[] = [];

	private constructor(server: Server, url: string, mods: Raw[], credentials: FakePortalOptions['credentials']) {
		this.server = server;
		this.url = url;
		this.mods = mods;
		this.credentials = credentials;
	}

	/**
	 * Starts a fake portal on a free port of 127.0.0.1.
	 *
	 * @param options - the catalogue (default: the recorded 2018 catalogue, 2,538 mods), recorded full bodies and
	 *   search credentials. Everything is deep-copied: the caller's objects are never changed.
	 */
	static async start(options: FakePortalOptions = {}): Promise<FakePortal> {
		const mods = (options.mods ?? defaultCatalogue()).filter(isRecord).map((entry) => structuredClone(entry));
		const server = createServer();
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(0, '127.0.0.1', () => {
				resolve();
			});
		});
		const { port } = server.address() as AddressInfo;
		const portal = new FakePortal(server, `http://127.0.0.1:${port}`, mods, options.credentials);
		server.on('request', (request: IncomingMessage, response: ServerResponse) => {
			portal.handle(request, response);
		});
		for (const [name, body] of Object.entries(options.full ?? {})) {
			if (isRecord(body)) portal.setFull(name, body);
		}
		return portal;
	}

	/**
	 * Sets the recorded `/full` body of a mod (deep-copied). The mod's list entry follows it: its `latest_release`
	 * becomes the body's newest release; a mod without an entry gets one made from the body.
	 */
	setFull(name: string, body: Record<string, unknown>): void {
		const full = structuredClone(body);
		full.name = name;
		this.fulls.set(name, full);
		const latest = latestOf(releasesIn(full.releases));
		let entry = this.findEntry(name);
		if (!entry) {
			entry = {};
			for (const field of LIST_FIELDS) if (full[field] !== undefined) entry[field] = full[field];
			this.mods.push(entry);
		}
		if (latest) entry.latest_release = withoutDependencies(latest);
	}

	/**
	 * Publishes a new release: appends it to the mod's `/full` releases (materialising a synthesised body first),
	 * puts a changelog section on top, sets the list entry's `latest_release`, and moves `updated_at` to its time.
	 *
	 * @param options.changelog - the new section's text; a dash line and `Version:`/`Date:` lines are added in
	 *   front unless it starts with the dash line. Default: one `Changes:` entry.
	 * @throws Error when the mod does not exist.
	 */
	addRelease(name: string, release: FakeRelease, options: { changelog?: string } = {}): void {
		const entry = this.findEntry(name);
		if (!entry) throw new Error(`FakePortal.addRelease: no mod named ${name}`);
		const full = this.fulls.get(name) ?? this.synthesiseFull(entry);
		this.fulls.set(name, full);
		const releases = releasesIn(full.releases);
		const factorioVersion = release.factorio_version ?? factorioVersionOf(latestOf(releases)) ?? '2.0';
		const releasedAt = release.released_at ?? this.nextTime(name);
		this.releaseCounter++;
		const raw: Raw = {
			download_url: `/download/${encodeURIComponent(name)}/${this.releaseCounter.toString(16).padStart(24, '0')}`,
			file_name: `${name}_${release.version}.zip`,
			info_json: {
				factorio_version: factorioVersion,
				dependencies: release.dependencies ?? [baseDependency(factorioVersion)],
			},
			released_at: releasedAt,
			sha1: this.releaseCounter.toString(16).padStart(40, '0'),
			version: release.version,
		};
		full.releases = [...releases, raw];
		const section = options.changelog?.startsWith(DASHES)
			? `${options.changelog.trimEnd()}\n`
			: changelogSection(release.version, releasedAt, options.changelog?.trimEnd());
		full.changelog = section + (str(full.changelog) ?? '');
		entry.latest_release = withoutDependencies(raw);
		this.setTimes(name, { updatedAt: releasedAt });
	}

	/**
	 * Adds a new mod (the entry object itself, so the test can keep editing it). Its `created_at` is the entry's
	 * `created_at` key, else its latest release's `released_at`, else now.
	 *
	 * @throws Error when a mod of that name exists.
	 */
	addMod(entry: Record<string, unknown>): void {
		const name = str(entry.name);
		if (!name) throw new Error('FakePortal.addMod: the entry needs a name');
		if (this.findEntry(name)) throw new Error(`FakePortal.addMod: ${name} exists`);
		const releasedAt = isRecord(entry.latest_release) ? str(entry.latest_release.released_at) : undefined;
		const now = portalTime(Date.now());
		this.setTimes(name, {
			createdAt: str(entry.created_at) ?? releasedAt ?? now,
			updatedAt: str(entry.updated_at) ?? releasedAt ?? now,
		});
		delete entry.created_at;
		delete entry.updated_at;
		this.mods.push(entry);
	}

	/**
	 * A page-only edit: bumps the mod's `updated_at` to now (always later than before) without a release.
	 *
	 * @throws Error when the mod does not exist.
	 */
	touch(name: string): void {
		if (!this.findEntry(name)) throw new Error(`FakePortal.touch: no mod named ${name}`);
		this.setTimes(name, { updatedAt: this.nextTime(name) });
	}

	/** Injects a fault for matching requests; faults are tried in the order added, the first live one applies. */
	fault(fault: PortalFault): void {
		this.faults.push({ fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
	}

	/** Removes every fault. */
	clearFaults(): void {
		this.faults = [];
	}

	/** Stops the server and destroys every connection, including requests held by a `timeout` fault. */
	async close(): Promise<void> {
		await new Promise<void>((resolve) => {
			this.server.close(() => {
				resolve();
			});
			this.server.closeAllConnections();
		});
	}

	private handle(request: IncomingMessage, response: ServerResponse): void {
		const url = new URL(request.url ?? '/', this.url);
		const method = request.method ?? 'GET';
		this.requests.push({ method, path: url.pathname, query: url.searchParams, headers: request.headers });
		request.resume();

		const fault = this.takeFault(url.pathname);
		if (fault?.kind === 'delay') {
			setTimeout(() => {
				if (!response.destroyed) this.route(method, url, response);
			}, fault.ms ?? 1000);
			return;
		}
		if (fault) {
			this.applyFault(fault, request, response);
			return;
		}
		this.route(method, url, response);
	}

	private route(method: string, url: URL, response: ServerResponse): void {
		if (method === 'GET' && url.pathname.startsWith('/download/')) {
			this.download(url, response);
			return;
		}

		const parts = url.pathname.split('/');
		let name: string | undefined;
		try {
			name = parts[3] === undefined ? undefined : decodeURIComponent(parts[3]);
		} catch {
			sendJson(response, 400, { message: 'Bad request' });
			return;
		}
		const route = `${method} ${parts.slice(0, 3).join('/')}${parts.length > 3 ? '/:name' : ''}${parts.length > 4 ? `/${parts.slice(4).join('/')}` : ''}`;
		switch (route) {
			case 'GET /api/mods':
				sendJson(response, 200, this.list(url.searchParams));
				return;
			case 'GET /api/mods/:name':
			case 'GET /api/mods/:name/full': {
				const body = name === undefined || name === '' ? undefined : this.detail(name, route.endsWith('/full'));
				if (body) sendJson(response, 200, body);
				else sendJson(response, 404, { message: 'Mod not found' });
				return;
			}
			case 'POST /api/search':
				this.search(url.searchParams, response);
				return;
			default:
				sendJson(response, 404, { message: 'Not found' });
		}
	}

	private takeFault(path: string): PortalFault | undefined {
		for (const slot of this.faults) {
			if (slot.remaining <= 0) continue;
			if (slot.fault.path) {
				slot.fault.path.lastIndex = 0;
				if (!slot.fault.path.test(path)) continue;
			}
			slot.remaining--;
			return slot.fault;
		}
		return undefined;
	}

	private applyFault(fault: PortalFault, request: IncomingMessage, response: ServerResponse): void {
		switch (fault.kind) {
			case '5xx':
				response.writeHead(503, { 'content-type': 'text/html' });
				response.end('<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>');
				return;
			case 'timeout':
				// Never answer; close() destroys the socket.
				return;
			case 'garbage':
				response.writeHead(200, { 'content-type': 'application/json' });
				response.end('<!DOCTYPE html><html><body>Maintenance</body></html>');
				return;
			case '429':
				response.writeHead(429, {
					'content-type': 'application/json',
					...(fault.retryAfter === null ? {} : { 'retry-after': String(fault.retryAfter ?? 1) }),
				});
				response.end(JSON.stringify({ message: 'Too many requests' }));
				return;
			case 'reset':
				request.socket.destroy();
				return;
			case 'delay':
				return;
		}
	}

	private findEntry(name: string): Raw | undefined {
		return this.mods.find((entry) => entry.name === name);
	}

	private setTimes(name: string, times: ExplicitTimes): void {
		this.times.set(name, { ...this.times.get(name), ...times });
	}

	/** Now, or 1 ms after the mod's current `updated_at` if that is later, so that updates always move forward. */
	private nextTime(name: string): string {
		const entry = this.findEntry(name);
		const current = entry ? time(this.timesOf(entry).updatedAt) : 0;
		return portalTime(Math.max(Date.now(), current + 1));
	}

	private releasesOf(entry: Raw): Raw[] {
		const full = this.fulls.get(str(entry.name) ?? '');
		if (full) return releasesIn(full.releases);
		return isRecord(entry.latest_release) ? [entry.latest_release] : releasesIn(entry.releases);
	}

	private timesOf(entry: Raw): { createdAt: string; updatedAt: string } {
		const name = str(entry.name) ?? '';
		// Times written on the entry by a test become the mod's own, and stay out of list answers.
		if (str(entry.created_at) !== undefined || str(entry.updated_at) !== undefined) {
			this.setTimes(name, {
				...(str(entry.created_at) ? { createdAt: str(entry.created_at) } : {}),
				...(str(entry.updated_at) ? { updatedAt: str(entry.updated_at) } : {}),
			});
			delete entry.created_at;
			delete entry.updated_at;
		}
		const explicit = this.times.get(name);
		const full = this.fulls.get(name);
		const releases = this.releasesOf(entry);
		const releaseTimes = releases.map((release) => str(release.released_at)).filter((t) => t !== undefined);
		const earliest = releaseTimes.reduce<string | undefined>(
			(a, b) => (a === undefined || time(b) < time(a) ? b : a),
			undefined,
		);
		const createdAt = explicit?.createdAt ?? str(full?.created_at) ?? earliest ?? EPOCH;
		const candidates = [explicit?.updatedAt, str(full?.updated_at), ...releaseTimes, createdAt].filter(
			(t) => t !== undefined,
		);
		const updatedAt = candidates.reduce((a, b) => (time(b) > time(a) ? b : a));
		return { createdAt, updatedAt };
	}

	private isDeprecated(entry: Raw): boolean {
		return entry.deprecated === true || this.fulls.get(str(entry.name) ?? '')?.deprecated === true;
	}

	private listFields(entry: Raw): Raw {
		const fields: Raw = {};
		for (const [key, value] of Object.entries(entry)) {
			if (!INTERNAL_FIELDS.has(key)) fields[key] = structuredClone(value);
		}
		return fields;
	}

	private visible(entry: Raw, hideDeprecated: boolean, version: string | undefined): boolean {
		if (!hideDeprecated) return true;
		if (this.isDeprecated(entry)) return false;
		if (version === undefined) return true;
		return factorioMinor(factorioVersionOf(latestOf(this.releasesOf(entry)))) === factorioMinor(version);
	}

	private list(params: URLSearchParams): Raw {
		const namelist = new Set(
			params
				.getAll('namelist')
				.flatMap((value) => value.split(','))
				.map((name) => name.trim())
				.filter((name) => name !== ''),
		);
		const byNames = params.has('namelist');
		const hideDeprecated = !['false', '0'].includes((params.get('hide_deprecated') ?? 'true').toLowerCase());
		const version = params.get('version') ?? undefined;
		const sort = params.get('sort') ?? 'name';
		const order = params.get('sort_order') ?? (sort === 'name' ? 'asc' : 'desc');

		let entries = this.mods.filter(
			(entry) => (!byNames || namelist.has(str(entry.name) ?? '')) && this.visible(entry, hideDeprecated, version),
		);
		const key = (entry: Raw): string | number => {
			if (sort === 'created_at') return time(this.timesOf(entry).createdAt);
			if (sort === 'updated_at') return time(this.timesOf(entry).updatedAt);
			return str(entry.name) ?? '';
		};
		const keyed = entries.map((entry) => ({ entry, key: key(entry), name: str(entry.name) ?? '' }));
		keyed.sort((a, b) => {
			const primary = a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
			const result = primary !== 0 ? primary : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
			return order === 'asc' ? result : -result;
		});
		entries = keyed.map(({ entry }) => entry);

		const render = (entry: Raw): Raw =>
			byNames
				? { ...this.listFields(entry), releases: this.releasesOf(entry).map(withoutDependencies) }
				: {
						...this.listFields(entry),
						...(isRecord(entry.latest_release) ? { latest_release: structuredClone(entry.latest_release) } : {}),
					};

		const pageSizeParam = params.get('page_size');
		if (byNames || pageSizeParam === 'max') return { pagination: null, results: entries.map(render) };

		const parsedSize = Number.parseInt(pageSizeParam ?? '', 10);
		const pageSize = parsedSize > 0 ? parsedSize : 25;
		const parsedPage = Number.parseInt(params.get('page') ?? '', 10);
		const page = parsedPage > 0 ? parsedPage : 1;
		const count = entries.length;
		const pageCount = Math.ceil(count / pageSize);
		const link = (target: number) => {
			const query = new URLSearchParams(params);
			query.set('page', String(target));
			return `${this.url}/api/mods?${query.toString()}`;
		};
		return {
			pagination: {
				count,
				page,
				page_count: pageCount,
				page_size: pageSize,
				links: {
					first: page > 1 ? link(1) : null,
					prev: page > 1 ? link(page - 1) : null,
					next: page < pageCount ? link(page + 1) : null,
					last: page < pageCount ? link(pageCount) : null,
				},
			},
			results: entries.slice((page - 1) * pageSize, page * pageSize).map(render),
		};
	}

	private synthesiseFull(entry: Raw): Raw {
		const latest = isRecord(entry.latest_release) ? entry.latest_release : undefined;
		const version = str(latest?.version);
		return {
			...this.listFields(entry),
			releases: latest ? [withDependencies(latest)] : [],
			changelog: version ? changelogSection(version, str(latest?.released_at)) : '',
			description: str(entry.summary) ?? '',
			tags: [],
			images: [],
		};
	}

	private detail(name: string, full: boolean): Raw | undefined {
		const entry = this.findEntry(name);
		if (!entry) return undefined;
		const releases = this.releasesOf(entry);
		if (!full) return { ...this.listFields(entry), releases: releases.map(withoutDependencies) };
		const recorded = this.fulls.get(name);
		const body = recorded ? structuredClone(recorded) : this.synthesiseFull(entry);
		const times = this.timesOf(entry);
		return {
			...body,
			...this.listFields(entry),
			releases: releasesIn(body.releases).map(withDependencies),
			created_at: times.createdAt,
			updated_at: times.updatedAt,
			...(this.isDeprecated(entry) ? { deprecated: true } : {}),
		};
	}

	private search(params: URLSearchParams, response: ServerResponse): void {
		const username = params.get('username');
		const token = params.get('token');
		if (!username || !token) {
			sendJson(response, 401, { message: 'Authentication required' });
			return;
		}
		if (this.credentials && (this.credentials.username !== username || this.credentials.token !== token)) {
			sendJson(response, 403, { message: 'Invalid credentials' });
			return;
		}
		const query = (params.get('query') ?? '').trim().toLowerCase();
		const version = params.get('version') ?? undefined;
		const showDeprecated = (params.get('show_deprecated') ?? 'false').toLowerCase() === 'true';
		const sort = params.get('sort_attribute') ?? 'relevancy';
		const categories = [...params.getAll('category[]'), ...params.getAll('category')];
		const contains = (value: unknown) => typeof value === 'string' && value.toLowerCase().includes(query);
		const matches = this.mods
			.filter((entry) => this.visible(entry, !showDeprecated, version))
			.filter((entry) => categories.length === 0 || categories.includes(str(entry.category) ?? ''))
			.filter((entry) => contains(entry.name) || contains(entry.title) || contains(entry.summary))
			.map((entry) => ({
				entry,
				relevance: contains(entry.name) || contains(entry.title) ? 1 : 0,
				downloads: typeof entry.downloads_count === 'number' ? entry.downloads_count : 0,
				updated: time(this.timesOf(entry).updatedAt),
			}));
		matches.sort((a, b) => {
			if (sort === 'last_updated_at') return b.updated - a.updated;
			if (sort === 'relevancy' && a.relevance !== b.relevance) return b.relevance - a.relevance;
			return b.downloads - a.downloads;
		});
		const parsedSize = Number.parseInt(params.get('page_size') ?? '', 10);
		const pageSize = parsedSize > 0 ? parsedSize : 20;
		const parsedPage = Number.parseInt(params.get('page') ?? '', 10);
		const page = parsedPage > 0 ? parsedPage : 1;
		const results = matches.slice((page - 1) * pageSize, page * pageSize).map(({ entry }) => ({
			name: entry.name,
			title: entry.title,
			owner: entry.owner,
			summary: entry.summary,
			thumbnail: entry.thumbnail,
			downloads_count: entry.downloads_count,
			factorio_versions: [
				...new Set(this.releasesOf(entry).flatMap((release) => factorioMinor(factorioVersionOf(release)) ?? [])),
			],
		}));
		sendJson(response, 200, {
			pagination: {
				count: matches.length,
				page,
				page_count: Math.ceil(matches.length / pageSize),
				page_size: pageSize,
			},
			results,
		});
	}

	// ---------------------------------------------------------------- downloads (install scripts of mod kits)

	/**
	 * Serves `GET /download/{name}/{id}?username=..&token=..` like the portal's download endpoint: a small valid zip
	 * per release (`{name}_{version}/info.json`), whose sha1 replaces the release's `sha1` in every answer from now
	 * on (list entries and `/full` bodies), so the kit's sha1s match the served files. Releases without a
	 * `download_url` get one. Call again after adding releases. Without `username` and `token` the endpoint answers
	 * 401; with others than `credentials`, 403 (the portal refuses accounts that do not own the game).
	 */
	enableDownloads(credentials: { username: string; token: string }): void {
		this.downloadAccount = credentials;
		const prepare = (name: string, release: Raw) => {
			const version = str(release.version);
			if (!version) return;
			if (!str(release.download_url)) {
				this.releaseCounter++;
				release.download_url = `/download/${encodeURIComponent(name)}/${this.releaseCounter.toString(16).padStart(24, '0')}`;
			}
			const path = decodeURIComponent(str(release.download_url) ?? '');
			let file = this.downloadFiles.get(path);
			if (!file) {
				const info = { name, version, title: name, factorio_version: factorioVersionOf(release) ?? '2.0' };
				const bytes = storedZip([{ path: `${name}_${version}/info.json`, content: `${JSON.stringify(info)}\n` }]);
				file = { name, version, bytes, sha1: createHash('sha1').update(bytes).digest('hex') };
				this.downloadFiles.set(path, file);
			}
			release.sha1 = file.sha1;
			release.file_name ??= `${name}_${version}.zip`;
		};
		for (const entry of this.mods) {
			const name = str(entry.name);
			if (!name) continue;
			if (isRecord(entry.latest_release)) prepare(name, entry.latest_release);
			for (const release of releasesIn(entry.releases)) prepare(name, release);
		}
		for (const [name, full] of this.fulls) for (const release of releasesIn(full.releases)) prepare(name, release);
	}

	/** Injects a fault for downloads of one mod (or of every mod without `name`); faults apply in the order added. */
	downloadFault(fault: DownloadFault): void {
		this.downloadFaults.push({ fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
	}

	/** The download requests received so far (`/download/...`), in order. */
	downloadRequests(): RecordedRequest[] {
		return this.requests.filter((request) => request.path.startsWith('/download/'));
	}

	/** The bytes and sha1 served for a mod's release, once {@link enableDownloads} has run. */
	downloadFile(name: string, version: string): { bytes: Buffer; sha1: string } | undefined {
		for (const file of this.downloadFiles.values()) if (file.name === name && file.version === version) return file;
		return undefined;
	}

	private download(url: URL, response: ServerResponse): void {
		let path: string;
		try {
			path = decodeURIComponent(url.pathname);
		} catch {
			sendJson(response, 400, { message: 'Bad request' });
			return;
		}
		const username = url.searchParams.get('username');
		const token = url.searchParams.get('token');
		if (!username || !token) {
			sendJson(response, 401, { message: 'Authentication required' });
			return;
		}
		if (this.downloadAccount && (this.downloadAccount.username !== username || this.downloadAccount.token !== token)) {
			sendJson(response, 403, { message: 'Forbidden' });
			return;
		}
		const file = this.downloadFiles.get(path);
		if (!file) {
			sendJson(response, 404, { message: 'Not found' });
			return;
		}
		const slot = this.downloadFaults.find(
			(s) => s.remaining > 0 && (s.fault.name === undefined || s.fault.name === file.name),
		);
		if (slot) {
			slot.remaining--;
			switch (slot.fault.kind) {
				case '403':
					sendJson(response, 403, { message: 'Forbidden' });
					return;
				case '429':
				case '503':
					response.writeHead(Number(slot.fault.kind), {
						'content-type': 'text/html',
						...(slot.fault.retryAfter === undefined ? {} : { 'retry-after': String(slot.fault.retryAfter) }),
					});
					response.end('<html><body>Please slow down</body></html>');
					return;
				case 'login_page':
					response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
					response.end('<!DOCTYPE html><html><body>Log in to download mods</body></html>');
					return;
				case 'wrong_sha1': {
					const bytes = Buffer.concat([file.bytes, Buffer.from('tampered')]);
					response.writeHead(200, { 'content-type': 'application/zip', 'content-length': bytes.length });
					response.end(bytes);
					return;
				}
			}
		}
		response.writeHead(200, { 'content-type': 'application/zip', 'content-length': file.bytes.length });
		response.end(file.bytes);
	}
}

function defaultCatalogue(): unknown[] {
	const recorded = fixtureJson('portal/mods-max-2018-02-18.json');
	if (!isRecord(recorded) || !Array.isArray(recorded.results)) {
		throw new Error('portal/mods-max-2018-02-18.json has no results array');
	}
	return recorded.results as unknown[];
}
