/**
 * Announcements benchmark (issue 7 §4): the release feed on the SQL store.
 *
 * 1. Enqueue one release for 10,000 matching subscriptions: the tick's transaction for that release (snapshot row
 *    plus one `INSERT INTO outbox ... SELECT ... FROM subscriptions WHERE target_key IN (...)`), on SQLite and on
 *    PostgreSQL (embedded, or `TEST_POSTGRES_URL`). Targets: 100 ms and 200 ms.
 * 2. Match one release among 100,000 subscriptions (the indexed `target_key IN (...)` lookup; target ≤ 5 ms, median of
 *    50) and the store's size with them.
 * 3. Fan-out: one release to 1,000 subscribed channels through the real discord.js REST client and the feed's
 *    Delivery + DiscordPoster, against the fake Discord enforcing 50 requests a second; the floor is 20 s.
 *
 * Run alone: `npx tsx bench/announcements.ts [--channels N] [--skip-postgres]`.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { REST } from 'discord.js';
import { sql, type Kysely } from 'kysely';
import { DiscordPoster } from '../src/discord/poster.js';
import { silentLogger } from '../src/log.js';
import { renderAnnouncementMessages } from '../src/render/announcement.js';
import { Delivery, type DeliveryResult } from '../src/services/announcements/delivery.js';
import { Outbox } from '../src/services/announcements/outbox.js';
import { announcementFromEvent } from '../src/services/announcements/snapshot.js';
import { SubscriptionRepository, matchKeys } from '../src/services/announcements/subscriptions.js';
import { ModFullSchema, type ModDetails } from '../src/services/portal/schemas.js';
import { openDatabase, type Engine, type OpenDatabase } from '../src/storage/database.js';
import type { Database, NewSubscriptionRow } from '../src/storage/schema.js';
import { FakeDiscord } from '../test/support/fakeDiscord.js';
import { startPostgres, type PostgresServer } from '../test/support/postgres.js';
import { subscriptionRow } from '../test/support/subscriptionRow.js';

/** Figures of one engine. Times in ms. */
export interface EngineFigures {
	engine: Engine;
	enqueueSubscriptions: number;
	enqueueMs: number;
	enqueued: number;
	matchSubscriptions: number;
	/** Median and worst of 50 lookups. */
	matchMedianMs: number;
	matchMaxMs: number;
	matched: number;
	/** The store's size with the 100,000 subscriptions, MB (10^6 bytes). */
	storeMb: number;
}

/** Figures of the fan-out. */
export interface FanOutResult {
	channels: number;
	deliverMs: number;
	/** `channels / 50` seconds, in ms. */
	floorMs: number;
	/** floorMs / deliverMs. */
	efficiency: number;
	delivery: DeliveryResult;
	/** Channels with exactly one created message. */
	channelsWithOne: number;
	rateLimited: number;
}

/** Everything {@link runAnnouncementsBench} measured. */
export interface AnnouncementsBenchResult {
	engines: EngineFigures[];
	fanOut: FanOutResult;
}

const SELF = fileURLToPath(import.meta.url);
const LINKS = { portalUrl: 'https://mods.factorio.com', assetsUrl: 'https://assets-mod.factorio.com' };
const DISCORD_GLOBAL_PER_SECOND = 50;

const MOD: ModDetails = ModFullSchema.parse({
	name: 'FARL',
	title: 'Fully Automated Rail Layer',
	owner: 'Choumiko',
	category: 'transportation',
	tags: ['trains', 'logistics'],
	changelog: 'Version: 2.0.5\nDate: 2025-06-01\n  Bugfixes:\n    - Fixed placing rails on water.',
	releases: [{ version: '2.0.5', released_at: '2025-06-01T12:00:00Z', info_json: { factorio_version: '2.0' } }],
});
const EVENT = { mod: MOD, release: MOD.releases[0]!, isNewMod: false, releaseKey: 'FARL@2.0.5' };
const ANNOUNCEMENT = announcementFromEvent(EVENT);

const ms = (start: number) => performance.now() - start;
const round = (value: number) => Math.round(value * 100) / 100;

function row(index: number, targetKey: string, target: Partial<NewSubscriptionRow>): NewSubscriptionRow {
	return subscriptionRow({
		id: index.toString(36).padStart(8, '0'),
		guild_id: String(1_000_000 + Math.floor(index / 50)),
		channel_id: String(2_000_000 + index),
		target_kind: 'mod',
		target_key: targetKey,
		created_by: '3',
		created_at: index,
		...target,
	});
}

