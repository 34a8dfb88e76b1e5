/**
 * How the release feed is doing, for honest health reporting in `/subscriptions`: when the portal was last polled
 * successfully, since when polling fails, and when the next check comes while the poller backs off. Kept in memory;
 * a restart starts fresh.
 */
export class FeedStatus {
	/** The last poll tick that reached the portal and queued what it found. */
	lastSuccessAt: Date | undefined;
	/** The first failure of the current run of failing ticks; undefined while polling works. */
	failingSince: Date | undefined;
	/** A short reason of the last failure, fit to show to a server admin (no secrets). */
	lastFailure: string | undefined;
	/** Set while the bot waits for its first catalog before it can record what exists. */
	waitingForCatalog = false;
	/** While failing and backing off: when the portal is checked next; undefined at the normal pace. */
	nextCheckAt: Date | undefined;

	/** Records a successful tick at `at`. */
	succeeded(at = new Date()): void {
		this.lastSuccessAt = at;
		this.failingSince = undefined;
		this.lastFailure = undefined;
		this.waitingForCatalog = false;
		this.nextCheckAt = undefined;
	}

	/**
	 * Records a failed tick at `at` with a short, secret-free `reason`, and `nextCheckAt` when the poller backs off
	 * (undefined: the next scheduled tick).
	 */
	failed(reason: string, at = new Date(), nextCheckAt?: Date): void {
		this.failingSince ??= at;
		this.lastFailure = reason;
		this.nextCheckAt = nextCheckAt;
	}
}
