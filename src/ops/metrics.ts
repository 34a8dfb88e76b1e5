/**
 * The bot's Prometheus metrics (prom-client), all in one registry that is created here and passed in: nothing reads a
 * global registry. Counters and histograms are fed by small observer hooks at the boundaries (the interaction
 * handler, the portal client, the release poller, delivery); gauges are read when Prometheus scrapes, from the
 * sources given to {@link BotMetrics.readFrom}. Every label value comes from a closed set (command names of the
 * registered commands, outcome enums, endpoint templates), never from user input or portal data.
 *
 * Naming follows Prometheus's "Metric and label naming" page: base units (seconds), `_total` for counters, the
 * `factorio_mod_bot_` prefix; node's default metrics (`process_*`, `nodejs_*`) keep their usual names.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { InteractionObservation } from '../discord/interactionObservation.js';
import { silentLogger, type Logger } from '../log.js';
import type { PortalRequestObservation } from '../services/portal/client.js';

const PREFIX = 'factorio_mod_bot_';

/** How a poll tick ended: it reached the portal (`ok`), failed, or did not poll (backing off, no catalog yet). */
export type PollTickOutcome = 'ok' | 'failed' | 'skipped';

/**
 * What happened to posts in a delivery pass, counted per outbox entry: `delivered` (posted now), `found` (an earlier
 * attempt had posted it after all), `retried` (will be tried again), `failed` (given up on), `reduced` (posted in
 * the reduced form after Discord refused the full one). `paused` counts subscriptions paused by the pass.
 */
export type DeliveryOutcome = 'delivered' | 'found' | 'retried' | 'failed' | 'paused' | 'reduced';

const DELIVERY_OUTCOMES: readonly DeliveryOutcome[] = ['delivered', 'found', 'retried', 'failed', 'paused', 'reduced'];

/** A delivery pass's figures: any of the {@link DeliveryOutcome} counts, and `messages` sent. Other keys are ignored. */
export type DeliveryFigures = Partial<Record<DeliveryOutcome | 'messages', number>>;

/** Posts waiting in the outbox, for subscriptions that are active or paused (a paused one's posts wait for it). */
export interface OutboxReading {
	active: PendingPosts;
	paused: PendingPosts;
}

/** A number of pending posts and when the oldest of them was queued (epoch ms; undefined when there is none). */
export interface PendingPosts {
	pending: number;
	oldestQueuedAt: number | undefined;
}

/**
 * The release feed's figures, read at scrape time. Implemented against the store by `feedReadings.ts`; a method that
 * throws leaves its gauges out of that scrape (the scrape itself still succeeds).
 */
export interface FeedReadings {
	/** Pending posts by subscription state. */
	outbox(): Promise<OutboxReading>;
	/** Subscriptions whose posting is paused (a 403/404 from Discord, waiting for an admin). */
	pausedSubscriptions(): Promise<number>;
	/** When a poll tick last reached the portal successfully (epoch ms), undefined before the first one. */
	lastPollSuccessAt(): number | undefined;
}

/** Where the gauges read their values at scrape time; every part is optional (its gauges stay empty without it). */
export interface GaugeSources {
	/** The local catalog: how many mods, and when the portal's list was fetched. */
	catalog?: { readonly size: number; readonly fetchedAt: Date | undefined };
	/** The gateway's heartbeat round trip in ms (discord.js `client.ws.ping`: -1 before the first heartbeat). */
	gatewayPingMs?: () => number;
	feed?: FeedReadings;
}

/** The bot's metrics: one registry, observer methods for the hooks, and {@link readFrom} for the gauges. */
export interface BotMetrics {
	/** The registry `/metrics` serves (`registry.metrics()`, `registry.contentType`). */
	readonly registry: Registry;
	// Properties, not methods: each is handed to a hook as it is (`onRequest: metrics.portalRequest`).
	/** One handled interaction (the hook of `createInteractionHandler`). */
	readonly interaction: (observation: InteractionObservation) => void;
	/** One HTTP request to the mod portal (the `onRequest` hook of `PortalClient`). */
	readonly portalRequest: (observation: PortalRequestObservation) => void;
	/** One release poller tick, `ms` long. */
	readonly pollTick: (tick: { ms: number; outcome: PollTickOutcome }) => void;
	/** The figures of one delivery pass. */
	readonly deliveries: (figures: DeliveryFigures) => void;
	/** Sets (or replaces) the sources of the gauges; until then they are left out of scrapes. */
	readonly readFrom: (sources: GaugeSources) => void;
}

