/**
 * `npm run bench`: every benchmark, printing figures (no pass/fail). Catalog: load, index build, memory, autocomplete
 * and search latency at 2,538 / 20,000 / 100,000 mods. Announcements: portal requests per poll tick, fan-out to 1,000
 * channels under Discord's 50 requests a second, memory and store size with 10,000 subscriptions. Outage: portal
 * requests a minute of the release poller while idle, during a 10-minute outage and after a 429. Modpack: resolving
 * an overhaul and a 200-mod server list from the 2024 dependency graph, time and portal requests, cold and warm cache.
 * Store: catalog writes, restart until searchable and store size with 20,000 mods on SQLite and PostgreSQL.
 * Cluster: failover after SIGKILL and SIGSTOP of the leader with three processes, outbox claims per second.
 */
import { runAnnouncementsBench } from './announcements.js';
import { runCatalogBench } from './catalog.js';
import { runClusterBench } from './cluster.js';
import { runModpackBench } from './modpack.js';
import { runOutageBench } from './outage.js';
import { runStoreBench } from './store.js';

await runCatalogBench();
await runAnnouncementsBench();
await runOutageBench();
await runModpackBench();
await runStoreBench();
await runClusterBench();
