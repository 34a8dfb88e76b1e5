import { describe, expect, it } from 'vitest';
import { leaderJob, whileLeader } from '../../src/jobs/leadership.js';
import { silentLogger } from '../../src/log.js';
import type { LeaderElector, LeadershipChange } from '../../src/storage/leader.js';

/** An elector the test switches by hand. */
function manualElector(term?: number) {
	const listeners = new Set<(change: LeadershipChange) => void>();
	let current = term;
	const elector = {
		get isLeader() {
			return current !== undefined;
		},
		get term() {
			return current;
		},
		start: () => Promise.resolve(current !== undefined),
		onChange(listener: (change: LeadershipChange) => void) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		assertLeader: () => Promise.resolve(),
		stop: () => Promise.resolve(),
	} satisfies LeaderElector;
	const change = (next: number | undefined) => {
		current = next;
		for (const listener of listeners) listener(next === undefined ? { leader: false } : { leader: true, term: next });
	};
	return { elector, change };
}

/** Work that records its life. */
function recorder() {
	const events: string[] = [];
	let ticks = 0;
	const start = (term: number, first: boolean) => {
		events.push(`start ${term}${first ? ' first' : ''}`);
		return {
			job: {
				run: () => {
					ticks++;
					return Promise.resolve();
				},
				stop: () => Promise.resolve(),
			},
			stop: () => {
				events.push(`stop ${term}`);
				return Promise.resolve();
			},
		};
	};
	return { events, start, ticks: () => ticks };
}

describe('whileLeader', () => {
	it('does start the work when the process leads and stop it when it no longer does', async () => {
		const { elector, change } = manualElector(1);
		const work = recorder();
		const running = whileLeader(elector, silentLogger(), work.start);
		await running.ready;
		expect(running.current).toBeDefined();
		change(undefined);
		await running.settled();
		expect(running.current).toBeUndefined();
		change(3);
		await running.settled();
		await running.stop();
		expect(work.events).toEqual(['start 1 first', 'stop 1', 'start 3', 'stop 3']);
	});

	it('does run nothing in a follower, and run the ticks of the leader once its work has started', async () => {
		const { elector, change } = manualElector(undefined);
		const work = recorder();
		const running = whileLeader(elector, silentLogger(), work.start);
		const job = leaderJob(running, (current) => current.job);
		await running.ready;
		await job.run();
		expect(work.ticks()).toBe(0);
		change(2);
		await job.run();
		expect(work.ticks()).toBe(1);
		await running.stop();
		await job.run();
		expect(work.ticks()).toBe(1);
	});
});
