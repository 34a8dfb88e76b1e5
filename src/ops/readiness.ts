/**
 * Readiness: whether the bot can do its work right now (`GET /readyz`). Each check names one dependency and answers
 * `undefined` when it is fine or a short reason when it is not; a check that throws or does not answer in time counts
 * as not ready with that reason. Reasons are shown to whoever can reach the port: they never hold secrets (a store
 * error's message is not shown, only that the store did not answer).
 */

/** One dependency of readiness: `check()` resolves to undefined when ready, else to a short, secret-free reason. */
export interface ReadinessCheck {
	name: string;
	readonly check: () => Promise<string | undefined> | string | undefined;
}

/** The outcome of every check, in the order given. */
export interface ReadinessReport {
	ready: boolean;
	checks: { name: string; reason: string | undefined }[];
}

/**
 * Runs the checks in parallel, each bounded by `timeoutMs`.
 *
 * @param timeoutMs - longest wait for one check, in milliseconds; a slower one is "no answer within N ms".
 * @returns never rejects.
 */
export async function checkReadiness(checks: readonly ReadinessCheck[], timeoutMs: number): Promise<ReadinessReport> {
	const results = await Promise.all(
		checks.map(async ({ name, check }) => ({ name, reason: await bounded(check, timeoutMs) })),
	);
	return { ready: results.every((result) => result.reason === undefined), checks: results };
}

async function bounded(check: ReadinessCheck['check'], timeoutMs: number): Promise<string | undefined> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<string>((resolve) => {
		timer = setTimeout(() => {
			resolve(`no answer within ${timeoutMs} ms`);
		}, timeoutMs);
	});
	try {
		return await Promise.race([Promise.resolve().then(check), timeout]);
	} catch {
		return 'the check failed';
	} finally {
		clearTimeout(timer);
	}
}

/** The parts of the bot readiness looks at. */
export interface BotReadinessParts {
	/** A cheap read from the store; it rejects when the store cannot be reached or is closed. */
	readonly probeStore: () => Promise<unknown>;
	/** Undefined when the gateway connection is up, else its state (e.g. `Reconnecting`). */
	readonly gatewayProblem: () => string | undefined;
	/** The local catalog; it is loaded once it holds at least one mod. */
	catalog: { readonly size: number };
}

/**
 * The bot's readiness checks: `store` (reachable), `gateway` (connected to Discord), `catalog` (loaded from the store
 * or the portal).
 */
export function botReadiness(parts: BotReadinessParts): ReadinessCheck[] {
	return [
		{
			name: 'store',
			async check() {
				try {
					await parts.probeStore();
					return undefined;
				} catch {
					return 'not reachable';
				}
			},
		},
		{
			name: 'gateway',
			check() {
				const problem = parts.gatewayProblem();
				return problem === undefined ? undefined : `not connected (${problem})`;
			},
		},
		{
			name: 'catalog',
			check: () => (parts.catalog.size > 0 ? undefined : 'not loaded yet'),
		},
	];
}
