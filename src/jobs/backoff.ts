/**
 * Exponential backoff across the ticks of a scheduled job: after repeated failures the job skips its ticks for a
 * growing, capped interval, and the first success resets it. Wube's "Factorio HTTP API usage guidelines" (summarised
 * in portal-api.md, "Rules of use") ask API clients for exponential backoff on errors and no tight loops.
 *
 * Our own small module rather than a library: p-retry (already used by the portal client) and its kin retry one call
 * in place; here the state must live between ticks of a cron job, be readable (for `/subscriptions`) and honour a
 * "not before" from the portal (a 429's `Retry-After`), which none of them model.
 */

/** How a {@link Backoff} grows. Durations in milliseconds. */
export interface BackoffPolicy {
	/** Consecutive failures that keep the normal pace (a blip is not an outage). */
	freeFailures: number;
	/** The wait after the first failure beyond `freeFailures`. */
	initialMs: number;
	/** Growth per further failure. */
	factor: number;
	/** Longest wait. */
	maxMs: number;
	/** A tick this early before the end of the wait still runs (the schedule's own jitter). */
	toleranceMs: number;
}

/**
 * The release poller's policy: two failed ticks at the normal pace, then 2, 4, 8, 16 and at most 30 minutes between
 * checks. With the default one-minute schedule a 10-minute outage costs 5 checks instead of 10.
 */
export const POLL_BACKOFF: BackoffPolicy = {
	freeFailures: 2,
	initialMs: 120_000,
	factor: 2,
	maxMs: 1_800_000,
	toleranceMs: 2_000,
};

/**
 * The wait after `failures` consecutive failures under `policy`: 0 up to `freeFailures`, then `initialMs`, times
 * `factor` per further failure, at most `maxMs`.
 */
export function backoffDelayMs(policy: BackoffPolicy, failures: number): number {
	const beyond = failures - policy.freeFailures;
	if (beyond <= 0) return 0;
	return Math.min(policy.maxMs, policy.initialMs * policy.factor ** (beyond - 1));
}

/** The backoff state of one job. Times are epoch milliseconds of the injected clock. */
export class Backoff {
	#failures = 0;
	#nextAt: number | undefined;

	/**
	 * @param policy - default {@link POLL_BACKOFF}.
	 * @param now - the clock, epoch milliseconds; default `Date.now`.
	 */
	constructor(
		readonly policy: BackoffPolicy = POLL_BACKOFF,
		readonly now: () => number = Date.now,
	) {}

	/** Consecutive failures since the last success. */
	get failures(): number {
		return this.#failures;
	}

	/** When the next attempt may run; undefined while the job keeps its normal pace. */
	get nextAttemptAt(): Date | undefined {
		return this.#nextAt === undefined ? undefined : new Date(this.#nextAt);
	}

	/** True when an attempt may run at `at` (default now): no wait, or the wait is over (within `toleranceMs`). */
	ready(at = this.now()): boolean {
		return this.#nextAt === undefined || at + this.policy.toleranceMs >= this.#nextAt;
	}

	/**
	 * Records a failed attempt that started at `startedAt` (default now).
	 *
	 * @param notBefore - a time the source asked to wait for (a 429's `Retry-After`); the wait covers it.
	 * @returns when the next attempt may run, or undefined when the normal pace continues.
	 */
	failed(startedAt = this.now(), notBefore?: Date): Date | undefined {
		this.#failures++;
		const delay = backoffDelayMs(this.policy, this.#failures);
		const next = Math.max(delay > 0 ? startedAt + delay : 0, notBefore?.getTime() ?? 0);
		this.#nextAt = next > startedAt ? next : undefined;
		return this.nextAttemptAt;
	}

	/** Records a success: the normal pace again. */
	succeeded(): void {
		this.#failures = 0;
		this.#nextAt = undefined;
	}
}
