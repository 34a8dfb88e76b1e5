/**
 * A failed REST call as the feed's refusal policy takes it (`services/announcements/refusals.ts`): Discord's HTTP
 * status and JSON error code when it answered, and a message free of secrets. discord.js throws `DiscordAPIError`
 * for 4xx answers (`message` is Discord's, with the field errors of a 50035 flattened in), `HTTPError` for 5xx
 * after its own retries (`message` is the status text), and the transport's error when no answer came (a timeout is
 * an `AbortError`, a dropped connection undici's "other side closed"). None of them carries the token: discord.js
 * keeps the request (`requestBody`, `url`) in other properties, which are not used here.
 */
import { DiscordAPIError, HTTPError } from 'discord.js';
import type { PostFailure } from '../services/announcements/refusals.js';

/** The {@link PostFailure} of an error thrown by a discord.js REST call (anything else: its message only). */
export function postFailureOf(error: unknown): PostFailure {
	if (error instanceof DiscordAPIError) {
		const code = typeof error.code === 'number' ? error.code : Number.parseInt(error.code, 10);
		return { status: error.status, ...(Number.isFinite(code) ? { code } : {}), message: error.message };
	}
	if (error instanceof HTTPError) return { status: error.status, message: error.message };
	if (error instanceof Error) return { message: error.message || error.name };
	return { message: String(error) };
}
