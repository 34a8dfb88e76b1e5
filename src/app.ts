/**
 * The composition root: config -> store -> portal -> catalog -> release feed -> Discord client ->
 * jobs. `npm start` and the end-to-end tests both build the bot here.
 */
import { Events, REST, Routes, type Client } from 'discord.js';
import { sql } from 'kysely';
import type { Dispatcher } from 'undici';
import { commands } from './commands/index.js';
import type { Config } from './config.js';
import type { BotContext } from './discord/command.js';
import { createClient } from './discord/client.js';
import { PostgresIdentifyThrottler } from './discord/identifyThrottler.js';
import { gatewayState } from './discord/gateway.js';
import { createInteractionHandler } from './discord/interactions.js';
import { DiscordPoster } from './discord/poster.js';
import { registerCommands } from './discord/registerCommands.js';
import { scheduleCatalogRefresh } from './jobs/catalogRefresh.js';
import { followCatalog } from './jobs/catalogFollow.js';
import type { Job } from './jobs/job.js';
import { leaderJob, whileLeader } from './jobs/leadership.js';
import { pollerPortal, scheduleReleasePoller } from './jobs/releasePoller.js';
import type { Logger } from './log.js';
import { databaseFeedReadings } from './ops/feedReadings.js';
import { startOpsServer, type OpsServer } from './ops/httpServer.js';
import { createMetrics } from './ops/metrics.js';
import { botReadiness } from './ops/readiness.js';
import { Catalog } from './services/catalog/catalog.js';
import { renderAnnouncementMessages } from './render/announcement.js';
import { Delivery } from './services/announcements/delivery.js';
import { Outbox } from './services/announcements/outbox.js';
import { ReleaseFeed } from './services/announcements/releaseFeed.js';
import { ReleaseTracker } from './services/announcements/releaseTracker.js';
import { SubscriptionRepository } from './services/announcements/subscriptions.js';
import { PortalClient } from './services/portal/client.js';
import { ModpackStore, removeGuildModpacks } from './services/modpack/savedModpacks.js';
import { createFullModCache } from './services/portal/fullModCache.js';
import { notifyCatalogStored } from './storage/catalogSignal.js';
import { CatalogStore } from './storage/catalogStore.js';
import { openDatabase, type OpenDatabase } from './storage/database.js';
import { openKeyValueStore, type KeyValueStore } from './storage/keyValue.js';
import { createLeaderElector, type LeaderElector } from './storage/leader.js';
import { importLegacyStore } from './storage/legacyImport.js';

export { createClient } from './discord/client.js';

/** A running bot; `stop()` ends jobs, destroys the client and closes the store. */
export interface Bot {
	client: Client;
	context: BotContext;
	database: OpenDatabase;
	keyValues: KeyValueStore;
	tracker: ReleaseTracker;
	/** Who leads among the processes of the store (SQLite: always this one). */
	leader: LeaderElector;
	/** Leader-only: in a follower, `run()` does nothing. */
	jobs: { catalogRefresh: Job; releasePoller: Job };
	/** Settles when the first catalog refresh of this run has finished (successfully or not). */
	initialRefresh: Promise<void>;
	/** The operations endpoints (`HTTP_PORT`), when set. */
	ops: OpsServer | undefined;
	stop(): Promise<void>;
}

/**
 * Starts the bot: opens the store (importing an earlier version's keyv documents once), loads the catalog from it
 * (search works at once after a restart; subscriptions, the outbox and the known releases stay in their tables and
 * are read when needed), logs in to Discord, registers the commands, answers interactions, refreshes the catalog in
 * the background and on `CATALOG_CRON`, and runs the release feed on `POLL_CRON`.
 *
 * @param options.portalDispatcher undici dispatcher for portal requests (tests, proxies); default the global one.
 * @throws when the store cannot be opened or Discord refuses the login (bad token, network); everything opened so far
 *   is closed again first.
 */