/** Settings of {@link createMetrics}. */
export interface MetricsOptions {
	/** Default: a new registry. */
	registry?: Registry;
	/** Node's default metrics (`process_*`, `nodejs_*`); default true. */
	defaultMetrics?: boolean;
	/** Clock of the age gauges, epoch ms; default `Date.now`. */
	now?: () => number;
	/** Where a failing gauge source is reported (debug level); default silent. */
	log?: Logger;
}

const seconds = (ms: number) => ms / 1000;

/**
 * A gauge without labels that is read at scrape time and is left out of the scrape (no sample) while `read` gives
 * undefined, throws or rejects: prom-client's own label-less gauge always shows a value, 0 by default, which would
 * claim "pinged in 0 s" or "last success in 1970".
 */
class ReadGauge extends Gauge {
	readonly #read: () => number | undefined | Promise<number | undefined>;
	readonly #onError: (error: unknown) => void;

	constructor(
		config: { name: string; help: string; registers: Registry[] },
		read: () => number | undefined | Promise<number | undefined>,
		onError: (error: unknown) => void,
	) {
		super(config);
		this.#read = read;
		this.#onError = onError;
	}

	override async get(): ReturnType<Gauge['get']> {
		const metric = await super.get();
		let value: number | undefined;
		try {
			value = await this.#read();
		} catch (error) {
			this.#onError(error);
		}
		return { ...metric, values: value === undefined ? [] : [{ value, labels: {} }] };
	}
}

/**
 * Creates the bot's metrics in `options.registry` (default a new one). The metric names, labels and meanings are
 * listed in README "Health and metrics".
 *
 * @throws prom-client's error when the registry already holds a metric of the same name (one call per registry).
 */