export async function insertRows(db: Kysely<Database>, rows: readonly NewSubscriptionRow[]): Promise<void> {
	for (let start = 0; start < rows.length; start += 1_000) {
		await db
			.insertInto('subscriptions')
			.values(rows.slice(start, start + 1_000))
			.execute();
	}
}

/** Every subscription wants FARL: by name, by owner, or `all` with one of the filters it passes. */
export function matchingRow(index: number): NewSubscriptionRow {
	switch (index % 4) {
		case 0:
			return row(index, 'mod:FARL', { mod_name: 'FARL' });
		case 1:
			return row(index, 'owner:choumiko', { target_kind: 'owner', owner: 'Choumiko', owner_key: 'choumiko' });
		case 2:
			return row(index, 'all:2.0||', { target_kind: 'all', factorio_version: '2.0' });
		default:
			return row(index, 'all:||trains', { target_kind: 'all', tag: 'trains' });
	}
}

/** 100,000 subscriptions over 20,000 mods, 2,000 owners and a few `all` filters; 100 of them want FARL. */
function mixedRow(index: number): NewSubscriptionRow {
	if (index % 1_000 === 0) return row(index, 'mod:FARL', { mod_name: 'FARL' });
	if (index % 20 === 1) {
		const owner = `owner${index % 2_000}`;
		return row(index, `owner:${owner}`, { target_kind: 'owner', owner, owner_key: owner });
	}
	if (index % 50 === 2)
		return row(index, `all:1.${index % 2}|tweaks|`, {
			target_kind: 'all',
			factorio_version: `1.${index % 2}`,
			category: 'tweaks',
		});
	const mod = `mod-${index % 20_000}`;
	return row(index, `mod:${mod}`, { mod_name: mod });
}

async function enqueueOnce(db: Kysely<Database>, at: number): Promise<number> {
	return db.transaction().execute(async (trx) => {
		await trx
			.insertInto('announcements')
			.values({
				release_key: EVENT.releaseKey,
				mod_name: 'FARL',
				version: '2.0.5',
				snapshot: JSON.stringify(ANNOUNCEMENT),
				detected_at: at,
			})
			.onConflict((oc) => oc.doNothing())
			.execute();
		return Outbox.enqueue(
			trx,
			EVENT.releaseKey,
			{ targetKeys: matchKeys(EVENT.mod, EVENT.release), modName: EVENT.mod.name },
			at,
		);
	});
}

async function storeMb(database: OpenDatabase): Promise<number> {
	if (database.engine === 'postgres') {
		const { rows } = await sql<{ size: string | number }>`select pg_database_size(current_database()) as size`.execute(
			database.db,
		);
		return Math.round(Number(rows[0]?.size ?? 0) / 1e5) / 10;
	}
	await sql`pragma wal_checkpoint(truncate)`.execute(database.db);
	return Math.round(statSync(database.file ?? '').size / 1e5) / 10;
}

async function benchEngine(engine: Engine, url: string): Promise<EngineFigures> {
	const database = await openDatabase(url);
	try {
		await insertRows(
			database.db,
			Array.from({ length: 10_000 }, (_, index) => matchingRow(index)),
		);
		const started = performance.now();
		const enqueued = await enqueueOnce(database.db, 1);
		const enqueueMs = ms(started);
		await database.db.deleteFrom('subscriptions').execute();
		await database.db.deleteFrom('announcements').execute();

		await insertRows(
			database.db,
			Array.from({ length: 100_000 }, (_, index) => mixedRow(index)),
		);
		if (engine === 'postgres') await sql`analyze`.execute(database.db);
		const keys = matchKeys(EVENT.mod, EVENT.release);
		const times: number[] = [];
		let matched = 0;
		for (let run = 0; run < 50; run++) {
			const start = performance.now();
			const rows = await database.db.selectFrom('subscriptions').select('id').where('target_key', 'in', keys).execute();
			times.push(ms(start));
			matched = rows.length;
		}
		times.sort((a, b) => a - b);
		const size = await storeMb(database);
		return {
			engine,
			enqueueSubscriptions: 10_000,
			enqueueMs: round(enqueueMs),
			enqueued,
			matchSubscriptions: 100_000,
			matchMedianMs: round(times[25] ?? 0),
			matchMaxMs: round(times.at(-1) ?? 0),
			matched,
			storeMb: size,
		};
	} finally {
		await database.close();
	}
}

