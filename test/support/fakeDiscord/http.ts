import type { IncomingHttpHeaders } from 'node:http';
import { formErrorBody, isObject, objects, textLength, type FormError, type Json } from '../discordLimits.js';
import { FakeDiscordError, type FakeMessage, type RecordedFile, type RecordedRequest, type Reply } from './types.js';

/* HTTP plumbing of the fake: snowflakes, Discord's error answers, multipart bodies and recorded requests. */

/** Path prefix of the REST API (`/api`, `/api/v10`). */
export const API_PREFIX = /^\/api(?:\/v\d+)?(?=\/|$)/;
const DISCORD_EPOCH = 1_420_070_400_000n;

let lastSnowflake = 0n;

/** A fresh, increasing snowflake (Discord epoch timestamp << 22), 18–19 digits. */
export function snowflake(): string {
	let next = (BigInt(Date.now()) - DISCORD_EPOCH) << 22n;
	if (next <= lastSnowflake) next = lastSnowflake + 1n;
	lastSnowflake = next;
	return next.toString();
}

export function apiError(status: number, code: number, message: string): Reply {
	return { status, body: { code, message } };
}

export const unknownChannel = (): Reply => apiError(404, 10003, 'Unknown Channel');
export const unknownMessage = (): Reply => apiError(404, 10008, 'Unknown Message');
export const missingAccess = (): Reply => apiError(403, 50001, 'Missing Access');
export const missingPermissions = (): Reply => apiError(403, 50013, 'Missing Permissions');
export const unknownInteraction = (): Reply => apiError(404, 10062, 'Unknown interaction');
export const unknownWebhook = (): Reply => apiError(404, 10015, 'Unknown Webhook');

/** Discord's 400 50035 Invalid Form Body with its nested `errors` tree (`{field: {_errors: [{code, message}]}}`). */
export function formErrorReply(errors: FormError[]): Reply {
	return { status: 400, body: formErrorBody(errors) };
}

export function isEmptyMessage(data: Json, files: readonly RecordedFile[]): boolean {
	return (
		textLength(data.content) === 0 &&
		objects(data.embeds).length === 0 &&
		objects(data.components).length === 0 &&
		files.length === 0 &&
		!(Array.isArray(data.sticker_ids) && data.sticker_ids.length > 0) &&
		!isObject(data.poll)
	);
}

/**
 * Parses a multipart/form-data body as discord.js sends it: a `payload_json` part (JSON) and `files[n]` parts.
 * @throws SyntaxError when `payload_json` is not JSON
 */
export function parseMultipart(raw: Buffer, contentType: string): { payload: unknown; files: RecordedFile[] } {
	const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
	const files: RecordedFile[] = [];
	let payload: unknown;
	if (boundary === undefined) return { payload, files };
	const delimiter = Buffer.from(`--${boundary}`);
	let start = raw.indexOf(delimiter);
	while (start !== -1) {
		const partStart = start + delimiter.length;
		const next = raw.indexOf(delimiter, partStart);
		if (next === -1) break;
		const part = raw.subarray(partStart, next);
		const headerEnd = part.indexOf('\r\n\r\n');
		if (headerEnd !== -1) {
			const head = part.subarray(0, headerEnd).toString('utf8');
			// The part body ends with the CRLF that precedes the next delimiter.
			const content = part.subarray(headerEnd + 4, Math.max(headerEnd + 4, part.length - 2));
			const field = /name="([^"]*)"/i.exec(head)?.[1] ?? '';
			const filename = /filename="([^"]*)"/i.exec(head)?.[1];
			const type = /content-type:\s*([^\r\n]+)/i.exec(head)?.[1] ?? 'application/octet-stream';
			if (filename !== undefined)
				files.push({ field, filename, size: content.length, contentType: type.trim(), data: Buffer.from(content) });
			else if (field === 'payload_json') payload = JSON.parse(content.toString('utf8')) as unknown;
		}
		start = next;
	}
	return { payload, files };
}

export function rejected(request: RecordedRequest): void {
	if (request.status >= 400)
		throw new FakeDiscordError(
			`FakeDiscord answered ${request.method} ${request.path} with ${request.status} ${JSON.stringify(request.response ?? null)}; ` +
				`the bot sent ${JSON.stringify(request.body ?? null)}`,
		);
}

/** A message as Discord returns it when it is read back: without the `nonce` of its create request. */
export function storedMessage(message: FakeMessage): FakeMessage {
	const copy = structuredClone(message);
	delete copy.nonce;
	return copy;
}

/** A request as recorded; routes read it and `onRequest` fills in `status` and `response`. */
export class Recorded implements RecordedRequest {
	constructor(
		readonly method: string,
		readonly path: string,
		readonly query: URLSearchParams,
		readonly headers: IncomingHttpHeaders,
		readonly body: unknown,
		readonly files: readonly RecordedFile[],
		readonly at: number,
		public status = 0,
		public response?: unknown,
	) {}

	// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- a typed view chosen by the test
	json<T>(): T {
		return this.body as T;
	}
}
