/**
 * HTTP client for the Factorio mod portal API.
 *
 * Source: the Factorio wiki pages "Mod portal API", "Mod details API" and "Factorio HTTP API usage guidelines",
 * summarised in `../shared/portal-api.md`. Wube asks API clients to back off exponentially on errors, to cache
 * what can be cached and to keep account secrets secret: this client retries with bounded, jittered exponential
 * backoff (p-retry), caches `/full` answers, and never puts the account's username or token in a log line or an
 * error message.
 *
 * Rate limits: one {@link PortalRateLimit} is shared by every request of a client. A 429 pauses all of them for its
 * `Retry-After` (60 s when it has none, an hour at most): inside the pause no request goes out at all. A call that meets the pause
 * waits for its end when that is at most its `maxWaitMs` away (default `retryMaxMs`, 10 s), else it fails at once as
 * `rate_limited` with {@link PortalError.retryAt}. Callers that run again anyway (the release poller) pass
 * `{ retries: 0, maxWaitMs: 0 }`: one attempt, no waiting, the next tick is the retry.
 *
 * Mod names always travel as one `encodeURIComponent` path segment built by {@link modApiPath}, which refuses a name
 * that is not one safe segment without any request, so no caller can make the client ask for `/api/full`, `/api/`
 * or `/api/mods/a/b/full`.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import pRetry from 'p-retry';
import { request, type Dispatcher } from 'undici';
import type { z } from 'zod';
import { silentLogger, type Logger } from '../../log.js';
import { MAX_MOD_NAME_LENGTH, hasInvisible } from '../factorio/modReference.js';
import { createFullModCache, type FullModCache } from './fullModCache.js';
import { PortalRateLimit } from './rateLimit.js';
import {
	ModFullSchema,
	ModListEntrySchema,
	ModListSchema,
	SearchResultSchema,
	type ModDetails,
	type ModList,
	type ModSummary,
	type PortalSearchResult,
} from './schemas.js';

/**
 * Why a portal call failed: `not_found` (HTTP 404, or a name that cannot be a portal mod, refused without a request),
 * `unavailable` (5xx, timeouts and connection errors after the retries, other HTTP errors, search without an
 * account), `invalid_response` (a body that is not JSON or not even the essential shape), `rate_limited` (a 429
 * after the retries, or a rate-limit pause longer than the call may wait: see {@link PortalError.retryAt}).
 */
export type PortalErrorKind = 'not_found' | 'unavailable' | 'invalid_response' | 'rate_limited';

/** A failed portal call. The message is short, names the method and URL path, and never holds account secrets. */
export class PortalError extends Error {
	override readonly name = 'PortalError';
	readonly kind: PortalErrorKind;
	/** The HTTP status of the last answer, when there was one. */
	readonly status?: number;
	/** `rate_limited` only: when the portal may be asked again (the end of the client's rate-limit pause). */
	readonly retryAt?: Date;

	constructor(
		kind: PortalErrorKind,
		message: string,
		options: { status?: number; cause?: unknown; retryAt?: Date } = {},
	) {
		super(message, options.cause === undefined ? undefined : { cause: options.cause });
		this.kind = kind;
		if (options.status !== undefined) this.status = options.status;
		if (options.retryAt !== undefined) this.retryAt = options.retryAt;
	}
}

/** Per-call settings of a portal request; both default to the client's settings. */
export interface PortalRequestOptions {
	/** Retries after the first attempt (5xx, 429, timeouts, connection errors); 0 for one attempt only. */
	retries?: number;
	/**
	 * Longest wait, in milliseconds, for a rate-limit pause (from this or an earlier 429) before a request may go out;
	 * a longer pause fails the call as `rate_limited` at once. 0: never wait.
	 */
	maxWaitMs?: number;
}

/** The portal's API endpoints as templates, the only values {@link PortalRequestObservation.endpoint} takes. */
export type PortalEndpoint = '/api/mods' | '/api/mods/{name}' | '/api/mods/{name}/full' | '/api/search';

/**
 * One HTTP request to the portal (each attempt of a call), for metrics: its endpoint template, how it ended (`ok` or
 * the {@link PortalErrorKind} of the attempt) and its duration in milliseconds, headers and body together. A call
 * answered from the cache, or refused inside a rate-limit pause, makes no request and is not observed.
 */
