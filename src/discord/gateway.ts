import { Status, type Client } from 'discord.js';

/**
 * The gateway connection as operations see it (discord.js `client.ws`): `problem()` is undefined while the
 * connection is up (`Status.Ready`) and otherwise the state's name (`Connecting`, `Reconnecting`, `Idle`, ...);
 * `pingMs()` is the last heartbeat's round trip in milliseconds, -1 before the first one.
 */
export function gatewayState(client: Client): {
	readonly problem: () => string | undefined;
	readonly pingMs: () => number;
} {
	return {
		problem: () => (client.ws.status === Status.Ready ? undefined : Status[client.ws.status]),
		pingMs: () => client.ws.ping,
	};
}
