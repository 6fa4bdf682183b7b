#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { text } from 'node:stream/consumers';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import type { FastifyInstance } from 'fastify';
import { type Logger, pino } from 'pino';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config/index.js';
import { generateEvents } from './events/generator.js';
import { writeEvents } from './events/writer.js';
import { type FeedFormat, feedFormats } from './feeds/extract.js';
import { changedAnything, type ImportSummary, importFeeds, importOutcome, nothingImportedReason } from './feeds/importer.js';
import { liveWindowsWithDefault } from './feeds/odds-api.js';
import { FeedFileError, type FeedInput, readInputs } from './feeds/read.js';
import { cliLogger, loggerOptions } from './logger.js';
import { openDatabase } from './process.js';
import { startServer } from './server.js';
import { runPrimary, workerIndex } from './workers.js';

const usage = `Usage: sidebar <command> [options]

Commands:
  serve                      Run the HTTP service (default)
  migrate                    Apply pending database migrations
  seed [--events N] [--seed S] [--prefix P]
                             Upsert N generated events (default 10000) and refresh the sidebar
  refresh                    Refresh sidebar_data now (a new version, which every instance serves)
  import <file|folder|->... [--format F] [--shift-to-future] [--no-refresh] [--json]
                             Upsert events from The Odds API / Optic Odds dumps (folders: every
                             .json/.ndjson file; -: stdin), report what happened, refresh the sidebar

Configuration comes from the environment (and ./.env if present); see .env.example.`;

/**
 * Runs fn with the service's parts, built exactly as the server builds them (buildApp, role
 * 'cli': no jobs, no polling, no listening), on a database opened and migrated by the same
 * start-up code.
 */
async function withApp<T>(fn: (app: FastifyInstance, log: Logger) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const log = cliLogger(config.logLevel);
  const db = await openDatabase(config, log, { migrate: true, seedDemo: false });
  try {
    const app = await buildApp({ config, db, logger: log, role: 'cli' });
    try {
      await app.ready();
      return await fn(app, log);
    } finally {
      await app.close();
    }
  } finally {
    await db.close();
  }
}

async function seed(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { events: { type: 'string', default: '10000' }, seed: { type: 'string', default: '42' }, prefix: { type: 'string', default: 'seed' } },
  });
  const count = Number(values.events);
  if (!Number.isInteger(count) || count < 1) throw new ConfigError(`--events must be a positive integer, got ${values.events}`);
  await withApp(async ({ db, sidebarService }, log) => {
    const started = Date.now();
    const bar = process.stdout.isTTY
      ? new cliProgress.SingleBar({ format: 'seeding [{bar}] {percentage}% {value}/{total} events  {eta}s left' }, cliProgress.Presets.shades_classic)
      : null;
    bar?.start(count, 0);
    let nextReport = 0.1;
    const totals = await writeEvents(db, generateEvents({ count, seed: Number(values.seed), idPrefix: values.prefix }), {
      onProgress: (written) => {
        bar?.update(written);
        if (!bar && written / count >= nextReport) {
          log.info({ written, total: count }, 'seeding');
          nextReport += 0.1;
        }
      },
    });
    bar?.stop();
    const seconds = (Date.now() - started) / 1000;
    log.info({ ...totals, seconds, events_per_second: Math.round(count / seconds) }, 'seeded events');
    await sidebarService.refresh('manual');
  });
}