export interface PortalRequestObservation {
	endpoint: PortalEndpoint;
	outcome: 'ok' | PortalErrorKind;
	ms: number;
}

/**
 * The template of an API path built by this client: a mod name is one segment without `/` ({@link modApiPath}), so it
 * is replaced by `{name}` and never reaches a label.
 */
export function portalEndpoint(path: string): PortalEndpoint {
	if (path === '/api/search') return '/api/search';
	if (path.startsWith('/api/mods/')) return path.endsWith('/full') ? '/api/mods/{name}/full' : '/api/mods/{name}';
	return '/api/mods';
}

/** A name that is no single safe path segment: why, or undefined when it is one. */
function segmentProblem(name: string): string | undefined {
	if (name === '' || name.trim() === '') return 'empty';
	if (name === '.' || name === '..') return 'a dot segment';
	if (/[/\\]/.test(name)) return 'a slash';
	if (hasInvisible(name)) return 'a control or invisible character';
	if (name.length > MAX_MOD_NAME_LENGTH) return `longer than ${MAX_MOD_NAME_LENGTH} characters`;
	return undefined;
}

/**
 * The API path of a mod: `/api/mods/{name}` or `/api/mods/{name}/full`, the name as exactly one
 * `encodeURIComponent` segment (portal-api.md: names are case-sensitive, may contain spaces, always URL-encoded).
 *
 * @throws {PortalError} `not_found`, without any request, when the name cannot be one safe segment: empty or blank,
 *   `.` or `..`, a `/` or `\`, a control, bidi or zero-width character, or over 100 characters (the game's limit,
 *   `modReference.ts`). No mod on the portal has such a name.
 */
export function modApiPath(name: string, tab?: 'full'): string {
	const problem = segmentProblem(name);
	if (problem !== undefined) {
		throw new PortalError('not_found', `Not a mod name the portal can hold (${problem}); nothing was requested`);
	}
	return `/api/mods/${encodeURIComponent(name)}${tab === undefined ? '' : `/${tab}`}`;
}

/** Settings of a {@link PortalClient}. Durations are in milliseconds. */
export interface PortalClientOptions {
	/** The portal, e.g. `https://mods.factorio.com`; a trailing slash is tolerated. */
	baseUrl: string;
	/** The undici transport; default: undici's global dispatcher. */
	dispatcher?: Dispatcher;
	/** Default `factorio-mod-bot/<package version> (+https://github.com/factorio-mod-bot/factorio-mod-bot)`. */
	userAgent?: string;
	/** Time allowed for one attempt, headers and body together; default 10,000. */
	timeoutMs?: number;
	/** Retries after the first attempt for 5xx, 429, timeouts and connection errors; default 3. */
	maxRetries?: number;
	/** First backoff delay, doubled per retry, times a random factor between 1 and 2; default 500. */
	retryBaseMs?: number;
	/**
	 * Cap of one backoff delay, and the default `maxWaitMs` of a call: the longest rate-limit pause it waits out
	 * (a longer one fails as `rate_limited`); default 10,000.
	 */
	retryMaxMs?: number;
	/** The pause after a 429 without a `Retry-After`; default 60,000. */
	rateLimitPauseMs?: number;
	/** Clock of the rate-limit pause, epoch milliseconds; default `Date.now` (tests inject their own). */
	now?: () => number;
	/** Portal account name, only sent to `/api/search`. */
	username?: string;
	/** Portal account token, only sent to `/api/search`. Never logged, never in an error. */
	token?: string;
	/** How long a `getFullMod` answer is reused; default 300,000 (0 disables the cache). A 404 is kept at most 60,000. */
	fullModCacheTtlMs?: number;
	/** Where `getFullMod` answers are kept (`fullModCache.ts`); default: the 1,000 most recent, in memory only. */
	fullModCache?: FullModCache;
	/** Default: a silent logger. */
	log?: Logger;
	/** Called after each HTTP request to the portal (metrics); must not throw. */
	onRequest?: (observation: PortalRequestObservation) => void;
}

