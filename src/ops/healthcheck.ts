import type { Config } from '../config.js';
import { localUrl } from './httpServer.js';

/**
 * The container's health check: whether `GET /healthz` on `HTTP_PORT` (at `HTTP_HOST`, or the loopback address when
 * the server listens on every interface) answers 200 within `timeoutMs`. Without `HTTP_PORT` there is nothing to
 * ask, and the answer is true: the container is then healthy for as long as the process runs.
 *
 * @param timeoutMs - default 3,000.
 * @returns never rejects: a refused connection, a timeout or another status is false.
 */
export async function checkHealth(config: Pick<Config, 'httpPort' | 'httpHost'>, timeoutMs = 3_000): Promise<boolean> {
	if (config.httpPort === undefined) return true;
	try {
		const response = await fetch(`${localUrl(config.httpPort, config.httpHost)}/healthz`, {
			signal: AbortSignal.timeout(timeoutMs),
		});
		await response.body?.cancel();
		return response.status === 200;
	} catch {
		return false;
	}
}