async function importCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      'shift-to-future': { type: 'boolean', default: false },
      'no-refresh': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length === 0) throw new ConfigError('import: name at least one file or folder (or - for stdin)');
  const format = values.format as FeedFormat | undefined;
  if (format && !feedFormats.includes(format)) throw new ConfigError(`import: --format must be one of ${feedFormats.join(', ')}`);

  let sources: FeedInput[];
  try {
    sources = await readInputs(positionals, () => text(process.stdin));
  } catch (error) {
    if (error instanceof FeedFileError) throw new ConfigError(`import: ${error.message}`);
    throw error;
  }

  return withApp(async ({ db, sidebarService, config }) => {
    const bar =
      process.stdout.isTTY && !values.json
        ? new cliProgress.SingleBar({ format: 'writing [{bar}] {percentage}% {value}/{total} events' }, cliProgress.Presets.shades_classic)
        : null;
    const summary = await importFeeds(db, sources, {
      format,
      shiftToFuture: values['shift-to-future'],
      liveWindows: liveWindowsWithDefault(config.feedLiveWindowHours),
      onProgress: (_phase, done, total) => {
        if (total < 20_000) return;
        if (bar) {
          if (done === Math.min(total, 5000)) bar.start(total, 0);
          bar.update(done);
          if (done === total) bar.stop();
        } else if (!values.json && Math.floor((done * 10) / total) > Math.floor(((done - 5000) * 10) / total)) {
          // Not a terminal: a plain line every 10%.
          process.stdout.write(`written ${done}/${total} events\n`);
        }
      },
    });
    if (values.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else process.stdout.write(formatSummary(summary));
    // The service logs the refresh's outcome.
    if (changedAnything(summary) && !values['no-refresh']) await sidebarService.refresh('import');
    if (importOutcome(summary) !== 'imported' && summary.file_errors.length === 0) {
      process.stderr.write(`import: ${nothingImportedReason(summary)}\n`);
      return 1;
    }
    return summary.file_errors.length ? 1 : 0;
  });
}

function formatSummary(s: ImportSummary): string {
  const lines = [
    `files: ${s.files}   events read: ${s.read}   inserted: ${s.inserted}   updated: ${s.updated}   unchanged: ${s.unchanged}   rejected: ${s.rejected}   repeated ids: ${s.duplicates}   (${s.seconds.toFixed(2)} s)`,
    ...Object.entries(s.formats).map(([f, c]) => `  ${f}: read ${c.read}, accepted ${c.accepted}, rejected ${c.rejected}`),
  ];
  if (s.sports_listed) lines.push(`  sports lists: ${s.sports_listed} sport keys`);
  if (s.shift_ms) lines.push(`  start times moved ${Math.round(s.shift_ms / 86_400_000)} days ahead`);
  if (!changedAnything(s) && s.read > 0) lines.push('  nothing changed: every event was already up to date');
  for (const r of s.rejections) lines.push(`  rejected ${r.file} ${r.position}: ${r.reason}`);
  if (s.rejections_total > s.rejections.length) lines.push(`  … and ${s.rejections_total - s.rejections.length} more rejected records`);
  for (const e of s.file_errors) lines.push(`  ERROR ${e.file}: ${e.reason}`);
  return `${lines.join('\n')}\n`;
}

/** Migrations alone need no app: open the database, migrate (openDatabase logs what it applied), close. */
async function migrateCommand(): Promise<number> {
  const config = loadConfig();
  const db = await openDatabase(config, cliLogger(config.logLevel), { migrate: true, seedDemo: false });
  await db.close();
  return 0;
}

/** One process, or (WEB_CONCURRENCY > 1) a primary that runs that many worker processes of it. */
async function serve(): Promise<number> {
  const config = loadConfig();
  const index = workerIndex();
  if (config.webConcurrency > 1 && index === null) return runPrimary(config, pino(loggerOptions(config.logLevel)));
  // Worker 0 (or the only process) runs the background jobs.
  await startServer(config, { jobs: (index ?? 0) === 0, worker: index });
  return -1; // keep running
}

async function main(argv: string[]): Promise<number> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const [command = 'serve', ...rest] = argv;
  // `sidebar seed --help` and the like: the usage, as `sidebar help` prints it.
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  switch (command) {
    case 'serve':
      return serve();
    case 'migrate':
      return migrateCommand();
    case 'seed':
      await seed(rest);
      return 0;
    case 'refresh':
      return withApp(async ({ sidebarService }) => {
        const result = await sidebarService.refresh('manual');
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return result.status === 'error' ? 1 : 0;
      });
    case 'import':
      return importCommand(rest);
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${usage}\n`);
      return 0;
    default:
      process.stderr.write(`Unknown command: ${command}\n\n${usage}\n`);
      return 64;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    // A wrong option (node:util parseArgs): what is wrong and the usage, as for an unknown command.
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
      process.stderr.write(`${(err as Error).message}\n\n${usage}\n`);
      process.exitCode = 64;
      return;
    }
    // Configuration mistakes get one clear line, not a stack trace.
    process.stderr.write(`${err instanceof ConfigError ? err.message : (err as Error).stack}\n`);
    process.exitCode = 1;
  },
);
