import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../../src/storage/database.js';
import {
	ADVISORY_NAMESPACE,
	assertTerm,
	createLeaderElector,
	LEADER_LOCK,
	NotLeaderError,
	type LeaderElector,
	type LeaderOptions,
	type LeadershipChange,
} from '../../src/storage/leader.js';
import { readState, STATE_KEYS } from '../../src/storage/state.js';
import { openTestDatabase } from '../support/database.js';

/** Short timings so a takeover happens within a test; the defaults are in the module. */
const FAST: LeaderOptions = { sessionTimeoutMs: 1_500, heartbeatMs: 300, retryMs: 200, fenceWaitMs: 300 };

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
	for (const item of opened.splice(0).reverse()) await item.close();
});

async function database(engine: 'sqlite' | 'postgres'): Promise<OpenDatabase> {
	const db = await openTestDatabase(engine);
	opened.push(db);
	return db;
}

function elector(db: OpenDatabase, options: LeaderOptions = FAST): LeaderElector {
	const created = createLeaderElector(db, options);
	opened.push({ close: () => created.stop() });
	return created;
}

/** The next change of `who` that matches. */
function nextChange(who: LeaderElector, leader: boolean): Promise<LeadershipChange> {
	return new Promise((resolve) => {
		const off = who.onChange((change) => {
			if (change.leader === leader) {
				off();
				resolve(change);
			}
		});
	});
}

/** Ends the session that holds the leader lock, as a crash or `pg_terminate_backend` by an operator would. */
async function killLeaderSession(db: OpenDatabase): Promise<number> {
	const { rows } = await sql<{ pid: number }>`
		select pid from pg_locks
		where locktype = 'advisory' and classid = ${ADVISORY_NAMESPACE}::oid and objid = ${LEADER_LOCK}::oid
		  and granted and database = (select oid from pg_database where datname = current_database())`.execute(db.db);
	expect(rows).toHaveLength(1);
	await sql`select pg_terminate_backend(${rows[0]!.pid}::int)`.execute(db.db);
	return rows[0]!.pid;
}

describe('leader election on PostgreSQL', () => {
	it('does make exactly one of two processes the leader, with the first term', async () => {
		const db = await database('postgres');
		const [a, b] = [elector(db), elector(db)];
		const results = await Promise.all([a.start(), b.start()]);
		expect(results.filter(Boolean)).toHaveLength(1);
		const leader = results[0] ? a : b;
		expect(leader.term).toBe(1);
		expect((results[0] ? b : a).term).toBeUndefined();
		expect(await readState(db.db, STATE_KEYS.leaderTerm)).toBe(1);
	});

	it('does hand the leadership to the other process, in a new term, when the leader session is killed', async () => {
		const db = await database('postgres');
		const a = elector(db);
		expect(await a.start()).toBe(true);
		const b = elector(db);
		expect(await b.start()).toBe(false);
		const deposed = nextChange(a, false);
		const elected = nextChange(b, true);
		await killLeaderSession(db);
		await deposed;
		expect(a.isLeader).toBe(false);
		expect(await elected).toEqual({ leader: true, term: 2 });
		// The old leader keeps trying, but the new one holds the lock.
		await new Promise((resolve) => setTimeout(resolve, 3 * (FAST.retryMs ?? 0)));
		expect([a.isLeader, b.isLeader]).toEqual([false, true]);
	});

	it('does hand over when the leader stops sending heartbeats, as a frozen process does', async () => {
		const db = await database('postgres');
		// A heartbeat far beyond the session timeout: the server ends the idle session, as for a SIGSTOPped process.
		const frozen = elector(db, { ...FAST, sessionTimeoutMs: 500, heartbeatMs: 600_000 });
		expect(await frozen.start()).toBe(true);
		const other = elector(db);
		const elected = nextChange(other, true);
		expect(await other.start()).toBe(false);
		expect(await elected).toEqual({ leader: true, term: 2 });
		expect(frozen.isLeader).toBe(false);
	});

	it('does refuse the fenced transaction of a stale term, and accept the current one', async () => {
		const db = await database('postgres');
		const a = elector(db);
		await a.start();
		await db.db.transaction().execute((trx) => a.assertLeader(trx));
		const b = elector(db);
		await b.start();
		const elected = nextChange(b, true);
		await killLeaderSession(db);
		await elected;
		await expect(db.db.transaction().execute((trx) => assertTerm(trx, 1))).rejects.toBeInstanceOf(NotLeaderError);
		await expect(db.db.transaction().execute((trx) => a.assertLeader(trx))).rejects.toBeInstanceOf(NotLeaderError);
		await db.db.transaction().execute((trx) => b.assertLeader(trx));
	});

	it('does end a fenced transaction the old leader left open, so its late commit fails', async () => {
		const db = await database('postgres');
		const a = elector(db);
		await a.start();
		let release!: () => void;
		const held = new Promise<void>((resolve) => (release = resolve));
		let fenced!: () => void;
		const inside = new Promise<void>((resolve) => (fenced = resolve));
		// The old leader's tick: fenced, then stuck (frozen) before its write and commit.
		const lateCommit = db.db.transaction().execute(async (trx) => {
			await a.assertLeader(trx);
			fenced();
			await held;
			await trx.insertInto('state').values({ key: 'feed.seeded_at', value: '1' }).execute();
		});
		await inside;
		const b = elector(db);
		await b.start();
		const elected = nextChange(b, true);
		await killLeaderSession(db);
		expect(await elected).toEqual({ leader: true, term: 2 });
		release();
		await expect(lateCommit).rejects.toThrow();
		expect(await readState(db.db, STATE_KEYS.feedSeededAt)).toBeUndefined();
	});

	it('does give the lock up at once when the leader stops', async () => {
		const db = await database('postgres');
		const a = elector(db);
		await a.start();
		const b = elector(db);
		await b.start();
		const elected = nextChange(b, true);
		await a.stop();
		expect(await elected).toEqual({ leader: true, term: 2 });
	});
});

describe('leader election on SQLite', () => {
	it('does make the one process of the store the leader, and fence only inside a transaction', async () => {
		const db = await database('sqlite');
		const sole = elector(db);
		expect(await sole.start()).toBe(true);
		expect(sole.term).toBe(0);
		await db.db.transaction().execute((trx) => sole.assertLeader(trx));
		expect(() => sole.assertLeader(db.db)).toThrow(TypeError);
		await sole.stop();
		await expect(db.db.transaction().execute((trx) => sole.assertLeader(trx))).rejects.toBeInstanceOf(NotLeaderError);
	});
});
