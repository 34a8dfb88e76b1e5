import type { NewSubscriptionRow } from '../../src/storage/schema.js';

/**
 * A `subscriptions` row for tests and benches that write rows directly (the interaction path is tested elsewhere):
 * `fields` give the identity and target; every other column is empty (no filter, role, post or pause), the
 * changelog detail `full`, created by `created_by` (default a fixed snowflake) at `created_at` (default 1).
 */
export function subscriptionRow(
	fields: Pick<NewSubscriptionRow, 'id' | 'guild_id' | 'channel_id' | 'target_kind' | 'target_key'> &
		Partial<NewSubscriptionRow>,
): NewSubscriptionRow {
	return {
		channel_type: 0,
		mod_name: null,
		owner: null,
		owner_key: null,
		factorio_version: null,
		category: null,
		tag: null,
		modpack_id: null,
		role_id: null,
		changelog_detail: 'full',
		created_by: '300000000000000001',
		created_at: 1,
		last_post_at: null,
		paused_reason: null,
		paused_since: null,
		...fields,
	};
}
