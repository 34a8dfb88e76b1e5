import { randomBytes } from 'node:crypto';
import { WebSocket, type RawData } from 'ws';
import { isObject, type Json } from '../discordLimits.js';
import { applyDispatch, guildCreate, guildIdOf } from './guilds.js';
import type { FakeState } from './state.js';
import type { GatewaySession } from './types.js';

/* The gateway (JSON, no compression): HELLO, heartbeats, IDENTIFY with shards, RESUME with replay, dispatches. */

const RESUME_BUFFER = 1000;

/** The shard that gets a guild (Discord docs, Gateway, "Sharding": `(guild_id >> 22) % num_shards`). */
export function shardOf(guildId: string, shardCount: number): number {
	return Number((BigInt(guildId) >> 22n) % BigInt(Math.max(1, shardCount)));
}

/**
 * Sends a dispatch to every session that gets the guild (shard of `guild_id`, or `id` for GUILD_*), after
 * applying it to the fake's state (see {@link applyDispatch}).
 */
export function dispatch(s: FakeState, event: string, data: unknown): void {
	applyDispatch(s, event, data);
	const guildId = guildIdOf(event, data);
	for (const session of targets(s, guildId)) void send(session, event, data);
}

export function targets(s: FakeState, guildId: string | undefined): GatewaySession[] {
	return [...s.sessions.values()].filter((session) =>
		guildId === undefined ? session.shard[0] === 0 : shardOf(guildId, session.shard[1]) === session.shard[0],
	);
}

export function send(session: GatewaySession, event: string, data: unknown): Promise<void> {
	session.seq += 1;
	const payload: Json = { op: 0, t: event, s: session.seq, d: data };
	session.sent.push(payload);
	if (session.sent.length > RESUME_BUFFER) session.sent.shift();
	return write(session.socket, payload);
}

function write(socket: WebSocket | undefined, payload: Json): Promise<void> {
	if (socket?.readyState !== WebSocket.OPEN) return Promise.resolve();
	return new Promise((resolve) => {
		socket.send(JSON.stringify(payload), () => {
			resolve();
		});
	});
}

export function onConnection(s: FakeState, socket: WebSocket): void {
	s.sockets.add(socket);
	let session: GatewaySession | undefined;
	void write(socket, {
		op: 10,
		s: null,
		t: null,
		d: { heartbeat_interval: s.options.heartbeatIntervalMs ?? 500 },
	});
	socket.on('message', (raw: RawData) => {
		let payload: unknown;
		try {
			payload = JSON.parse(
				Buffer.isBuffer(raw) ? raw.toString('utf8') : Buffer.from(raw as ArrayBuffer).toString('utf8'),
			);
		} catch {
			socket.close(4002, 'Error while decoding payload.');
			return;
		}
		if (!isObject(payload)) return;
		const d = isObject(payload.d) ? payload.d : {};
		switch (payload.op) {
			case 1:
				void write(socket, { op: 11, s: null, t: null, d: null });
				break;
			case 2:
				if (session) {
					socket.close(4005, 'Already authenticated.');
					return;
				}
				if (d.token !== s.token) {
					socket.close(4004, 'Authentication failed.');
					return;
				}
				session = identify(s, socket, d);
				break;
			case 6: {
				const resumed = typeof d.session_id === 'string' ? s.sessions.get(d.session_id) : undefined;
				if (!resumed || d.token !== s.token || session) {
					void write(socket, { op: 9, s: null, t: null, d: false });
					return;
				}
				resumed.socket?.terminate();
				session = resumed;
				resumed.socket = socket;
				const after = Number(d.seq ?? 0);
				for (const old of resumed.sent) if (Number(old.s) > after) void write(socket, old);
				void send(resumed, 'RESUMED', {});
				break;
			}
			default:
				break;
		}
	});
	socket.on('close', (code: number) => {
		s.sockets.delete(socket);
		if (session?.socket !== socket) return;
		session.socket = undefined;
		// A client closing with 1000/1001 ends its session; other codes keep it resumable, as on Discord.
		if (code === 1000 || code === 1001) s.sessions.delete(session.id);
	});
}

function identify(s: FakeState, socket: WebSocket, d: Json): GatewaySession {
	const shard = Array.isArray(d.shard) ? d.shard.map(Number) : [0, 1];
	const session: GatewaySession = {
		id: randomBytes(16).toString('hex'),
		shard: [shard[0] ?? 0, shard[1] ?? 1],
		intents: Number(d.intents ?? 0),
		seq: 0,
		socket,
		sent: [],
	};
	s.sessions.set(session.id, session);
	const guilds = [...s.guilds.values()].filter(
		(g) => !g.removed && shardOf(g.info.id, session.shard[1]) === session.shard[0],
	);
	void send(session, 'READY', {
		v: 10,
		user: s.users.bot,
		user_settings: {},
		guilds: guilds.map((g) => ({ id: g.info.id, unavailable: true })),
		session_id: session.id,
		session_type: 'normal',
		resume_gateway_url: s.gatewayUrl,
		shard: session.shard,
		application: { id: s.applicationId, flags: 0 },
		private_channels: [],
		presences: [],
		relationships: [],
		guild_join_requests: [],
		geo_ordered_rtc_regions: [],
		_trace: ['["fake-discord",{}]'],
	});
	// Discord sends GUILD_CREATE only with the GUILDS intent (1 << 0).
	if ((session.intents & 1) === 1) for (const g of guilds) void send(session, 'GUILD_CREATE', guildCreate(g));
	return session;
}
