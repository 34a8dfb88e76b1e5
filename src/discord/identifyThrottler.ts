/**
 * Identify spacing across processes (issue 9 §1). Discord lets a bot start `max_concurrency` sessions per 5 seconds,
 * one per rate-limit bucket `shard_id % max_concurrency` (Discord docs, Gateway, "Sharding for Large Bots" / "Max
 * Concurrency"); an IDENTIFY beyond that is refused (op 9, INVALID_SESSION). @discordjs/ws spaces identifies within
 * one process (`SimpleIdentifyThrottler`); its `buildIdentifyThrottler` hook (a `WebSocketManager` option that
 * discord.js passes on from the client's `ws` options) takes another `IIdentifyThrottler`. This one holds a
 * PostgreSQL advisory lock per bucket for the 5 seconds after an identify, so processes that start together, on any
 * number of machines, take turns.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { IIdentifyThrottler } from '@discordjs/ws';
import pg from 'pg';
import { silentLogger, type Logger } from '../log.js';
import { ADVISORY_NAMESPACE } from '../storage/leader.js';

/** Second advisory key of bucket 0; bucket `b` uses `IDENTIFY_LOCK_BASE + b`. */
export const IDENTIFY_LOCK_BASE = 1_000;

/** Options of {@link PostgresIdentifyThrottler}. */
export interface PostgresIdentifyThrottlerOptions {
	/** The PostgreSQL store URL (a connection of its own is opened per identify and closed after the window). */
	url: string;
	/** `session_start_limit.max_concurrency` of `GET /gateway/bot`. */
	maxConcurrency: number;
	/** How long a bucket stays taken after an identify, in ms. Default 5,000 (Discord's window). */
	windowMs?: number;
	/** How often a waiting process tries the lock again, in ms. Default 250. */
	pollMs?: number;
	log?: Logger;
	/** Called when a bucket's window has ended and its lock is given back (metrics, tests). */
	onWindowEnd?: (bucket: number) => void;
}

/** An `IIdentifyThrottler` whose buckets are PostgreSQL advisory locks (see the module comment). */
export class PostgresIdentifyThrottler implements IIdentifyThrottler {
	readonly #options: PostgresIdentifyThrottlerOptions;
	readonly #log: Logger;
	/** Per bucket, the end of the last local turn: one process's own shards wait for each other here first. */
	readonly #turns = new Map<number, Promise<void>>();
	readonly #open = new Set<pg.Client>();
	#closed = false;

	constructor(options: PostgresIdentifyThrottlerOptions) {
		this.#options = options;
		this.#log = options.log ?? silentLogger();
	}

	/**
	 * Resolves when shard `shardId` may identify: its bucket's lock is held by this process, which gives it back
	 * `windowMs` later. When the store cannot be reached the bucket is spaced within this process only (logged).
	 *
	 * @throws the signal's reason when `signal` aborts first (as `IIdentifyThrottler` requires).
	 */
	async waitForIdentify(shardId: number, signal: AbortSignal): Promise<void> {
		const bucket = shardId % Math.max(1, this.#options.maxConcurrency);
		const previous = this.#turns.get(bucket) ?? Promise.resolve();
		let endTurn!: () => void;
		const turn = new Promise<void>((resolve) => (endTurn = resolve));
		this.#turns.set(
			bucket,
			previous.then(() => turn),
		);
		try {
			await abortable(previous, signal);
		} catch (error) {
			endTurn();
			throw error;
		}
		let client: pg.Client | undefined;
		try {
			client = await this.#lock(bucket, signal);
		} catch (error) {
			if (signal.aborted) {
				endTurn();
				throw error;
			}
			this.#log.warn({ err: error, bucket }, 'identify spacing across processes failed; spacing within this process');
		}
		const windowMs = this.#options.windowMs ?? 5_000;
		const timer = setTimeout(() => {
			void this.#release(client).finally(() => {
				this.#options.onWindowEnd?.(bucket);
				endTurn();
			});
		}, windowMs);
		timer.unref();
	}

	/** Gives every held bucket back at once (the bot is stopping). */
	async close(): Promise<void> {
		this.#closed = true;
		await Promise.all([...this.#open].map((client) => this.#release(client)));
	}

	async #lock(bucket: number, signal: AbortSignal): Promise<pg.Client> {
		const client = new pg.Client({
			connectionString: this.#options.url,
			application_name: 'factorio-mod-bot identify',
		});
		client.on('error', () => undefined);
		await client.connect();
		this.#open.add(client);
		try {
			for (;;) {
				if (this.#closed) throw new Error('the identify throttler is closed');
				const { rows } = await client.query<{ locked: boolean }>(
					'select pg_try_advisory_lock($1::int, $2::int) as locked',
					[ADVISORY_NAMESPACE, IDENTIFY_LOCK_BASE + bucket],
				);
				if (rows[0]?.locked === true) return client;
				await sleep(this.#options.pollMs ?? 250, undefined, { signal });
			}
		} catch (error) {
			await this.#release(client);
			throw error;
		}
	}

	/** Ending the session gives its advisory locks back. */
	async #release(client: pg.Client | undefined): Promise<void> {
		if (!client || !this.#open.delete(client)) return;
		await client.end().catch(() => undefined);
	}
}

/** `promise`, or the signal's reason when it aborts first. */
function abortable(promise: Promise<void>, signal: AbortSignal): Promise<void> {
	if (signal.aborted) return Promise.reject(signal.reason as Error);
	return new Promise((resolve, reject) => {
		const onAbort = () => {
			reject(signal.reason as Error);
		};
		signal.addEventListener('abort', onAbort, { once: true });
		promise.then(
			() => {
				signal.removeEventListener('abort', onAbort);
				resolve();
			},
			(error: unknown) => {
				signal.removeEventListener('abort', onAbort);
				reject(error instanceof Error ? error : new Error(String(error)));
			},
		);
	});
}