export async function startBot(
	config: Config,
	log: Logger,
	options: { portalDispatcher?: Dispatcher } = {},
): Promise<Bot> {
	// Only with HTTP_PORT: without a scraper, counting would be wasted work.
	const metrics = config.httpPort === undefined ? undefined : createMetrics({ log: log.child({ module: 'metrics' }) });
	const { database, keyValues } = await openStore(config.storeUrl, log);
	const store = keyValues.keyv;
	const portal = new PortalClient({
		baseUrl: config.portalUrl,
		dispatcher: options.portalDispatcher,
		timeoutMs: config.portalTimeoutMs,
		username: config.factorioUsername,
		token: config.factorioToken,
		fullModCache: createFullModCache({ store: keyValues, log: log.child({ module: 'portal' }) }),
		log: log.child({ module: 'portal' }),
		onRequest: metrics?.portalRequest,
	});
	const catalog = new Catalog({ store: new CatalogStore(database.db), log: log.child({ module: 'catalog' }) });
	const { db, engine } = database;
	const subscriptions = new SubscriptionRepository({ db, engine, maxPerGuild: config.maxSubscriptionsPerGuild });
	// --- cluster (issue 9): the leader election; its fence guards the feed's commits and delivery's claims
	const leader = createLeaderElector(database, { log: log.child({ module: 'leader' }) });
	const fence = (trx: typeof db) => leader.assertLeader(trx);
	const outbox = new Outbox({ db, engine, fence, leaseMs: config.deliveryLeaseMs });
	const tracker = new ReleaseTracker({ db, portal: pollerPortal(portal), log: log.child({ module: 'releases' }) });
	if (await catalog.load()) {
		log.info({ mods: catalog.size, fetchedAt: catalog.fetchedAt }, 'catalog loaded from the store');
	} else {
		log.info('no stored catalog yet: it will be fetched from the portal');
	}

	const links = { portalUrl: config.portalUrl, assetsUrl: config.assetsUrl };
	// --- cluster (issue 9): identify spacing across processes, the catalog of followers
	let identify: PostgresIdentifyThrottler | undefined;
	const client = createClient(config, {
		identifyThrottler:
			database.engine === 'postgres'
				? (maxConcurrency) =>
						(identify = new PostgresIdentifyThrottler({
							url: database.url,
							maxConcurrency,
							log: log.child({ module: 'gateway' }),
						}))
				: undefined,
	});
	const catalogFollower = await followCatalog({ database, catalog, log: log.child({ module: 'catalog' }) });
	// --- end cluster
	const delivery = new Delivery({
		db,
		outbox,
		poster: new DiscordPoster({
			rest: client.rest,
			forumRest: new REST({ api: config.discordApiUrl, retries: 0 }).setToken(config.discordToken),
			botUserId: () => client.user?.id,
		}),
		render: (subscription, announcements, options) =>
			renderAnnouncementMessages(links, subscription, announcements, options),
		log: log.child({ module: 'delivery' }),
		digestThreshold: config.digestThreshold,
		onPass: metrics?.deliveries,
		active: () => leader.isLeader,
	});
	const feed = new ReleaseFeed({
		db,
		subscriptions,
		tracker,
		outbox,
		delivery,
		catalog,
		announceMaxAgeMs: config.announceMaxAgeMs,
		log: log.child({ module: 'releases' }),
		fence,
	});
	const modpacks = new ModpackStore(database.db, { maxPerGuild: config.maxModpacksPerGuild });
	const context: BotContext = { portal, catalog, links, log, subscriptions, feed, modpacks };
	const handleInteraction = createInteractionHandler(commands, context, { onHandled: metrics?.interaction });
	client.on(Events.InteractionCreate, (interaction) => void handleInteraction(interaction));
	client.on(Events.ChannelDelete, (channel) => void forget(context, database, { channelId: channel.id }));
	client.on(Events.ThreadDelete, (thread) => void forget(context, database, { channelId: thread.id }));
	client.on(Events.GuildDelete, (guild) => void forget(context, database, { guildId: guild.id }));
	client.on(Events.Error, (error) => {
		log.error({ err: error }, 'discord client error');
	});
	client.on(Events.Warn, (message) => {
		log.warn({ message }, 'discord client warning');
	});

	const ready = new Promise<void>((resolve) =>
		client.once(Events.ClientReady, () => {
			resolve();
		}),
	);
	let ops: OpsServer | undefined;
	try {
		if (metrics && config.httpPort !== undefined) {
			const gateway = gatewayState(client);
			metrics.readFrom({
				catalog,
				gatewayPingMs: gateway.pingMs,
				feed: databaseFeedReadings(db, () => feed.status.lastSuccessAt?.getTime()),
			});
			ops = await startOpsServer({
				port: config.httpPort,
				host: config.httpHost,
				registry: metrics.registry,
				readiness: botReadiness({
					probeStore: () => sql`select 1`.execute(database.db),
					// A process without a gateway connection (SHARDS=none) is ready without one.
					gatewayProblem: config.shards === 'none' ? () => undefined : gateway.problem,
					catalog,
				}),
				log: log.child({ module: 'http' }),
			});
		}
		if (config.shards === 'none') {
			// No gateway connection (SHARDS=none): REST only, for the leader's work.
			client.token = config.discordToken;
			client.rest.setToken(config.discordToken);
		} else {
			await client.login(config.discordToken);
			await ready;
		}
	} catch (error) {
		await catalogFollower.stop();
		await identify?.close();
		await ops?.close();
		await client.destroy();
		await closeStore(database, keyValues);
		throw error;
	}
	const applicationId =
		client.application?.id ??
		client.user?.id ??
		(config.shards === 'none' ? await fetchApplicationId(client, log) : undefined);
	if (config.shards === 'none') log.info({ applicationId }, 'no gateway connection (SHARDS=none): REST only');
	else {
		const shards = client.options.shards;
		const shardCount = client.options.shardCount;
		log.info(
			{ user: client.user?.tag, applicationId, guilds: client.guilds.cache.size, shards, shardCount },
			'logged in to Discord',
		);
	}

	const jobLog = log.child({ module: 'jobs' });
	const register = (applicationId: string) =>
		registerCommands({
			rest: client.rest,
			applicationId,
			guildId: config.discordGuildId,
			commands,
			store,
			log,
		}).catch((error: unknown) => {
			log.error({ err: error }, 'registering the commands failed; the bot keeps answering commands registered earlier');
		});
	const leaderJobs = () => {
		const releasePoller = scheduleReleasePoller({
			cron: config.pollCron,
			feed,
			log: jobLog,
			onTick: metrics?.pollTick,
		});
		const catalogRefresh = scheduleCatalogRefresh({
			cron: config.catalogCron,
			catalog,
			portal,
			log: jobLog,
			// The refreshed catalog doubles as reconciliation for releases the poller's paging missed.
			onRefreshed: () => {
				releasePoller.requestReconcile();
				const version = catalog.fetchedAt?.getTime();
				if (version !== undefined) {
					notifyCatalogStored(database, version).catch((error: unknown) => {
						log.warn({ err: error }, 'could not tell the other processes about the refreshed catalog');
					});
				}
			},
		});
		return {
			releasePoller,
			catalogRefresh,
			stop: () => Promise.all([catalogRefresh.stop(), releasePoller.stop()]).then(() => undefined),
		};
	};
	// Leader-only work (issue 9 §2): started when this process becomes the leader, stopped when it stops leading. The
	// feed reads its state from the tables on every tick, so a new leader goes on from what the last one committed.
	await leader.start();
	const leaderWork = whileLeader(leader, jobLog, async (_term, first) => {
		if (applicationId) await register(applicationId);
		const work = leaderJobs();
		// A stored catalog younger than one refresh period is as fresh as a running bot's: no second whole-portal
		// fetch (Wube's guidelines: cache what can be cached) and no second index built beside the first at start.
		const catalogAgeMs = catalog.fetchedAt === undefined ? Infinity : Date.now() - catalog.fetchedAt.getTime();
		const fresh = catalogAgeMs < (work.catalogRefresh.periodMs() ?? 0);
		return { ...work, initial: first && !fresh ? work.catalogRefresh.run() : Promise.resolve() };
	});
	const initialRefresh = leaderWork.ready.then(() => leaderWork.current?.initial);

	let stopped = false;
	return {
		client,
		context,
		database,
		keyValues,
		tracker,
		leader,
		jobs: {
			catalogRefresh: leaderJob(leaderWork, (work) => work.catalogRefresh),
			releasePoller: leaderJob(leaderWork, (work) => work.releasePoller),
		},
		initialRefresh,
		ops,
		async stop() {
			if (stopped) return;
			stopped = true;
			await ops?.close();
			await leaderWork.stop();
			await leader.stop();
			await catalogFollower.stop();
			await identify?.close();
			await client.destroy();
			await closeStore(database, keyValues);
			log.info('stopped');
		},
	};
}