export function createMetrics(options: MetricsOptions = {}): BotMetrics {
	const registry = options.registry ?? new Registry();
	const now = options.now ?? Date.now;
	const log = options.log ?? silentLogger();
	let sources: GaugeSources = {};
	// Both outbox gauges are collected in parallel in one scrape: they share one reading.
	let outboxReading: Promise<OutboxReading> | undefined;
	const readOutbox = (feed: FeedReadings) =>
		(outboxReading ??= feed.outbox().finally(() => {
			outboxReading = undefined;
		}));
	const registers = [registry];
	if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

	const interactions = new Counter({
		name: `${PREFIX}interactions_total`,
		help: 'Interactions handled, by command ("mod search"), type (command, autocomplete, component) and outcome (ok, user_error, portal_error, error).',
		labelNames: ['command', 'type', 'outcome'] as const,
		registers,
	});
	const interactionSeconds = new Histogram({
		name: `${PREFIX}interaction_duration_seconds`,
		help: 'Time from receiving an interaction to the end of its answer (reply, or the edit of a deferred reply), by command and type.',
		labelNames: ['command', 'type'] as const,
		buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30],
		registers,
	});
	const portalRequests = new Counter({
		name: `${PREFIX}portal_requests_total`,
		help: 'HTTP requests to the mod portal (each attempt), by endpoint template and outcome (ok, not_found, unavailable, invalid_response, rate_limited).',
		labelNames: ['endpoint', 'outcome'] as const,
		registers,
	});
	const portalSeconds = new Histogram({
		name: `${PREFIX}portal_request_duration_seconds`,
		help: 'Duration of one HTTP request to the mod portal, headers and body, by endpoint template.',
		labelNames: ['endpoint'] as const,
		buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
		registers,
	});
	const pollSeconds = new Histogram({
		name: `${PREFIX}poll_tick_duration_seconds`,
		help: 'Duration of a release poller tick (poll, queue, deliver), by outcome (ok, failed, skipped).',
		labelNames: ['outcome'] as const,
		buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
		registers,
	});
	const readGauge = (name: string, help: string, read: () => number | undefined | Promise<number | undefined>) =>
		new ReadGauge({ name: `${PREFIX}${name}`, help, registers }, read, (error) => {
			log.debug({ err: error, metric: name }, 'a metric could not be read');
		});
	readGauge(
		'poll_last_success_timestamp_seconds',
		'When a poll tick last reached the portal successfully (Unix time); absent before the first success.',
		() => {
			const at = sources.feed?.lastPollSuccessAt();
			return at === undefined ? undefined : seconds(at);
		},
	);
	const deliveries = new Counter({
		name: `${PREFIX}deliveries_total`,
		help: 'Posts handled by delivery, by outcome: delivered, found (posted by an earlier attempt), retried, failed (given up), reduced (sent without the changelog), paused (subscriptions paused).',
		labelNames: ['outcome'] as const,
		registers,
	});
	for (const outcome of DELIVERY_OUTCOMES) deliveries.inc({ outcome }, 0);
	const messages = new Counter({
		name: `${PREFIX}delivery_messages_total`,
		help: 'Messages (and forum posts) sent by delivery.',
		registers,
	});
	/** A gauge of pending posts by subscription state; `valueOf` turns each state's posts into the value. */
	const outboxGauge = (name: string, help: string, valueOf: (posts: PendingPosts) => number) =>
		new Gauge({
			name: `${PREFIX}${name}`,
			help,
			labelNames: ['subscription'] as const,
			registers,
			async collect() {
				this.reset();
				const feed = sources.feed;
				if (!feed) return;
				try {
					const outbox = await readOutbox(feed);
					this.set({ subscription: 'active' }, valueOf(outbox.active));
					this.set({ subscription: 'paused' }, valueOf(outbox.paused));
				} catch (error) {
					log.debug({ err: error, metric: name }, 'a metric could not be read');
				}
			},
		});
	outboxGauge(
		'outbox_pending',
		'Posts waiting in the outbox, by the state of their subscription (active, paused).',
		(posts) => posts.pending,
	);
	outboxGauge(
		'outbox_oldest_pending_age_seconds',
		'Age of the oldest post waiting in the outbox, by the state of its subscription (0 when none waits).',
		(posts) => (posts.oldestQueuedAt === undefined ? 0 : Math.max(0, seconds(now() - posts.oldestQueuedAt))),
	);
	readGauge(
		'subscriptions_paused',
		'Subscriptions whose posting is paused because Discord refused it (403 or 404), until an admin resumes them.',
		() => sources.feed?.pausedSubscriptions(),
	);
	readGauge('catalog_mods', 'Mods in the local catalog (0 before the first catalog).', () => sources.catalog?.size);
	readGauge(
		'catalog_age_seconds',
		"Time since the local catalog's mod list was fetched from the portal; absent before the first catalog.",
		() => {
			const fetchedAt = sources.catalog?.fetchedAt;
			return fetchedAt === undefined ? undefined : Math.max(0, seconds(now() - fetchedAt.getTime()));
		},
	);
	readGauge(
		'gateway_ping_seconds',
		"Round trip of the Discord gateway's last heartbeat; absent before the first one.",
		() => {
			const ping = sources.gatewayPingMs?.();
			return ping === undefined || ping < 0 ? undefined : seconds(ping);
		},
	);

	return {
		registry,
		interaction({ command, type, outcome, ms }) {
			interactions.inc({ command, type, outcome });
			interactionSeconds.observe({ command, type }, seconds(ms));
		},
		portalRequest({ endpoint, outcome, ms }) {
			portalRequests.inc({ endpoint, outcome });
			portalSeconds.observe({ endpoint }, seconds(ms));
		},
		pollTick({ ms, outcome }) {
			pollSeconds.observe({ outcome }, seconds(ms));
		},
		deliveries(figures) {
			for (const outcome of DELIVERY_OUTCOMES) {
				const count = figures[outcome] ?? 0;
				if (count > 0) deliveries.inc({ outcome }, count);
			}
			if ((figures.messages ?? 0) > 0) messages.inc(figures.messages);
		},
		readFrom(next) {
			sources = next;
		},
	};
}
