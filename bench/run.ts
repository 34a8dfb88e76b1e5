/**
 * `npm run bench`: every benchmark, printing figures (no pass/fail). Catalog: load, index build, memory, autocomplete
 * and search latency at 2,538 / 20,000 / 100,000 mods beside the substring baseline's. Search: quality (top-1, top-3,
 * MRR@10) of the index before and after and of the baseline on the judged queries, and the index's cost before and
 * after. Announcements: portal requests per poll tick, fan-out to 1,000
 * channels under Discord's 50 requests a second, memory and store size with 10,000 subscriptions. Outage: portal
 * requests a minute of the release poller while idle, during a 10-minute outage and after a 429. Modpack: resolving
 * an overhaul and a 200-mod server list from the 2024 dependency graph, time and portal requests, cold and warm cache.
 * Store: catalog writes, restart until searchable and store size with 20,000 mods on SQLite and PostgreSQL.
 * Footprint: the bot as `npm start` runs it, with 20,000 mods, RSS at start and under 50 autocompletes a second.
 * Cluster: failover after SIGKILL and SIGSTOP of the leader with three processes, outbox claims per second.
 */
import { runAnnouncementsBench } from './announcements.js';
import { runCatalogBench } from './catalog.js';
import { runClusterBench } from './cluster.js';
import { runFootprintBench } from './footprint.js';
import { runModpackBench } from './modpack.js';
import { runOutageBench } from './outage.js';
import { runIndexCostBench, runSearchBench } from './search.js';
import { runStoreBench } from './store.js';

await runCatalogBench();
await runSearchBench();
await runIndexCostBench();
await runAnnouncementsBench();
await runOutageBench();
await runModpackBench();
await runStoreBench();
await runFootprintBench();
await runClusterBench();
