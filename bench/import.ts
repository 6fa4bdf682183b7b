/**
 * Import throughput: generates The Odds API events (NDJSON, as a feed worker would push them)
 * and imports them into a fresh database, first time (inserts) and again (all unchanged).
 * Runs on embedded PGlite always and on PostgreSQL when BENCH_DATABASE_URL is set (a scratch
 * database is created next to it and dropped). Prints a table and writes bench/results/import.json.
 *
 *   npm run bench:import -- [--sizes 100000,1000000]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { migrate } from '../src/db/migrate.js';
import { createPgliteDb } from '../src/db/pglite.js';
import type { Db } from '../src/db/types.js';
import { generateEvents } from '../src/events/generator.js';
import { importFeeds } from '../src/feeds/importer.js';
import { scratchPostgres } from './data.js';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '100000,1000000' } } });
const sizes = values.sizes.split(',').map(Number);

/** Demo events rendered as The Odds API /odds records (one bookmaker, like a small real response). */
function oddsApiNdjson(count: number): string {
  const lines: string[] = [];
  for (const e of generateEvents({ count, seed: 1, idPrefix: 'bench' })) {
    lines.push(
      JSON.stringify({
        id: e.id,
        sport_key: `${e.sport_id}_${e.league_id}`,
        sport_title: e.league,
        commence_time: e.commence_time.toISOString(),
        home_team: e.home_team,
        away_team: e.away_team,
        bookmakers: [
          {
            key: 'draftkings',
            title: 'DraftKings',
            markets: [
              {
                key: 'h2h',
                outcomes: [
                  { name: e.home_team, price: 1.9 },
                  { name: e.away_team, price: 1.95 },
                ],
              },
            ],
          },
        ],
      }),
    );
  }
  return lines.join('\n');
}

const targets: Array<{ name: string; open: () => Promise<{ db: Db; drop: () => Promise<void> }> }> = [
  {
    name: 'pglite',
    open: async () => {
      const db = await createPgliteDb('memory://');
      return { db, drop: () => db.close() };
    },
  },
];
if (process.env.BENCH_DATABASE_URL) targets.unshift({ name: 'postgres', open: () => scratchPostgres(process.env.BENCH_DATABASE_URL as string, 'import') });

const results: Array<Record<string, unknown>> = [];
for (const size of sizes) {
  const text = oddsApiNdjson(size);
  for (const target of targets) {
    const { db, drop } = await target.open();
    try {
      await migrate(db);
      const first = await importFeeds(db, [{ name: 'bench.ndjson', text }]);
      const again = await importFeeds(db, [{ name: 'bench.ndjson', text }]);
      const row = {
        database: target.name,
        events: size,
        mb: Math.round(text.length / 1e5) / 10,
        first_seconds: first.seconds,
        first_events_per_s: Math.round(size / first.seconds),
        again_seconds: again.seconds,
        again_events_per_s: Math.round(size / again.seconds),
        inserted: first.inserted,
        unchanged_again: again.unchanged,
        rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
      };
      results.push(row);
      console.log(JSON.stringify(row));
    } finally {
      await drop();
    }
  }
}

console.table(results);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/import.json', import.meta.url),
  `${JSON.stringify({ measured_at: new Date().toISOString(), machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version }, results }, null, 2)}\n`,
);