/**
 * Opens the store (SQLite: refused while another process uses it), its key-value store, and imports the keyv
 * documents of an earlier version once.
 *
 * @throws what `openDatabase`, `openKeyValueStore` or `importLegacyStore` throw; what was opened is closed again.
 */
async function openStore(storeUrl: string, log: Logger): Promise<{ database: OpenDatabase; keyValues: KeyValueStore }> {
	const database = await openDatabase(storeUrl);
	let keyValues: KeyValueStore | undefined;
	try {
		keyValues = await openKeyValueStore(database, { log: log.child({ module: 'store' }) });
		await importLegacyStore(database.db, keyValues.keyv, log.child({ module: 'store' }));
		return { database, keyValues };
	} catch (error) {
		await closeStore(database, keyValues);
		throw error;
	}
}

/** The application id from `GET /applications/@me`, for a process without a gateway session; undefined on failure. */
async function fetchApplicationId(client: Client, log: Logger): Promise<string | undefined> {
	try {
		const application = (await client.rest.get(Routes.currentApplication())) as { id: string };
		return application.id;
	} catch (error) {
		log.error({ err: error }, 'could not read the application id; the commands are not registered by this process');
		return undefined;
	}
}

async function closeStore(database: OpenDatabase, keyValues: KeyValueStore | undefined): Promise<void> {
	try {
		await keyValues?.close();
	} finally {
		await database.close();
	}
}

/**
 * A deleted channel or thread, or a guild the bot left: its subscriptions and their waiting posts go (one statement);
 * a guild's saved mod sets go too.
 */
async function forget(
	context: BotContext,
	database: OpenDatabase,
	scope: { channelId: string } | { guildId: string },
): Promise<void> {
	try {
		const removed = await context.subscriptions.removeWhere(scope);
		if (removed.length > 0) context.log.info({ ...scope, removed: removed.length }, 'subscriptions removed');
		if ('guildId' in scope) await removeGuildModpacks(database.db, scope.guildId);
	} catch (error) {
		context.log.error({ err: error, ...scope }, 'removing subscriptions failed');
	}
}
