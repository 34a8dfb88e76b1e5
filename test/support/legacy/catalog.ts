/**
 * TEST SUPPORT: how the catalog was persisted in the keyv-document store (before `catalog_mods`): one value under
 * `catalog`, the JSON of `{ format: 1, fetchedAt, createdOrder, mods }` with non-ASCII escaped, gzipped, in base64.
 * Kept as it was (`Catalog#persist` and `pack`) to build that layout in the upgrade test.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type Keyv from 'keyv';
import type { ModSummary } from '../../../src/services/portal/schemas.js';

const PACKED_PREFIX = 'gzip-base64:';
const NON_ASCII = /[\u007f-\uffff]/g;
const gzipAsync = promisify(gzip);

async function pack(value: unknown): Promise<string> {
	const json = JSON.stringify(value).replace(NON_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
	return PACKED_PREFIX + (await gzipAsync(Buffer.from(json, 'latin1'))).toString('base64');
}

/** Stores `mods` as the earlier catalog did. */
export async function storeLegacyCatalog(
	store: Keyv,
	mods: readonly ModSummary[],
	options: { fetchedAt: Date; createdOrder: readonly string[] },
): Promise<void> {
	const payload = await pack({
		format: 1,
		fetchedAt: options.fetchedAt.toISOString(),
		createdOrder: options.createdOrder,
		mods,
	});
	await store.set('catalog', payload);
}