/** Query of `GET /api/mods` (portal-api.md). */
export interface ListModsParams {
	/** 1-based page. */
	page?: number;
	/** Entries per page (portal default 25), or `max` for the whole catalogue on one page without pagination. */
	pageSize?: number | 'max';
	sort?: 'name' | 'created_at' | 'updated_at';
	sortOrder?: 'asc' | 'desc';
	/** Only these mods (sent comma-joined); entries then carry every release instead of the latest. */
	namelist?: readonly string[];
	/** The portal's default is true: deprecated mods, and mods incompatible with `version`, are left out. */
	hideDeprecated?: boolean;
	/** A Factorio version such as `2.0`. */
	version?: string;
}

/** Query of `POST /api/search` (portal-api.md; needs an account, unverified shape). */
export interface PortalSearchParams {
	query: string;
	version?: string;
	sort?: 'relevancy' | 'most_downloads' | 'last_updated_at' | 'trending';
	page?: number;
	pageSize?: number;
	category?: string;
}

const DEFAULTS = {
	timeoutMs: 10_000,
	maxRetries: 3,
	retryBaseMs: 500,
	retryMaxMs: 10_000,
	rateLimitPauseMs: 60_000,
	fullModCacheTtlMs: 300_000,
};
const NOT_FOUND_TTL_MS = 60_000;

let packageVersion: string | undefined;

/** The `version` of package.json, read once; `0.0.0` when it cannot be read (e.g. a bundled build). */
function ownVersion(): string {
	if (packageVersion === undefined) {
		try {
			const raw = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
				version?: unknown;
			};
			packageVersion = typeof raw.version === 'string' ? raw.version : '0.0.0';
		} catch {
			packageVersion = '0.0.0';
		}
	}
	return packageVersion;
}

/** One failed attempt, before it becomes a {@link PortalError}. */
class AttemptFailure extends Error {
	override readonly name = 'AttemptFailure';

	constructor(
		readonly kind: PortalErrorKind,
		readonly detail: string,
		readonly retryable: boolean,
		readonly status?: number,
		readonly retryAt?: Date,
		options?: ErrorOptions,
	) {
		super(detail, options);
	}
}

/**
 * `Retry-After` in milliseconds: delay-seconds or an HTTP date (RFC 9110, 10.2.3); undefined when absent or unreadable.
 */
