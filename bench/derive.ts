/**
 * What one sidebar answer costs the process, through the Fastify route (app.inject: routing,
 * validation, the handler, the reply; no network), by kind: the full sidebar, a variant the
 * process keeps, and a variant it must derive (a URL of every valid variant in turn, more
 * variants than the process keeps, so nearly every one is derived). The cold budget is lifted
 * for the run: this measures the work, not the limit. Prints microseconds per answer and the
 * ratio of a derived answer to a kept one.
 *
 *   npm run bench:derive -- [--count 3000]
 */
import { parseArgs } from 'node:util';
import { buildApp } from '../src/app.js';
import { createInProcessCache } from '../src/cache/in-process.js';
import { loadConfig } from '../src/config/index.js';
import { migrate } from '../src/db/migrate.js';
import { createPgliteDb } from '../src/db/pglite.js';
import { everyVariantUrl } from '../test/helpers/variant-urls.js';
import { fillEvents } from './data.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '3000' } } });
const count = Number(values.count);
const path = '/api/v1/shared/sidebar';

const db = await createPgliteDb('memory://');
await migrate(db);
// The HTTP benchmark's data: 100,000 events, 3% open, over the demo catalogue's leagues.
await fillEvents(db, 100_000, 0.03);
await db.query(`select refresh_sidebar_data('manual')`);
const cache = createInProcessCache();
const config = { ...loadConfig({}), logLevel: 'silent' as const, schedulerEnabled: false, changePollMs: 0, coldBudgetMsPerSecond: 1e9 };
const app = await buildApp({ config, db, cache, logger: false, role: 'cli' });
await app.ready();

const headers = { 'accept-encoding': 'gzip' };
async function perAnswerMicros(urls: readonly string[], n: number): Promise<number> {
  for (let i = 0; i < Math.min(n, 500); i++) await app.inject({ method: 'GET', url: urls[i % urls.length] as string, headers });
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const res = await app.inject({ method: 'GET', url: urls[(i + 500) % urls.length] as string, headers });
    if (res.statusCode !== 200) throw new Error(`${res.statusCode} for ${urls[i % urls.length]}: ${res.body}`);
  }
  return Math.round(((performance.now() - started) / n) * 1000);
}

const every = everyVariantUrl(path);
// In a stride through the list (7,919 is prime, so every URL comes once), so consecutive URLs are
// different variants, as a cycling client's are, not the same zone in each language in turn.
const shuffled = every.map((_, i) => every[(i * 7919) % every.length] as string);
const full = await perAnswerMicros([path], count);
const kept = await perAnswerMicros([`${path}?window=live&lang=es`], count);
const derived = await perAnswerMicros(shuffled, count);
const row = { urls: every.length, full_us: full, kept_variant_us: kept, derived_variant_us: derived, derived_vs_kept: Math.round((derived / kept) * 10) / 10 };
console.log(JSON.stringify(row));
console.table([row]);
await app.close();
await cache.close();
await db.close();
