/**
 * Posts Discord refuses for good: what delivery does after a failed send, and the feed-health line admins see.
 *
 * A payload Discord refuses (400, e.g. 50035 Invalid Form Body; 413 / 40005 too large) is never sent unchanged
 * again: it is rendered once more in the reduced form and sent right away; refused again, the entries are `failed`
 * with a short reason. Any other failure is retried with backoff, but not forever: after {@link MAX_ATTEMPTS}
 * failed attempts the entries are `failed` too. Discord docs, "HTTP Response Codes" and "JSON Error Codes".
 *
 * Pure: no discord.js, no render/, no store. 403 and 404 (pause the subscription) are delivery's own decision and
 * come before this.
 */

/** Failed attempts after which an entry is given up on (`failed`). */
export const MAX_ATTEMPTS = 10;

/** Longest reason kept (`outbox.last_error`) and shown. */
export const REASON_MAX = 200;

/** A failed send as the poster reports it: Discord's HTTP status and JSON error code when Discord answered. */
export interface PostFailure {
	/** HTTP status; undefined when no answer came (timeout, reset connection). */
	status?: number;
	/** Discord's JSON error code (`50035` Invalid Form Body, ...), when the answer had one. */
	code?: number;
	/**
	 * Discord's message, with the field errors discord.js adds (`DiscordAPIError.message`, e.g. "Invalid Form Body
	 * embeds[0].description[BASE_TYPE_MAX_LENGTH]: Must be 4096 or fewer in length."), or the network error's message.
	 * Must hold no secrets (never the token or the request headers).
	 */
	message: string;
}

/** What delivery does next with the entries of a failed send. */
export type AfterFailure =
	/** Render the same entries in the reduced form and send that at once, same batch nonce (nothing was posted). */
	| { action: 'send_reduced' }
	/** Count the attempt (`attempts` + 1), keep `pending`, back off; `reason` goes to `last_error`. */
	| { action: 'retry'; reason: string }
	/** Set `state = 'failed'`, `last_error = reason`; never sent again. */
	| { action: 'fail'; reason: string };

/** Whether Discord refused the payload itself, so sending it unchanged again cannot succeed: 400 or 413. */
export function isRefusal(failure: PostFailure): boolean {
	return failure.status === 400 || failure.status === 413;
}

/** One line, control characters out, at most {@link REASON_MAX} characters. */
function short(text: string): string {
	// Control characters (Cc) and bidi/zero-width format characters (Cf) go; whitespace runs become one space.
	const line = text
		.replace(/[\p{Cc}\p{Cf}]+/gu, ' ')
		.replace(/\s+/g, ' ')
		.trim();
	return line.length <= REASON_MAX ? line : `${line.slice(0, REASON_MAX - 1)}…`;
}

/**
 * A short reason for admins, free of secrets: `Discord refused the post (50035): Invalid Form Body embeds[0]...`,
 * `Discord answered 503: ...`, or the network error's message.
 */
export function failureReason(failure: PostFailure): string {
	const code = failure.code === undefined || failure.code === 0 ? '' : ` (${failure.code})`;
	if (isRefusal(failure)) return short(`Discord refused the post${code}: ${failure.message}`);
	if (failure.status !== undefined) return short(`Discord answered ${failure.status}${code}: ${failure.message}`);
	return short(failure.message || 'no answer from Discord');
}

/**
 * What to do after a send failed.
 *
 * - Refused ({@link isRefusal}) in the normal form: `send_reduced` (once; the reduced send is a new try in the same
 *   pass and does not count as an attempt).
 * - Refused in the reduced form: `fail`, "refused in the reduced form too: ...".
 * - Anything else: `retry`, or `fail` when this failure makes `maxAttempts` failed attempts ("gave up after N
 *   attempts: ...").
 *
 * @param attempts - `outbox.attempts` before this failure (failed attempts so far).
 * @param reduced - whether the failed payload was already the reduced form.
 * @param maxAttempts - default {@link MAX_ATTEMPTS}.
 */
export function afterFailure(
	failure: PostFailure,
	{ attempts, reduced, maxAttempts = MAX_ATTEMPTS }: { attempts: number; reduced: boolean; maxAttempts?: number },
): AfterFailure {
	const reason = failureReason(failure);
	if (isRefusal(failure)) {
		if (!reduced) return { action: 'send_reduced' };
		return { action: 'fail', reason: short(`refused in the reduced form too: ${reason}`) };
	}
	const made = attempts + 1;
	if (made >= maxAttempts)
		return { action: 'fail', reason: short(`gave up after ${made} attempt${made === 1 ? '' : 's'}: ${reason}`) };
	return { action: 'retry', reason };
}

/** The columns of an `outbox` row the health reading needs (`src/storage/schema.ts`). */
export interface OutboxHealthRow {
	subscription_id: string;
	state: string;
	last_error: string | null;
	due_at: number;
}

/**
 * The feed-health line of failed posts: `1 post could not be sent: {reason}`, `3 posts could not be sent: {reason}`
 * with the reason of the latest (greatest `due_at`), plus ` (and N other reasons)` when they differ. Undefined when
 * no row is `failed`. Rows in other states are ignored.
 */
export function failedPostsReading(rows: Iterable<OutboxHealthRow>): string | undefined {
	const failed = [...rows].filter((row) => row.state === 'failed');
	if (failed.length === 0) return undefined;
	const latest = failed.reduce((a, b) => (b.due_at > a.due_at ? b : a));
	const reason = latest.last_error ?? 'no reason recorded';
	const others = new Set(failed.map((row) => row.last_error ?? 'no reason recorded'));
	others.delete(reason);
	const more = others.size === 0 ? '' : ` (and ${others.size} other reason${others.size === 1 ? '' : 's'})`;
	return `${failed.length} post${failed.length === 1 ? '' : 's'} could not be sent: ${reason}${more}`;
}

/** {@link failedPostsReading} per subscription id, for every subscription with a failed post. */
export function failedPostsBySubscription(rows: Iterable<OutboxHealthRow>): Map<string, string> {
	const bySubscription = new Map<string, OutboxHealthRow[]>();
	for (const row of rows) {
		if (row.state !== 'failed') continue;
		const list = bySubscription.get(row.subscription_id) ?? [];
		list.push(row);
		bySubscription.set(row.subscription_id, list);
	}
	const readings = new Map<string, string>();
	for (const [id, list] of bySubscription) {
		const reading = failedPostsReading(list);
		if (reading !== undefined) readings.set(id, reading);
	}
	return readings;
}
