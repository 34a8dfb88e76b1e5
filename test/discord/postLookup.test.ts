import { createHash } from 'node:crypto';
import { REST, Routes, type APIMessage, type APIThreadChannel } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postFailureOf } from '../../src/discord/postFailure.js';
import { PostLookup } from '../../src/discord/postLookup.js';
import { renderAnnouncementMessages } from '../../src/render/announcement.js';
import type { MessagePayload } from '../../src/render/fit.js';
import type { Announcement } from '../../src/services/announcements/snapshot.js';
import {
	NONCE_TRUST_MS,
	lookBeforeSend,
	postMarker,
	type PostKind,
} from '../../src/services/announcements/lookBeforeSend.js';
import { afterFailure, failedPostsReading } from '../../src/services/announcements/refusals.js';
import type { PortalLinks } from '../../src/services/portal/links.js';
import type { OutboxRow } from '../../src/storage/schema.js';
import { FakeDiscord } from '../support/fakeDiscord.js';

/*
 * The exactly-once pieces through discord.js's real REST against the fake Discord: a crash "mid-request" (Discord
 * acted, the bot never learned), a restart later than the nonce window, and payloads Discord refuses. `deliverBatch`
 * below follows the steps of /work/notes/feed-poster-api.md that delivery implements; the decisions are the real
 * modules', the store is plain rows.
 */

const links: PortalLinks = { portalUrl: 'https://mods.factorio.com', assetsUrl: 'https://assets-mod.factorio.com' };
const FORUM_ROUTE = /^\/channels\/\d+\/threads$/;
const MESSAGE_ROUTE = /^\/channels\/\d+\/messages$/;

let fake: FakeDiscord;

beforeEach(async () => {
	fake = await FakeDiscord.start();
});

afterEach(async () => {
	await fake.close();
});

/** A bot process's REST: no retries of its own, so an unknown outcome surfaces (as a crash would leave it). */
function restOf(timeout = 15_000): REST {
	return new REST({ api: fake.apiUrl, retries: 0, timeout }).setToken(fake.token);
}

function announcement(mod: string, version = '1.2.0'): Announcement {
	return {
		releaseKey: `${mod}@${version}`,
		mod,
		title: `${mod} title`,
		owner: 'Alice',
		version,
		factorioVersion: '2.0',
		releasedAt: '2025-01-02T03:04:05.000Z',
		isNewMod: false,
		changelog: { plain: `Changes of ${mod}:\n- one\n- two` },
	};
}

function row(subscriptionId: string, key: string): OutboxRow {
	return {
		subscription_id: subscriptionId,
		release_key: key,
		state: 'pending',
		due_at: 0,
		attempts: 0,
		batch_nonce: null,
		batch_started_at: null,
		message_id: null,
		sent_at: null,
		last_error: null,
		created_at: 0,
	};
}

function nonceOf(rows: readonly OutboxRow[]): string {
	const ids = rows.map((r) => `${r.subscription_id}|${r.release_key}`).sort();
	return createHash('sha256').update(ids.join('\n')).digest('base64url').slice(0, 25);
}

interface Target {
	kind: PostKind;
	channelId: string;
}

/**
 * One batch (one message) the way delivery sends it: nonce and start time stored before the first request; a look
 * first when `lookBeforeSend` says so; the normal form, then on refusal the reduced form once; the rows updated as
 * `afterFailure` decides. Returns what it did.
 */
