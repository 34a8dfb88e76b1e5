import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/discord/client.js';

const saved = process.env.SHARD_COUNT;

afterEach(() => {
	if (saved === undefined) delete process.env.SHARD_COUNT;
	else process.env.SHARD_COUNT = saved;
});

describe('createClient', () => {
	it('does build the client when SHARD_COUNT is empty, as in a copied .env.example', async () => {
		process.env.SHARD_COUNT = '';
		const client = createClient({ discordApiUrl: 'http://127.0.0.1:1/api' });
		expect(client.options.shards).toBe('auto');
		await client.destroy();
	});

	it('does give discord.js the shards of SHARD_COUNT and SHARDS', async () => {
		const client = createClient({ discordApiUrl: 'http://127.0.0.1:1/api', shardCount: 4, shards: [2, 3] });
		expect(client.options.shards).toEqual([2, 3]);
		expect(client.options.shardCount).toBe(4);
		await client.destroy();
	});
});
