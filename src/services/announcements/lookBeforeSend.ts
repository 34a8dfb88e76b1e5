/**
 * Exactly once for posts whose outcome is unknown. A message carries a nonce with `enforce_nonce`, and Discord
 * returns the earlier message for a repeated nonce, but only "in the past few minutes" (Discord docs, "Create
 * Message": nonce, enforce_nonce; the exact time is not documented). Starting a forum post carries no nonce at all
 * (Discord docs, "Start Thread in Forum or Media Channel"). So before a batch goes out again later than that, or
 * when it is a forum post, delivery looks for the post in the channel first, by a marker the post carries: the
 * batch nonce in the footer of its last embed ({@link postMarker}), since Discord does not keep the nonce itself
 * on a stored message (it is only in the create answer and the gateway's MESSAGE_CREATE).
 *
 * Pure: no discord.js, no render/. The look itself is `src/discord/postLookup.ts`.
 */

/**
 * How long after a batch's first attempt its nonce is trusted to dedupe a resend, in ms: 1 minute. Discord says only
 * "a few minutes"; a resend later than this is looked for first. Looking costs one or two reads, so the bound is
 * kept well inside the documented window.
 */
export const NONCE_TRUST_MS = 60_000;

/** What a post is sent as: a channel message (with a nonce) or a new forum post (no nonce). */
export type PostKind = 'message' | 'forum_post';

/** The outbox batch about to be sent (columns of `outbox`, `src/storage/schema.ts`). */
export interface BatchAttempt {
	kind: PostKind;
	/** `outbox.batch_started_at`: when the first attempt with this batch nonce started (epoch ms); null: never. */
	batchStartedAt: number | null;
}

/** A look to make before sending: find the bot's post carrying the batch's marker, created at or after `since`. */
export interface LookBefore {
	/** Epoch ms: the post cannot be older than the batch's first attempt. */
	since: number;
	/** `no_nonce`: a forum post start; `nonce_expired`: a message retried past {@link NONCE_TRUST_MS}. */
	reason: 'no_nonce' | 'nonce_expired';
}

/**
 * Whether delivery must look for an earlier post of this batch before sending it.
 *
 * - Never attempted (`batchStartedAt` null): no; nothing can have been posted. This holds only if delivery stores
 *   `batch_nonce` and `batch_started_at` (committed) before it sends the first request.
 * - A forum post start that was attempted before: always (no nonce dedupes it).
 * - A message attempted before: when `now - batchStartedAt >= nonceTrustMs`; inside that the nonce dedupes.
 *
 * @param now - epoch ms.
 * @param nonceTrustMs - default {@link NONCE_TRUST_MS}.
 * @returns the look to make, or undefined to send right away.
 */
export function lookBeforeSend(
	attempt: BatchAttempt,
	now: number,
	nonceTrustMs: number = NONCE_TRUST_MS,
): LookBefore | undefined {
	if (attempt.batchStartedAt === null) return undefined;
	if (attempt.kind === 'forum_post') return { since: attempt.batchStartedAt, reason: 'no_nonce' };
	if (now - attempt.batchStartedAt >= nonceTrustMs) return { since: attempt.batchStartedAt, reason: 'nonce_expired' };
	return undefined;
}

/** What starts a marker; the rest is the batch nonce. */
export const MARKER_PREFIX = 'ref ';

/**
 * The marker a post of the batch `nonce` carries, for the render layer's `marker` option (footer of the last embed;
 * `render/announcement.ts`, at most 64 characters): `ref {nonce}`. Every message of the batch, in the normal and the
 * reduced form, carries the same marker.
 *
 * @param nonce - `outbox.batch_nonce`, at most 25 characters of base64url.
 */
export function postMarker(nonce: string): string {
	return `${MARKER_PREFIX}${nonce}`;
}

/**
 * The batch nonce a footer text carries, or undefined when it is not a marker {@link postMarker} made (exact form:
 * `ref ` and 1-25 characters of base64url, nothing else).
 */
export function markerNonce(footer: string | undefined): string | undefined {
	if (footer === undefined || !footer.startsWith(MARKER_PREFIX)) return undefined;
	const nonce = footer.slice(MARKER_PREFIX.length);
	return /^[\w-]{1,25}$/.test(nonce) ? nonce : undefined;
}