async function deliverBatch(
	rest: REST,
	target: Target,
	rows: OutboxRow[],
	announcements: readonly Announcement[],
	now: number,
): Promise<'found' | 'sent' | 'retry' | 'failed'> {
	const nonce = rows[0]?.batch_nonce ?? nonceOf(rows);
	const look = lookBeforeSend({ kind: target.kind, batchStartedAt: rows[0]?.batch_started_at ?? null }, now);
	for (const r of rows) {
		r.batch_nonce = nonce;
		r.batch_started_at ??= now;
	}
	const markSent = (messageId: string) => {
		for (const r of rows) Object.assign(r, { state: 'sent', message_id: messageId, sent_at: now });
	};
	if (look) {
		const lookup = new PostLookup({ rest, botUserId: fake.botUserId });
		const found =
			target.kind === 'forum_post'
				? await lookup.findForumPost(fake.guildId, target.channelId, nonce, look.since)
				: await lookup.findMessage(target.channelId, nonce, look.since);
		if (found.messageId !== undefined) {
			markSent(found.messageId);
			return 'found';
		}
	}
	const render = (reduced: boolean): MessagePayload => {
		const [message] = renderAnnouncementMessages(links, { changelogDetail: 'full' }, announcements, {
			digestThreshold: 5,
			reduced,
			marker: () => postMarker(nonce),
		});
		if (!message) throw new Error('nothing rendered');
		return message.payload;
	};
	const send = async (payload: MessagePayload): Promise<string> => {
		if (target.kind === 'forum_post') {
			const thread = (await rest.post(Routes.threads(target.channelId), {
				body: { name: announcements[0]?.title ?? 'Release', message: payload },
			})) as APIThreadChannel;
			return thread.id;
		}
		const message = (await rest.post(Routes.channelMessages(target.channelId), {
			body: { ...payload, nonce, enforce_nonce: true },
		})) as APIMessage;
		return message.id;
	};
	let reduced = false;
	for (;;) {
		try {
			markSent(await send(render(reduced)));
			return 'sent';
		} catch (error) {
			const next = afterFailure(postFailureOf(error), { attempts: rows[0]?.attempts ?? 0, reduced });
			if (next.action === 'send_reduced') {
				reduced = true;
				continue;
			}
			for (const r of rows) {
				r.last_error = next.reason;
				if (next.action === 'fail') Object.assign(r, { state: 'failed', due_at: now });
				else Object.assign(r, { attempts: r.attempts + 1, due_at: now + 30_000 });
			}
			return next.action === 'fail' ? 'failed' : 'retry';
		}
	}
}

