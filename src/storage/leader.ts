/**
 * One leader among the bot processes of a store (issue 9 §2): exactly one process at a time runs the poller, the
 * catalog refresh, command registration and delivery.
 *
 * PostgreSQL: the leader holds a session-level advisory lock (PostgreSQL docs, "Advisory Locks" and "Advisory Lock
 * Functions": `pg_try_advisory_lock`) on a connection of its own. The lock goes the moment that session ends:
 * - the process dies (SIGKILL, a crash): the kernel closes the socket, the server ends the session at once;
 * - the process freezes (SIGSTOP, a long GC pause, a suspended VM), or the network goes: the session was opened with
 *   `idle_session_timeout` (PostgreSQL 14+, "Client Connection Defaults"), so without the heartbeat query the server
 *   ends it after {@link LeaderOptions.sessionTimeoutMs}; TCP keepalive covers a half-open socket.
 * Each process retries every {@link LeaderOptions.retryMs}; a process that wins increments the leader term in the
 * `state` table (`leader.term`). The tick's own work is fenced: {@link LeaderElector.assertLeader}, called inside the
 * tick's transaction, takes a shared transaction-level advisory lock and compares the stored term with its own, so a
 * frozen leader that wakes after another took over cannot commit (its term is stale), and a transaction of it caught
 * open while the new leader takes over is ended by the new leader (`pg_terminate_backend`) before the term moves.
 *
 * SQLite: a store serves one process (`processLock.ts`), which is always the leader.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { silentLogger, type Logger } from '../log.js';
import type { OpenDatabase } from './database.js';
import type { Database } from './schema.js';
import { readState, STATE_KEYS } from './state.js';

/** First key of the bot's two-key advisory locks (`'FMB'`), so other users of the database are not in the way. */
export const ADVISORY_NAMESPACE = 0x464d42;
/** Second key: the leader's session lock. */
export const LEADER_LOCK = 1;
/** Second key: the fence taken shared by ticks and exclusive by a new leader while it moves the term. */
export const FENCE_LOCK = 2;

/** The process is not (or no longer) the leader: the fenced work must not commit. */
export class NotLeaderError extends Error {
	override readonly name = 'NotLeaderError';
}

/** A change of this process's role: leader with its term, or follower. */
export type LeadershipChange = { leader: true; term: number } | { leader: false };

/** Who leads: see the module comment. */
export interface LeaderElector {
	/** True while this process is the leader. */
	readonly isLeader: boolean;
	/** The term this process leads in; undefined while it is a follower. SQLite: always 0. */
	readonly term: number | undefined;
	/**
	 * Makes the first attempt and keeps trying (PostgreSQL) until {@link stop}.
	 *
	 * @returns whether this process is the leader after the first attempt. Never throws: a database that cannot be
	 *   reached makes the process a follower that keeps retrying (logged).
	 */
	start(): Promise<boolean>;
	/** Calls `listener` on every change of role (not for the role at subscription time). @returns unsubscribe. */
	onChange(listener: (change: LeadershipChange) => void): () => void;
	/**
	 * The fence: call it first inside the transaction of leader-only work (the feed tick), on that transaction.
	 *
	 * @param trx a Kysely transaction (`db.transaction().execute(trx => ...)`); the check holds until it ends.
	 * @throws {NotLeaderError} when this process is not the leader, or another process has taken over since (a
	 *   newer term is stored); the transaction must then roll back (Kysely does when the callback throws).
	 * @throws {TypeError} when `trx` is not a transaction (the check would not hold until the commit).
	 */
	assertLeader(trx: Kysely<Database>): Promise<void>;
	/** Gives up leadership (the lock is released at once) and stops trying. Idempotent. */
	stop(): Promise<void>;
}

/** Timing of the PostgreSQL elector. Failover after a freeze takes at most `sessionTimeoutMs` + `retryMs`. */
export interface LeaderOptions {
	/** `idle_session_timeout` of the leader's session, in ms. Default 4,000. */
	sessionTimeoutMs?: number;
	/** Heartbeat query of the leader, in ms; well below `sessionTimeoutMs`. Default 1,000. */
	heartbeatMs?: number;
	/** A follower's next attempt, in ms; below `sessionTimeoutMs` (its attempts keep its session alive). Default 1,000. */
	retryMs?: number;
	/** How long a new leader waits for open fenced transactions of the old one before ending them, in ms. Default 2,000. */
	fenceWaitMs?: number;
	log?: Logger;
}

/**
 * The elector for a store: always-leader on SQLite, the advisory lock on PostgreSQL (see the module comment).
 *
 * @param database the open store; on PostgreSQL the elector opens one more connection to `database.url`.
 */