function parseRetryAfter(header: string | string[] | undefined, now: number): number | undefined {
	const value = (Array.isArray(header) ? header[0] : header)?.trim();
	if (!value) return undefined;
	if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
	const date = Date.parse(value);
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function errorCode(error: unknown): string {
	if (error instanceof Error) {
		const code = (error as Error & { code?: unknown }).code;
		return typeof code === 'string' ? code : error.name;
	}
	return 'unknown error';
}

/**
 * Client of the mod portal's public API (plus the account-only search). All methods validate answers with the zod
 * schemas of `schemas.ts` and throw {@link PortalError} on failure. Safe to share: besides the `/full` cache, its only
 * state is the rate-limit pause every request obeys (see the module comment).
 */
export class PortalClient {
	private readonly baseUrl: string;
	private readonly dispatcher: Dispatcher | undefined;
	private readonly userAgent: string;
	private readonly timeoutMs: number;
	private readonly maxRetries: number;
	private readonly retryBaseMs: number;
	private readonly retryMaxMs: number;
	private readonly rateLimitPauseMs: number;
	private readonly username: string | undefined;
	private readonly token: string | undefined;
	private readonly fullModCacheTtlMs: number;
	private readonly log: Logger;
	private readonly fullCache: FullModCache;
	private readonly fullInFlight = new Map<string, Promise<ModDetails>>();
	/** The pause every request of this client obeys. */
	readonly rateLimit: PortalRateLimit;
	private readonly onRequest: ((observation: PortalRequestObservation) => void) | undefined;

	/** Creates a client; no request is made until a method is called. */
	constructor(options: PortalClientOptions) {
		this.baseUrl = options.baseUrl.replace(/\/+$/, '');
		this.dispatcher = options.dispatcher;
		this.userAgent =
			options.userAgent ?? `factorio-mod-bot/${ownVersion()} (+https://github.com/factorio-mod-bot/factorio-mod-bot)`;
		this.timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
		this.maxRetries = options.maxRetries ?? DEFAULTS.maxRetries;
		this.retryBaseMs = options.retryBaseMs ?? DEFAULTS.retryBaseMs;
		this.retryMaxMs = options.retryMaxMs ?? DEFAULTS.retryMaxMs;
		this.rateLimitPauseMs = options.rateLimitPauseMs ?? DEFAULTS.rateLimitPauseMs;
		this.rateLimit = new PortalRateLimit(options.now ?? Date.now);
		this.onRequest = options.onRequest;
		this.username = options.username === '' ? undefined : options.username;
		this.token = options.token === '' ? undefined : options.token;
		this.fullModCacheTtlMs = options.fullModCacheTtlMs ?? DEFAULTS.fullModCacheTtlMs;
		this.fullCache = options.fullModCache ?? createFullModCache();
		this.log = options.log ?? silentLogger();
	}

	/**
	 * `GET /api/mods`: one page of the catalogue (or all of it with `pageSize: 'max'`).
	 *
	 * @returns `{ pagination, mods, invalid }`; `pagination` is undefined for `max` and `namelist`; malformed entries
	 *   are skipped and counted in `invalid`. An empty `namelist` answers an empty list without a request.
	 * @throws {PortalError} `unavailable`, `rate_limited` or `invalid_response`.
	 */
	async listMods(params: ListModsParams = {}, options: PortalRequestOptions = {}): Promise<ModList> {
		if (params.namelist?.length === 0) return { pagination: undefined, mods: [], invalid: 0 };
		const query = new URLSearchParams();
		if (params.page !== undefined) query.set('page', String(params.page));
		if (params.pageSize !== undefined) query.set('page_size', String(params.pageSize));
		if (params.sort !== undefined) query.set('sort', params.sort);
		if (params.sortOrder !== undefined) query.set('sort_order', params.sortOrder);
		if (params.namelist !== undefined) query.set('namelist', params.namelist.join(','));
		if (params.hideDeprecated !== undefined) query.set('hide_deprecated', params.hideDeprecated ? 'true' : 'false');
		if (params.version !== undefined) query.set('version', params.version);
		return this.call('GET', '/api/mods', query, ModListSchema, options);
	}

	/**
	 * `GET /api/mods/{name}`: the short form (list fields, every release, no changelog or dependencies).
	 *
	 * @param name - the mod's internal name (case-sensitive; one URL-encoded path segment, {@link modApiPath}).
	 * @throws {PortalError} `not_found` for an unknown mod or a name that cannot be one (no request then);
	 *   `unavailable`, `rate_limited`, `invalid_response`.
	 */
	async getMod(name: string, options: PortalRequestOptions = {}): Promise<ModSummary> {
		return this.call('GET', modApiPath(name), undefined, ModListEntrySchema, options);
	}

	/**
	 * `GET /api/mods/{name}/full`: everything, including the changelog and each release's dependencies.
	 *
	 * Answers are cached for `fullModCacheTtlMs` (a `not_found` for at most 60 s) and concurrent calls for one name
	 * share a request. The returned object is shared with the cache: treat it as read-only.
	 *
	 * @param options.fresh - skip the cache and refill it with a new answer.
	 * @throws {PortalError} `not_found` for an unknown mod or a name that cannot be one (no request then);
	 *   `unavailable`, `rate_limited`, `invalid_response`.
	 */
	async getFullMod(name: string, options: { fresh?: boolean } & PortalRequestOptions = {}): Promise<ModDetails> {
		const path = modApiPath(name, 'full');
		if (options.fresh !== true) {
			const cached = this.fullInFlight.has(name) ? undefined : await this.fullCache.get(name);
			if (cached && 'mod' in cached) return cached.mod;
			if (cached) throw new PortalError('not_found', cached.notFound, { status: 404 });
			const pending = this.fullInFlight.get(name);
			if (pending) return pending;
		}
		const pending = this.fetchFull(name, path, options).finally(() => {
			if (this.fullInFlight.get(name) === pending) this.fullInFlight.delete(name);
		});
		this.fullInFlight.set(name, pending);
		return pending;
	}

	/** True when a portal account (username and token) is set, which `search()` needs. */
	get canSearch(): boolean {
		return this.username !== undefined && this.token !== undefined;
	}

	/**
	 * `POST /api/search` with the account's username and token (portal-api.md; the answer's shape is unverified).
	 *
	 * @throws {PortalError} `unavailable` when {@link canSearch} is false or the portal refuses the account (401/403,
	 *   `status` set); `rate_limited`, `invalid_response`.
	 */
	async search(params: PortalSearchParams, options: PortalRequestOptions = {}): Promise<PortalSearchResult[]> {
		if (this.username === undefined || this.token === undefined) {
			throw new PortalError('unavailable', 'Mod portal search needs a portal account, and none is configured');
		}
		const query = new URLSearchParams({ query: params.query });
		if (params.version !== undefined) query.set('version', params.version);
		if (params.sort !== undefined) query.set('sort_attribute', params.sort);
		if (params.page !== undefined) query.set('page', String(params.page));
		if (params.pageSize !== undefined) query.set('page_size', String(params.pageSize));
		if (params.category !== undefined) query.set('category[]', params.category);
		query.set('username', this.username);
		query.set('token', this.token);
		return this.call('POST', '/api/search', query, SearchResultSchema, { ...options, secret: true });
	}

	private async fetchFull(name: string, path: string, options: PortalRequestOptions): Promise<ModDetails> {
		try {
			const mod = await this.call('GET', path, undefined, ModFullSchema, options);
			await this.fullCache.set(name, { mod }, this.fullModCacheTtlMs);
			return mod;
		} catch (error) {
			if (error instanceof PortalError && error.kind === 'not_found') {
				await this.fullCache.set(name, { notFound: error.message }, Math.min(NOT_FOUND_TTL_MS, this.fullModCacheTtlMs));
			}
			throw error;
		}
	}

	/**
	 * One API call with retries, each attempt admitted by the rate-limit pause. `where` (method, base URL and path,
	 * never the query) is the only part of the request that reaches logs and error messages.
	 */
	private async call<S extends z.ZodType>(
		method: 'GET' | 'POST',
		path: string,
		query: URLSearchParams | undefined,
		schema: S,
		{
			secret = false,
			retries = this.maxRetries,
			maxWaitMs = this.retryMaxMs,
		}: PortalRequestOptions & { secret?: boolean },
	): Promise<z.output<S>> {
		const where = `${method} ${this.baseUrl}${path}`;
		const search = query?.toString() ?? '';
		const url = `${this.baseUrl}${path}${search === '' ? '' : `?${search}`}`;
		let attempts = 0;
		try {
			return await pRetry(
				async () => {
					await this.admit(maxWaitMs);
					attempts++;
					return this.observed(path, () => this.attempt(method, url, schema, secret));
				},
				{
					retries,
					factor: 2,
					minTimeout: this.retryBaseMs,
					maxTimeout: this.retryMaxMs,
					randomize: true,
					shouldRetry: ({ error }) => error instanceof AttemptFailure && error.retryable,
					onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
						if (!(error instanceof AttemptFailure) || !error.retryable || retriesLeft <= 0) return;
						this.log.debug(
							{ request: where, attempt: attemptNumber, reason: error.detail },
							'portal request failed, retrying',
						);
					},
				},
			);
		} catch (error) {
			throw this.toPortalError(error, where, attempts, secret);
		}
	}

	/**
	 * Waits out the rate-limit pause when it ends within `maxWaitMs`.
	 *
	 * @throws {AttemptFailure} `rate_limited`, not retryable, when the pause lasts longer.
	 */
	private async admit(maxWaitMs: number): Promise<void> {
		for (;;) {
			const remaining = this.rateLimit.remainingMs();
			const retryAt = this.rateLimit.pausedUntil;
			if (remaining <= 0 || retryAt === undefined) return;
			if (remaining > maxWaitMs) {
				throw new AttemptFailure(
					'rate_limited',
					`${this.rateLimit.reason ?? 'HTTP 429'}; no requests for ${Math.ceil(remaining / 1000)} s more`,
					false,
					429,
					retryAt,
				);
			}
			await delay(remaining);
			// Waited it out, unless another 429 lengthened the pause meanwhile.
			const until = this.rateLimit.pausedUntil;
			if (until === undefined || until.getTime() === retryAt.getTime()) return;
		}
	}

	/** Reports one attempt to {@link PortalClientOptions.onRequest}, with its outcome and duration. */
	private async observed<T>(path: string, attempt: () => Promise<T>): Promise<T> {
		if (!this.onRequest) return attempt();
		const startedAt = performance.now();
		let outcome: PortalRequestObservation['outcome'] = 'ok';
		try {
			return await attempt();
		} catch (error) {
			outcome = error instanceof AttemptFailure ? error.kind : 'unavailable';
			throw error;
		} finally {
			this.onRequest({ endpoint: portalEndpoint(path), outcome, ms: performance.now() - startedAt });
		}
	}

	private async attempt<S extends z.ZodType>(
		method: 'GET' | 'POST',
		url: string,
		schema: S,
		secret: boolean,
	): Promise<z.output<S>> {
		const controller = new AbortController();
		const timer = setTimeout(() => {
			controller.abort();
		}, this.timeoutMs);
		let text: string;
		try {
			const response = await request(url, {
				method,
				dispatcher: this.dispatcher,
				signal: controller.signal,
				headers: { 'user-agent': this.userAgent, accept: 'application/json' },
			});
			if (response.statusCode < 200 || response.statusCode >= 300) {
				await response.body.dump().catch(() => undefined);
				throw this.statusFailure(response.statusCode, response.headers['retry-after']);
			}
			text = await response.body.text();
		} catch (error) {
			if (error instanceof AttemptFailure) throw error;
			const cause = secret ? undefined : { cause: error };
			if (controller.signal.aborted) {
				throw new AttemptFailure(
					'unavailable',
					`no complete answer within ${this.timeoutMs} ms`,
					true,
					undefined,
					undefined,
					cause,
				);
			}
			throw new AttemptFailure(
				'unavailable',
				`connection failed: ${errorCode(error)}`,
				true,
				undefined,
				undefined,
				cause,
			);
		} finally {
			clearTimeout(timer);
		}

		let json: unknown;
		try {
			json = JSON.parse(text);
		} catch {
			throw new AttemptFailure('invalid_response', 'the body is not JSON', false);
		}
		const parsed = schema.safeParse(json);
		if (!parsed.success) {
			const issue = parsed.error.issues[0];
			const at = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
			throw new AttemptFailure('invalid_response', `unexpected shape${at}: ${issue?.message ?? 'invalid'}`, false);
		}
		return parsed.data;
	}

	private toPortalError(error: unknown, where: string, attempts: number, secret: boolean): PortalError {
		if (!(error instanceof AttemptFailure)) {
			return new PortalError('unavailable', `Mod portal request failed: ${where}`, secret ? {} : { cause: error });
		}
		const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
		const options = { status: error.status, cause: error.cause, retryAt: error.retryAt };
		switch (error.kind) {
			case 'not_found':
				return new PortalError('not_found', `Not found on the mod portal: ${where}`, options);
			case 'unavailable':
				return new PortalError('unavailable', `Mod portal unavailable (${error.detail})${tries}: ${where}`, options);
			case 'rate_limited':
				return new PortalError('rate_limited', `Mod portal rate limit (${error.detail})${tries}: ${where}`, options);
			case 'invalid_response':
				return new PortalError(
					'invalid_response',
					`Unexpected answer from the mod portal (${error.detail}): ${where}`,
					options,
				);
		}
	}

	/** The failure of an answer with a non-2xx `status`; a 429 starts (or lengthens) the shared pause. */
	private statusFailure(status: number, retryAfter: string | string[] | undefined): AttemptFailure {
		if (status === 404) return new AttemptFailure('not_found', 'HTTP 404', false, status);
		if (status === 429) {
			const waitMs = parseRetryAfter(retryAfter, this.rateLimit.now());
			const detail = waitMs === undefined ? 'HTTP 429' : `HTTP 429, asked to wait ${Math.ceil(waitMs / 1000)} s`;
			this.rateLimit.pause(waitMs ?? this.rateLimitPauseMs, detail);
			this.log.warn(
				{ retryAfterMs: waitMs ?? this.rateLimitPauseMs },
				'the mod portal rate limits the bot; pausing requests',
			);
			return new AttemptFailure('rate_limited', detail, true, status, this.rateLimit.pausedUntil);
		}
		if (status >= 500 || status === 408) return new AttemptFailure('unavailable', `HTTP ${status}`, true, status);
		return new AttemptFailure('unavailable', `HTTP ${status}`, false, status);
	}
}