describe('exactly once through the real REST against the fake Discord', () => {
	it('does find the forum post and not open a second when the bot crashed before recording it', async () => {
		const forum: Target = { kind: 'forum_post', channelId: fake.channels.forum };
		const rows = [row('sub1', 'flib@1.2.0')];
		const release = [announcement('flib')];
		// Discord opens the post, the connection drops before the answer: the bot never learns the thread id.
		fake.injectFault({ method: 'POST', path: FORUM_ROUTE, connection: 'drop', afterHandling: true });
		const start = Date.now();
		expect(await deliverBatch(restOf(), forum, rows, release, start)).toBe('retry');
		expect(rows[0]).toMatchObject({ state: 'pending', message_id: null, attempts: 1 });
		expect(fake.forumPosts(fake.channels.forum)).toHaveLength(1);

		// A restarted process retries at once (inside the nonce window: a forum post has no nonce to rely on).
		expect(await deliverBatch(restOf(), forum, rows, release, start + 1_000)).toBe('found');
		const posts = fake.forumPosts(fake.channels.forum);
		expect(posts).toHaveLength(1);
		expect(rows[0]).toMatchObject({ state: 'sent', message_id: posts[0]?.thread.id });
		expect(fake.requestsTo('POST', FORUM_ROUTE)).toHaveLength(1);
		expect(fake.requestsTo('GET', /^\/guilds\/\d+\/threads\/active$/)).toHaveLength(1);
	});

	it('does find the forum post among the archived posts when it was archived during the downtime', async () => {
		const forum: Target = { kind: 'forum_post', channelId: fake.channels.forum };
		const rows = [row('sub1', 'flib@1.2.0')];
		fake.injectFault({ method: 'POST', path: FORUM_ROUTE, connection: 'drop', afterHandling: true });
		const start = Date.now();
		expect(await deliverBatch(restOf(), forum, rows, [announcement('flib')], start)).toBe('retry');
		const [post] = fake.forumPosts(fake.channels.forum);
		const thread = structuredClone(post!.thread) as { thread_metadata: Record<string, unknown> };
		thread.thread_metadata.archived = true;
		thread.thread_metadata.archive_timestamp = new Date().toISOString();
		fake.dispatch('THREAD_UPDATE', thread);
		expect(await deliverBatch(restOf(), forum, rows, [announcement('flib')], start + 25 * 3_600_000)).toBe('found');
		expect(rows[0]?.message_id).toBe(post?.thread.id);
		expect(fake.forumPosts(fake.channels.forum)).toHaveLength(1);
		expect(fake.requestsTo('GET', /^\/channels\/\d+\/threads\/archived\/public$/)).toHaveLength(1);
	});

	it('does open the forum post when the crash came before the request reached Discord', async () => {
		const forum: Target = { kind: 'forum_post', channelId: fake.channels.forum };
		const rows = [row('sub1', 'flib@1.2.0')];
		// Another post of the bot in the same forum, with another batch's marker, must not count.
		const other = [row('sub1', 'other@1.0.0')];
		expect(await deliverBatch(restOf(), forum, other, [announcement('other', '1.0.0')], Date.now())).toBe('sent');
		const start = Date.now();
		rows[0]!.batch_nonce = nonceOf(rows);
		rows[0]!.batch_started_at = start;
		expect(await deliverBatch(restOf(), forum, rows, [announcement('flib')], start + 1_000)).toBe('sent');
		expect(fake.forumPosts(fake.channels.forum)).toHaveLength(2);
		expect(rows[0]?.message_id).toBe(fake.forumPosts(fake.channels.forum)[1]?.thread.id);
	});

	it('does find the message in history and not post it twice when the retry comes after the nonce window', async () => {
		const text: Target = { kind: 'message', channelId: fake.channels.text };
		const rows = [row('sub2', 'flib@1.2.0'), row('sub2', 'stdlib@0.3.0')];
		const releases = [announcement('flib'), announcement('stdlib', '0.3.0')];
		fake.injectFault({ method: 'POST', path: MESSAGE_ROUTE, connection: 'drop', afterHandling: true });
		const start = Date.now();
		expect(await deliverBatch(restOf(), text, rows, releases, start)).toBe('retry');
		const [posted] = fake.createdMessages(fake.channels.text);
		expect(posted).toBeDefined();
		// More than a page of later messages in the channel, the bot's own among them, without the marker.
		const rest = restOf();
		for (let n = 0; n < 100; n++)
			await rest.post(Routes.channelMessages(fake.channels.text), { body: { content: `chat ${n}` } });
		// The bot was down for 10 minutes: Discord has forgotten the nonce.
		fake.passTime(10 * 60_000);
		const later = start + 10 * 60_000;
		expect(lookBeforeSend({ kind: 'message', batchStartedAt: start }, later)?.reason).toBe('nonce_expired');
		const onePage = new PostLookup({ rest: restOf(), botUserId: fake.botUserId, maxPages: 1 });
		expect(await onePage.findMessage(text.channelId, rows[0]!.batch_nonce!, start)).toEqual({ complete: false });
		expect(await deliverBatch(restOf(), text, rows, releases, later)).toBe('found');
		expect(rows.map((r) => r.message_id)).toEqual([posted?.id, posted?.id]);
		expect(fake.createdMessages(fake.channels.text).filter((m) => m.embeds.length > 0)).toHaveLength(1);
		expect(fake.messages(fake.channels.text)).toHaveLength(101);
		const pages = fake.requestsTo('GET', /^\/channels\/\d+\/messages$/);
		expect(pages.map((p) => p.query.get('before'))).toEqual([null, null, expect.stringMatching(/^\d+$/)]);
	});

	it('does post a second copy when the retry skips the look after the nonce window (what the look prevents)', async () => {
		const text: Target = { kind: 'message', channelId: fake.channels.text };
		const rows = [row('sub2', 'flib@1.2.0')];
		fake.injectFault({ method: 'POST', path: MESSAGE_ROUTE, connection: 'drop', afterHandling: true });
		const start = Date.now();
		await deliverBatch(restOf(), text, rows, [announcement('flib')], start);
		fake.passTime(10 * 60_000);
		// Inside the trust window by the bot's clock: no look, the nonce alone, which Discord has forgotten.
		expect(await deliverBatch(restOf(), text, rows, [announcement('flib')], start + NONCE_TRUST_MS - 1)).toBe('sent');
		expect(fake.createdMessages(fake.channels.text)).toHaveLength(2);
	});

	it('does send the reduced form when Discord refuses the normal one', async () => {
		const text: Target = { kind: 'message', channelId: fake.channels.text };
		const rows = [row('sub3', 'flib@1.2.0')];
		fake.injectFault({ method: 'POST', path: MESSAGE_ROUTE, status: 400, body: refusal() });
		expect(await deliverBatch(restOf(), text, rows, [announcement('flib')], Date.now())).toBe('sent');
		const sends = fake.messages(fake.channels.text);
		expect(sends.map((s) => s.status)).toEqual([400, 200]);
		const [normal, reduced] = sends.map((s) =>
			s.json<{ embeds: { description?: string; footer?: { text: string } }[] }>(),
		);
		expect(normal?.embeds[0]?.description).toContain('Changes of flib');
		expect(reduced?.embeds[0]?.description).toBe(
			'[Changelog on the mod portal](https://mods.factorio.com/mod/flib/changelog)',
		);
		expect(reduced?.embeds[0]?.footer?.text).toBe(postMarker(rows[0]!.batch_nonce!));
		expect(rows[0]).toMatchObject({
			state: 'sent',
			attempts: 0,
			message_id: fake.createdMessages(fake.channels.text)[0]?.id,
		});
	});

	it('does mark the entry failed with the reason and show it in the health reading when the reduced form is refused too', async () => {
		const text: Target = { kind: 'message', channelId: fake.channels.text };
		const rows = [row('sub3', 'flib@1.2.0'), row('sub3', 'stdlib@0.3.0')];
		fake.injectFault({ method: 'POST', path: MESSAGE_ROUTE, status: 400, body: refusal(), times: 2 });
		const at = Date.now();
		expect(await deliverBatch(restOf(), text, rows, [announcement('flib'), announcement('stdlib', '0.3.0')], at)).toBe(
			'failed',
		);
		expect(fake.messages(fake.channels.text)).toHaveLength(2);
		expect(fake.createdMessages(fake.channels.text)).toEqual([]);
		const reason =
			'refused in the reduced form too: Discord refused the post (50035): Invalid Form Body ' +
			'embeds[0].description[BASE_TYPE_MAX_LENGTH]: Must be 4096 or fewer in length.';
		expect(rows.map((r) => [r.state, r.last_error])).toEqual([
			['failed', reason],
			['failed', reason],
		]);
		expect(failedPostsReading(rows)).toBe(`2 posts could not be sent: ${reason}`);
		expect(reason).not.toContain(fake.token);
	});

	it('does give up with the reason after ten failed attempts when Discord keeps failing', async () => {
		const text: Target = { kind: 'message', channelId: fake.channels.text };
		const rows = [row('sub4', 'flib@1.2.0')];
		fake.injectFault({ method: 'POST', path: MESSAGE_ROUTE, status: 503, times: 10 });
		const outcomes: string[] = [];
		const start = Date.now();
		for (let n = 0; n < 10; n++)
			outcomes.push(await deliverBatch(restOf(), text, rows, [announcement('flib')], start + n));
		expect(outcomes).toEqual([...Array<string>(9).fill('retry'), 'failed']);
		expect(rows[0]?.last_error).toBe('gave up after 10 attempts: Discord answered 503: Service Unavailable');
		expect(failedPostsReading(rows)).toBe(
			'1 post could not be sent: gave up after 10 attempts: Discord answered 503: Service Unavailable',
		);
	});

	it('does turn what discord.js throws into a status, code and message without the token', async () => {
		const rest = restOf(200);
		const send = (body: object) =>
			rest.post(Routes.channelMessages(fake.channels.text), { body }).catch((e: unknown) => postFailureOf(e));
		fake.injectFault({ method: 'POST', path: MESSAGE_ROUTE, status: 400, body: refusal() });
		expect(await send({ content: 'a' })).toEqual({
			status: 400,
			code: 50035,
			message: 'Invalid Form Body\nembeds[0].description[BASE_TYPE_MAX_LENGTH]: Must be 4096 or fewer in length.',
		});
		fake.injectFault({ method: 'POST', path: MESSAGE_ROUTE, status: 502 });
		expect(await send({ content: 'b' })).toEqual({ status: 502, message: 'Bad Gateway' });
		fake.injectFault({ method: 'POST', path: MESSAGE_ROUTE, connection: 'hang' });
		const timedOut = await send({ content: 'c' });
		expect(timedOut).toMatchObject({ message: expect.stringMatching(/abort/i) as unknown });
		expect(timedOut).not.toHaveProperty('status');
		expect(JSON.stringify(timedOut)).not.toContain(fake.token);
	});
});

/** Discord's 400 for a description over 4,096 characters. */
function refusal() {
	return {
		code: 50035,
		message: 'Invalid Form Body',
		errors: {
			embeds: {
				'0': {
					description: {
						_errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 4096 or fewer in length.' }],
					},
				},
			},
		},
	};
}
