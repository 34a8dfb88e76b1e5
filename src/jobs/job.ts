import { createTask, type ScheduledTask } from 'node-cron';
import type { Logger } from '../log.js';

/** A scheduled job: `run()` performs one tick now (joining a tick already under way), `stop()` ends the schedule. */
export interface Job {
	run(): Promise<void>;
	stop(): Promise<void>;
}

/** A {@link Job} on a cron schedule: `periodMs()` is the time between its next two ticks (ms; undefined: none). */
export interface ScheduledJob extends Job {
	periodMs(): number | undefined;
}

/**
 * Wraps `tick` as a node-cron job on `cron` that never overlaps itself and never throws: a failing tick is logged
 * and the next one runs as scheduled.
 */
export function scheduleJob(options: {
	name: string;
	cron: string;
	log: Logger;
	tick: () => Promise<void>;
}): ScheduledJob {
	const { name, cron, log, tick } = options;
	let running: Promise<void> | undefined;
	const run = (): Promise<void> => {
		running ??= tick()
			.catch((error: unknown) => {
				log.warn({ job: name, err: error }, 'job tick failed');
			})
			.finally(() => {
				running = undefined;
			});
		return running;
	};
	const task: ScheduledTask = createTask(cron, run, { name, noOverlap: true });
	void task.start();
	return {
		run,
		periodMs() {
			const [next, after] = task.getNextRuns(2);
			return next && after ? after.getTime() - next.getTime() : undefined;
		},
		async stop() {
			await task.destroy();
			await running;
		},
	};
}