/** Part 3: one release to `channels` channels through REST, the poster and the feed's delivery. */
async function benchFanOut(dir: string, channels: number): Promise<FanOutResult> {
	const guilds = Math.ceil(channels / 100);
	const discord = await FakeDiscord.start({
		rateLimitPerSecond: DISCORD_GLOBAL_PER_SECOND,
		guilds: Array.from({ length: guilds }, () => ({ extraTextChannels: 100 })),
	});
	const database = await openDatabase(`sqlite://${join(dir, 'fanout.sqlite')}`);
	try {
		const { db, engine } = database;
		const subscriptions = new SubscriptionRepository({ db, engine, maxPerGuild: 500 });
		const targets = discord.guilds
			.flatMap((guild) => guild.extraTextChannels.map((channelId) => ({ guildId: guild.id, channelId })))
			.slice(0, channels);
		for (const { guildId, channelId } of targets) {
			await subscriptions.add({
				guildId,
				channelId,
				channelType: 0,
				target: { kind: 'mod', name: 'FARL' },
				changelogDetail: 'full',
				createdBy: discord.adminUserId,
			});
		}
		await enqueueOnce(db, Date.now() - 1_000);
		const rest = new REST({ api: discord.apiUrl }).setToken(discord.token);
		const delivery = new Delivery({
			db,
			outbox: new Outbox({ db, engine }),
			poster: new DiscordPoster({ rest, botUserId: () => undefined }),
			render: (subscription, announcements, options) =>
				renderAnnouncementMessages(LINKS, subscription, announcements, options),
			log: silentLogger(),
			digestThreshold: 10,
		});
		// Let the fake's global window expire first.
		await new Promise((resolve) => setTimeout(resolve, 1_100));
		const before = discord.requests.length;
		const started = performance.now();
		const result = await delivery.deliverDue();
		const deliverMs = ms(started);
		const during = discord.requests.slice(before);
		const floorMs = (channels / DISCORD_GLOBAL_PER_SECOND) * 1000;
		return {
			channels,
			deliverMs: Math.round(deliverMs),
			floorMs,
			efficiency: round(floorMs / deliverMs),
			delivery: result,
			channelsWithOne: targets.filter(({ channelId }) => discord.createdMessages(channelId).length === 1).length,
			rateLimited: during.filter((r) => r.status === 429).length,
		};
	} finally {
		await database.close();
		await discord.close();
	}
}

/** Runs and prints everything (see the module comment). */
export async function runAnnouncementsBench(
	options: { channels?: number; skipPostgres?: boolean } = {},
): Promise<AnnouncementsBenchResult> {
	console.log(`Announcements benchmark (node ${process.version})`);
	const dir = mkdtempSync(join(tmpdir(), 'fmb-bench-announcements-'));
	let server: PostgresServer | undefined;
	try {
		const engines = [await benchEngine('sqlite', `sqlite://${join(dir, 'bot.sqlite')}`)];
		if (options.skipPostgres !== true) {
			server = await startPostgres();
			const admin = await openDatabase(`${server.url}/postgres`, { migrate: false });
			await sql`create database bench_announcements`.execute(admin.db);
			await admin.close();
			engines.push(await benchEngine('postgres', `${server.url}/bench_announcements`));
		}
		console.log('\n1-2. Enqueue one release for 10,000 subscriptions; match one among 100,000; store size');
		for (const e of engines) {
			const target = e.engine === 'sqlite' ? 100 : 200;
			console.log(
				`  ${e.engine.padEnd(8)} enqueue ${e.enqueueMs} ms for ${e.enqueued} rows (target ≤ ${target} ms) · match median ${e.matchMedianMs} ms, max ${e.matchMaxMs} ms, ${e.matched} matched (target ≤ 5 ms) · store ${e.storeMb} MB at 100,000 subscriptions`,
			);
		}
		const fanOut = await benchFanOut(dir, options.channels ?? 1_000);
		console.log(
			`\n3. Fan-out to ${fanOut.channels} channels at 50 requests/s: ${fanOut.deliverMs} ms vs the ${fanOut.floorMs} ms floor = ${Math.round(fanOut.efficiency * 100)} % (target ≥ 90 %); ${fanOut.delivery.messages} messages, ${fanOut.channelsWithOne} channels with exactly one, ${fanOut.rateLimited} answered 429, ${fanOut.delivery.retried} retried`,
		);
		return { engines, fanOut };
	} finally {
		await server?.stop();
		rmSync(dir, { recursive: true, force: true });
	}
}

function flag(args: readonly string[], name: string): number | undefined {
	const index = args.indexOf(name);
	const value = index >= 0 ? Number(args[index + 1]) : Number.NaN;
	return Number.isFinite(value) ? value : undefined;
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === pathToFileURL(SELF).href) {
	const args = process.argv.slice(2);
	await runAnnouncementsBench({ channels: flag(args, '--channels'), skipPostgres: args.includes('--skip-postgres') });
	process.exit(0);
}
