/**
 * The mod portal's rate-limit pause, shared by every request of one {@link PortalClient}: after a 429 no request goes
 * out until its `Retry-After` has passed (Wube's "Factorio HTTP API usage guidelines", portal-api.md "Rules of use":
 * back off on errors, no tight loops; abusive clients get rate limited or banned). A pause only ever grows: a shorter
 * `Retry-After` arriving during a longer pause does not end it early.
 */

/** Longest pause honoured, in milliseconds (one hour): a garbled `Retry-After` must not silence the bot for days. */
export const MAX_PAUSE_MS = 3_600_000;

/** The pause state; see the module comment. Times are epoch milliseconds of the injected clock. */
export class PortalRateLimit {
	#until: number | undefined;
	#reason: string | undefined;

	/** @param now - the clock, epoch milliseconds (default `Date.now`). */
	constructor(readonly now: () => number = Date.now) {}

	/** When requests may go out again; undefined when no pause is running. */
	get pausedUntil(): Date | undefined {
		return this.#until !== undefined && this.#until > this.now() ? new Date(this.#until) : undefined;
	}

	/** Why the running pause began (e.g. `HTTP 429, asked to wait 120 s`); undefined when none is running. */
	get reason(): string | undefined {
		return this.pausedUntil === undefined ? undefined : this.#reason;
	}

	/** Milliseconds left of the pause; 0 when requests may go out. */
	remainingMs(): number {
		return this.#until === undefined ? 0 : Math.max(0, this.#until - this.now());
	}

	/**
	 * Pauses every request for `ms` milliseconds from now (capped at {@link MAX_PAUSE_MS}), unless a pause that ends
	 * later is running.
	 *
	 * @param reason - a short, secret-free reason for error messages.
	 */
	pause(ms: number, reason: string): void {
		const until = this.now() + Math.min(Math.max(0, ms), MAX_PAUSE_MS);
		if (this.#until === undefined || until > this.#until || this.remainingMs() === 0) {
			this.#until = until;
			this.#reason = reason;
		}
	}
}
