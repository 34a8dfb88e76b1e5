/**
 * Leader-only work (issue 9 §2): the release poller, the catalog refresh and command registration run in the one
 * process that leads (`storage/leader.ts`), start when it becomes the leader and stop the moment it stops.
 */
import type { Logger } from '../log.js';
import type { LeaderElector } from '../storage/leader.js';
import type { Job } from './job.js';

/** What runs while leading; `stop()` ends it (jobs stopped, their running ticks awaited). */
export interface LeaderWork {
	stop(): Promise<void>;
}

/** The work of the current term, and how to end it for good. */
export interface WhileLeader<W extends LeaderWork> {
	/** The work running now; undefined while this process follows. */
	readonly current: W | undefined;
	/** Settles when the work of the role at start (leader: started; follower: nothing) is in place. */
	readonly ready: Promise<void>;
	/** Settles when every start and stop asked for so far has finished. */
	settled(): Promise<void>;
	/** Stops the work and stops following leadership changes. */
	stop(): Promise<void>;
}

/**
 * Runs `start(term, first)` whenever `elector` makes this process the leader and stops what it returned whenever
 * the process stops leading. Starts and stops run one after another, in the order of the changes. `start` that
 * throws is logged, and the process leads without that work until the next change.
 *
 * @param start `first` is true for the term this process held when `whileLeader` was called.
 */
export function whileLeader<W extends LeaderWork>(
	elector: LeaderElector,
	log: Logger,
	start: (term: number, first: boolean) => W | Promise<W>,
): WhileLeader<W> {
	let current: W | undefined;
	let stopped = false;
	let queue: Promise<void> = Promise.resolve();
	const enqueue = (step: () => Promise<void>) => {
		queue = queue.then(step).catch((error: unknown) => {
			log.error({ err: error }, 'starting or stopping the leader work failed');
		});
		return queue;
	};
	const begin = (term: number, first: boolean) =>
		enqueue(async () => {
			if (stopped || current) return;
			current = await start(term, first);
		});
	const end = () =>
		enqueue(async () => {
			const work = current;
			current = undefined;
			await work?.stop();
		});
	const off = elector.onChange((change) => {
		if (change.leader) void begin(change.term, false);
		else void end();
	});
	const term = elector.term;
	const ready = term === undefined ? Promise.resolve() : begin(term, true);
	return {
		get current() {
			return current;
		},
		ready,
		settled: () => queue,
		async stop() {
			stopped = true;
			off();
			await end();
		},
	};
}

/**
 * A {@link Job} that stands for one job of the leader's work of the moment: `run()` runs a tick in the leader (once a
 * start under way has finished) and does nothing in a follower; `stop()` does nothing (the leader work is stopped with
 * {@link whileLeader}).
 */
export function leaderJob<W extends LeaderWork>(work: WhileLeader<W>, job: (work: W) => Job): Job {
	return {
		async run() {
			await work.settled();
			const current = work.current;
			if (current) await job(current).run();
		},
		stop: () => Promise.resolve(),
	};
}
