/**
 * Portal-outage benchmark: prints figures, never asserts.
 *
 * The release poller as the bot wires it (the real portal client, catalog, release tracker and backoff; see
 * `test/support/pollerRig.ts`) against {@link FakePortal} serving the recorded 2018 catalogue (2,538 mods). Its
 * ticks are driven once a (virtual) minute, like the default `POLL_CRON`, on an injected clock, so 10 minutes take
 * well under a second. For each scenario it prints the portal requests in those 10 minutes and per minute:
 *
 * - idle: the portal answers and nothing changes (the baseline: one list page per tick);
 * - outage: every request answers 503 for the 10 minutes;
 * - outage without backoff: the same, with the poller's backoff turned off (what one attempt a tick alone gives);
 * - outage as before: no backoff and every request retried 3 times inside the tick (the behaviour issue 6 found);
 * - rate limited: one 429 with `Retry-After: 300` at the start, then the portal answers.
 *
 * Target (issue 6): no more requests a minute during the outage than when idle. The hourly catalog refresh (two
 * requests, each retried up to 3 times while failing) is not part of these 10 minutes.
 *
 * Run: `npx tsx bench/outage.ts`, or call {@link runOutageBench}.
 */
import { pathToFileURL } from 'node:url';
import { POLL_BACKOFF } from '../src/jobs/backoff.js';
import { FakePortal, type PortalFault } from '../test/support/fakePortal.js';
import { pollerRig } from '../test/support/pollerRig.js';

const MINUTE = 60_000;
const MINUTES = 10;

/** Portal requests of one scenario over {@link MINUTES} minutes. */
export interface OutageCase {
	case: string;
	requests: number;
	perMinute: number;
	/** Minutes (from 0) at which a tick reached the portal. */
	checkedAt: number[];
}

async function scenario(
	portal: FakePortal,
	name: string,
	options: { fault?: PortalFault; backoff?: boolean; retries?: boolean },
): Promise<OutageCase> {
	const rig = await pollerRig(portal, {
		policy: options.backoff === false ? { ...POLL_BACKOFF, freeFailures: Number.POSITIVE_INFINITY } : POLL_BACKOFF,
		retries: options.retries === true,
	});
	const start = rig.clock.at;
	try {
		await rig.tick(); // the first tick after seeding, outside the measured window
		if (options.fault) portal.fault(options.fault);
		const before = portal.requests.length;
		const checkedAt: number[] = [];
		for (let minute = 1; minute <= MINUTES; minute++) {
			rig.clock.at = start + minute * MINUTE;
			const at = portal.requests.length;
			await rig.tick();
			if (portal.requests.length > at) checkedAt.push(minute);
		}
		const requests = portal.requests.length - before;
		return { case: name, requests, perMinute: requests / MINUTES, checkedAt };
	} finally {
		portal.clearFaults();
		await rig.stop();
	}
}

/**
 * Runs the scenarios (see the module comment), prints a table and returns the figures. Closes the fake portal, also
 * when a scenario throws.
 */
export async function runOutageBench(): Promise<OutageCase[]> {
	console.log(
		`\nPortal outage benchmark (node ${process.version}): release poller, one tick a minute, ${MINUTES} minutes`,
	);
	const portal = await FakePortal.start();
	try {
		const cases = [
			await scenario(portal, 'idle (portal answers, nothing new)', {}),
			await scenario(portal, 'outage (every request 503)', { fault: { kind: '5xx' } }),
			await scenario(portal, 'outage, backoff off (comparison)', { fault: { kind: '5xx' }, backoff: false }),
			await scenario(portal, 'outage as before (3 retries, no backoff)', {
				fault: { kind: '5xx' },
				backoff: false,
				retries: true,
			}),
			await scenario(portal, 'one 429, Retry-After 300 s', { fault: { kind: '429', retryAfter: 300, times: 1 } }),
		];
		console.table(
			cases.map((c) => ({
				case: c.case,
				requests: c.requests,
				'per minute': c.perMinute.toFixed(1),
				'ticks that reached the portal (minute)': c.checkedAt.join(', '),
			})),
		);
		const idle = cases[0]!.perMinute;
		const outage = cases[1]!.perMinute;
		console.log(
			`outage ${outage.toFixed(1)}/min vs idle ${idle.toFixed(1)}/min: ${outage <= idle ? 'meets' : 'MISSES'} the target (no more during an outage than idle)`,
		);
		return cases;
	} finally {
		await portal.close();
	}
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	await runOutageBench();
}