export function createLeaderElector(database: OpenDatabase, options: LeaderOptions = {}): LeaderElector {
	return database.engine === 'sqlite' ? new SoleLeader() : new PostgresLeaderElector(database.url, options);
}

/** SQLite: the one process of the store leads, term 0. */
class SoleLeader implements LeaderElector {
	#stopped = false;
	get isLeader(): boolean {
		return !this.#stopped;
	}
	get term(): number | undefined {
		return this.#stopped ? undefined : 0;
	}
	start(): Promise<boolean> {
		return Promise.resolve(!this.#stopped);
	}
	onChange(): () => void {
		return () => undefined;
	}
	assertLeader(trx: Kysely<Database>): Promise<void> {
		if (!trx.isTransaction) throw new TypeError('assertLeader needs the transaction of the fenced work');
		if (this.#stopped) throw new NotLeaderError('This process has stopped leading.');
		return Promise.resolve();
	}
	stop(): Promise<void> {
		this.#stopped = true;
		return Promise.resolve();
	}
}

/**
 * Checks, inside `trx`, that `term` is still the stored leader term (see {@link LeaderElector.assertLeader}).
 *
 * @throws {NotLeaderError} when a newer term is stored; the driver's error.
 */
export async function assertTerm(trx: Kysely<Database>, term: number): Promise<void> {
	if (!trx.isTransaction) throw new TypeError('assertLeader needs the transaction of the fenced work');
	await sql`select pg_advisory_xact_lock_shared(${ADVISORY_NAMESPACE}::int, ${FENCE_LOCK}::int)`.execute(trx);
	const stored = await readState(trx, STATE_KEYS.leaderTerm);
	if (stored !== term) {
		throw new NotLeaderError(`Another process leads now (term ${String(stored)}; this process had term ${term}).`);
	}
}

class PostgresLeaderElector implements LeaderElector {
	readonly #url: string;
	readonly #log: Logger;
	readonly #sessionTimeoutMs: number;
	readonly #heartbeatMs: number;
	readonly #retryMs: number;
	readonly #fenceWaitMs: number;
	readonly #listeners = new Set<(change: LeadershipChange) => void>();
	#connection: pg.Client | undefined;
	#term: number | undefined;
	#timer: NodeJS.Timeout | undefined;
	#stopped = false;
	#started = false;
	/** The attempt or heartbeat under way, so `stop()` can wait for it. */
	#busy: Promise<void> = Promise.resolve();
	#warnedUnreachable = false;

	constructor(url: string, options: LeaderOptions) {
		this.#url = url;
		this.#log = options.log ?? silentLogger();
		this.#sessionTimeoutMs = options.sessionTimeoutMs ?? 4_000;
		this.#heartbeatMs = options.heartbeatMs ?? 1_000;
		this.#retryMs = options.retryMs ?? 1_000;
		this.#fenceWaitMs = options.fenceWaitMs ?? 2_000;
	}

	get isLeader(): boolean {
		return this.#term !== undefined;
	}

	get term(): number | undefined {
		return this.#term;
	}

	async start(): Promise<boolean> {
		if (this.#started) return this.isLeader;
		this.#started = true;
		await this.#step();
		if (!this.isLeader)
			this.#log.info('this process is a follower: another process leads (or the store is unreachable)');
		return this.isLeader;
	}

	onChange(listener: (change: LeadershipChange) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	assertLeader(trx: Kysely<Database>): Promise<void> {
		const term = this.#term;
		if (term === undefined) return Promise.reject(new NotLeaderError('This process is not the leader.'));
		return assertTerm(trx, term);
	}

	async stop(): Promise<void> {
		if (this.#stopped) return;
		this.#stopped = true;
		clearTimeout(this.#timer);
		await this.#busy;
		const connection = this.#connection;
		this.#connection = undefined;
		if (this.#term !== undefined) {
			this.#term = undefined;
			this.#log.info('this process stopped leading');
			this.#emit({ leader: false });
		}
		await connection?.end().catch(() => undefined);
	}

	/** One attempt (follower) or heartbeat (leader), then the next one is scheduled. */
	#step(): Promise<void> {
		const run = async () => {
			try {
				if (this.isLeader) await this.#heartbeat();
				else await this.#attempt();
			} catch (error) {
				this.#drop(error);
			}
		};
		this.#busy = run().finally(() => {
			if (this.#stopped) return;
			this.#timer = setTimeout(() => void this.#step(), this.isLeader ? this.#heartbeatMs : this.#retryMs);
		});
		return this.#busy;
	}

	async #connect(): Promise<pg.Client> {
		if (this.#connection) return this.#connection;
		const client = new pg.Client({
			connectionString: this.#url,
			application_name: 'factorio-mod-bot leader election',
			keepAlive: true,
			keepAliveInitialDelayMillis: this.#sessionTimeoutMs,
			connectionTimeoutMillis: this.#sessionTimeoutMs,
			query_timeout: this.#sessionTimeoutMs,
		});
		// Without an error listener a dropped connection would crash the process; the session's end is the signal.
		client.on('error', (error) => {
			if (this.#connection === client) this.#drop(error);
		});
		client.on('end', () => {
			if (this.#connection === client) this.#drop(new Error('the leader election connection ended'));
		});
		try {
			await client.connect();
			await client.query(`set idle_session_timeout = ${Math.round(this.#sessionTimeoutMs)}`);
		} catch (error) {
			await client.end().catch(() => undefined);
			throw error;
		}
		if (this.#stopped) {
			await client.end().catch(() => undefined);
			throw new Error('stopped');
		}
		this.#connection = client;
		this.#warnedUnreachable = false;
		return client;
	}

	async #attempt(): Promise<void> {
		const client = await this.#connect();
		const { rows } = await client.query<{ locked: boolean }>(
			'select pg_try_advisory_lock($1::int, $2::int) as locked',
			[ADVISORY_NAMESPACE, LEADER_LOCK],
		);
		if (rows[0]?.locked !== true || this.#stopped) return;
		let term: number;
		try {
			term = await this.#nextTerm(client);
		} catch (error) {
			// Holding the lock without a term would block everyone: give the session up.
			await client.query('select pg_advisory_unlock($1::int, $2::int)', [ADVISORY_NAMESPACE, LEADER_LOCK]).catch(() => {
				void client.end().catch(() => undefined);
			});
			throw error;
		}
		if (this.#connection !== client) return;
		this.#term = term;
		this.#log.info(
			{ term },
			'this process is the leader: it polls the portal, refreshes the catalog, registers the commands and delivers',
		);
		this.#emit({ leader: true, term });
	}

	/**
	 * Moves the stored term on, holding the fence exclusively: waits up to `fenceWaitMs` for fenced transactions of
	 * the previous leader, then ends the sessions still holding the fence (that process no longer leads).
	 */
	async #nextTerm(client: pg.Client): Promise<number> {
		const deadline = Date.now() + this.#fenceWaitMs;
		let ended = false;
		await client.query('begin');
		try {
			for (;;) {
				const { rows } = await client.query<{ locked: boolean }>(
					'select pg_try_advisory_xact_lock($1::int, $2::int) as locked',
					[ADVISORY_NAMESPACE, FENCE_LOCK],
				);
				if (rows[0]?.locked === true) break;
				if (!ended && Date.now() >= deadline) {
					ended = true;
					const result = await client.query(
						`select pg_terminate_backend(pid) from pg_locks
						 where locktype = 'advisory' and classid = $1::oid and objid = $2::oid and objsubid = 2 and granted
						   and pid <> pg_backend_pid()
						   and database = (select oid from pg_database where datname = current_database())`,
						[ADVISORY_NAMESPACE, FENCE_LOCK],
					);
					this.#log.warn({ sessions: result.rowCount }, 'ended open work of the previous leader');
				}
				await sleep(100);
			}
			const { rows } = await client.query<{ value: string }>(
				`insert into state (key, value) values ($1, '1')
				 on conflict (key) do update set value = ((state.value)::bigint + 1)::text
				 returning value`,
				[STATE_KEYS.leaderTerm],
			);
			await client.query('commit');
			return Number(rows[0]?.value);
		} catch (error) {
			await client.query('rollback').catch(() => undefined);
			throw error;
		}
	}

	async #heartbeat(): Promise<void> {
		const client = this.#connection;
		if (!client) throw new Error('the leader election connection is gone');
		await client.query('select 1');
	}

	/** The session is gone or unusable: stop leading at once, close it, and let the next attempt reconnect. */
	#drop(error: unknown): void {
		const connection = this.#connection;
		this.#connection = undefined;
		void connection?.end().catch(() => undefined);
		if (this.#stopped) return;
		if (this.#term !== undefined) {
			this.#term = undefined;
			this.#log.warn({ err: error }, 'this process lost the leadership (its database session ended)');
			this.#emit({ leader: false });
		} else if (!this.#warnedUnreachable) {
			this.#warnedUnreachable = true;
			this.#log.warn({ err: error }, 'the leader election cannot reach the store; retrying');
		}
	}

	#emit(change: LeadershipChange): void {
		for (const listener of this.#listeners) {
			try {
				listener(change);
			} catch (error) {
				this.#log.error({ err: error }, 'a leadership listener failed');
			}
		}
	}
}
