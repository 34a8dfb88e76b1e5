import { describe, expect, it } from 'vitest';
import { createMetrics, type FeedReadings } from '../../src/ops/metrics.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');

function feed(overrides: Partial<FeedReadings> = {}): FeedReadings & { outboxReads: number } {
	const readings = {
		outboxReads: 0,
		outbox() {
			readings.outboxReads++;
			return Promise.resolve({
				active: { pending: 3, oldestQueuedAt: NOW - 90_000 },
				paused: { pending: 0, oldestQueuedAt: undefined },
			});
		},
		pausedSubscriptions: () => Promise.resolve(2),
		lastPollSuccessAt: () => NOW - 5_000,
		...overrides,
	};
	return readings;
}

function lines(text: string, name: string): string[] {
	return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describe('createMetrics', () => {
	it('does count interactions, portal requests, ticks and deliveries with their labels when observed', async () => {
		const metrics = createMetrics({ defaultMetrics: false, now: () => NOW });
		metrics.interaction({ command: 'mod search', type: 'command', outcome: 'ok', ms: 40 });
		metrics.interaction({ command: 'mod search', type: 'command', outcome: 'ok', ms: 2_500 });
		metrics.portalRequest({ endpoint: '/api/mods/{name}/full', outcome: 'not_found', ms: 120 });
		metrics.pollTick({ ms: 800, outcome: 'failed' });
		metrics.deliveries({ delivered: 4, retried: 1, messages: 2, paused: 0 });
		const text = await metrics.registry.metrics();
		expect(lines(text, 'factorio_mod_bot_interactions_total')).toEqual([
			'factorio_mod_bot_interactions_total{command="mod search",type="command",outcome="ok"} 2',
		]);
		expect(text).toContain(
			'factorio_mod_bot_interaction_duration_seconds_bucket{le="3",command="mod search",type="command"} 2',
		);
		expect(text).toContain(
			'factorio_mod_bot_interaction_duration_seconds_bucket{le="2",command="mod search",type="command"} 1',
		);
		expect(text).toContain(
			'factorio_mod_bot_portal_requests_total{endpoint="/api/mods/{name}/full",outcome="not_found"} 1',
		);
		expect(text).toContain('factorio_mod_bot_poll_tick_duration_seconds_sum{outcome="failed"} 0.8');
		expect(lines(text, 'factorio_mod_bot_deliveries_total')).toEqual([
			'factorio_mod_bot_deliveries_total{outcome="delivered"} 4',
			'factorio_mod_bot_deliveries_total{outcome="found"} 0',
			'factorio_mod_bot_deliveries_total{outcome="retried"} 1',
			'factorio_mod_bot_deliveries_total{outcome="failed"} 0',
			'factorio_mod_bot_deliveries_total{outcome="paused"} 0',
			'factorio_mod_bot_deliveries_total{outcome="reduced"} 0',
		]);
		expect(lines(text, 'factorio_mod_bot_delivery_messages_total')).toEqual([
			'factorio_mod_bot_delivery_messages_total 2',
		]);
	});

	it('does read the gauges from their sources at scrape time, and leaves them out before readFrom', async () => {
		const metrics = createMetrics({ defaultMetrics: false, now: () => NOW });
		const empty = await metrics.registry.metrics();
		expect(lines(empty, 'factorio_mod_bot_catalog_mods')).toEqual([]);
		expect(lines(empty, 'factorio_mod_bot_outbox_pending')).toEqual([]);

		const catalog = { size: 10, fetchedAt: new Date(NOW - 60_000) as Date | undefined };
		let ping = -1;
		const readings = feed();
		metrics.readFrom({ catalog, gatewayPingMs: () => ping, feed: readings });
		const first = await metrics.registry.metrics();
		expect(lines(first, 'factorio_mod_bot_catalog_mods')).toEqual(['factorio_mod_bot_catalog_mods 10']);
		expect(lines(first, 'factorio_mod_bot_catalog_age_seconds')).toEqual(['factorio_mod_bot_catalog_age_seconds 60']);
		expect(lines(first, 'factorio_mod_bot_gateway_ping_seconds')).toEqual([]);
		expect(lines(first, 'factorio_mod_bot_outbox_pending')).toEqual([
			'factorio_mod_bot_outbox_pending{subscription="active"} 3',
			'factorio_mod_bot_outbox_pending{subscription="paused"} 0',
		]);
		expect(lines(first, 'factorio_mod_bot_outbox_oldest_pending_age_seconds')).toEqual([
			'factorio_mod_bot_outbox_oldest_pending_age_seconds{subscription="active"} 90',
			'factorio_mod_bot_outbox_oldest_pending_age_seconds{subscription="paused"} 0',
		]);
		expect(lines(first, 'factorio_mod_bot_subscriptions_paused')).toEqual(['factorio_mod_bot_subscriptions_paused 2']);
		expect(lines(first, 'factorio_mod_bot_poll_last_success_timestamp_seconds')).toEqual([
			`factorio_mod_bot_poll_last_success_timestamp_seconds ${(NOW - 5_000) / 1000}`,
		]);
		// Both outbox gauges of one scrape share one reading.
		expect(readings.outboxReads).toBe(1);

		catalog.size = 12;
		catalog.fetchedAt = undefined;
		ping = 42;
		const second = await metrics.registry.metrics();
		expect(lines(second, 'factorio_mod_bot_catalog_mods')).toEqual(['factorio_mod_bot_catalog_mods 12']);
		expect(lines(second, 'factorio_mod_bot_catalog_age_seconds')).toEqual([]);
		expect(lines(second, 'factorio_mod_bot_gateway_ping_seconds')).toEqual([
			'factorio_mod_bot_gateway_ping_seconds 0.042',
		]);
	});

	it('does leave a gauge out of the scrape, and still answers, when its source fails', async () => {
		const metrics = createMetrics({ defaultMetrics: false, now: () => NOW });
		metrics.readFrom({
			feed: feed({
				outbox: () => Promise.reject(new Error('store closed')),
				pausedSubscriptions: () => Promise.reject(new Error('store closed')),
			}),
		});
		const text = await metrics.registry.metrics();
		expect(lines(text, 'factorio_mod_bot_outbox_pending')).toEqual([]);
		expect(lines(text, 'factorio_mod_bot_subscriptions_paused')).toEqual([]);
		expect(lines(text, 'factorio_mod_bot_poll_last_success_timestamp_seconds')).toHaveLength(1);
	});

	it("does add node's default metrics to its own registry when not told otherwise", async () => {
		const first = createMetrics();
		const second = createMetrics();
		expect(second.registry).not.toBe(first.registry);
		const text = await first.registry.metrics();
		expect(text).toContain('process_resident_memory_bytes');
		expect(text).toContain('nodejs_heap_size_used_bytes');
	});
});
