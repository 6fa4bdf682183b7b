import { Cron } from 'croner';
import type { FastifyBaseLogger } from 'fastify';
import type { Queryable } from '../db/index.js';

export interface RetentionOptions {
  /** 0 disables the job. */
  days: number;
  batchSize: number;
  archive: boolean;
  /** Upper bound of batches per run, so one run never hogs the database. */
  maxBatches: number;
  /** Pause between batches, to leave room for other work. */
  pauseMs: number;
}

export interface RetentionRun {
  moved: number;
  batches: number;
  seconds: number;
  /** More remained when the run stopped at maxBatches. */
  more: boolean;
}

// purge_finished_events(): moves (or deletes) one batch and returns how many rows it moved.
const callPurgeFinishedEvents = 'select purge_finished_events($1, $2, $3) as n';

/** One batch of purge_finished_events(); SQL only. */
async function purgeFinishedEvents(db: Queryable, options: Pick<RetentionOptions, 'days' | 'batchSize' | 'archive'>): Promise<number> {
  const { rows } = await db.query<{ n: number }>(callPurgeFinishedEvents, [options.days, options.batchSize, options.archive]);
  return rows[0]?.n ?? 0;
}

/** Runs purge_finished_events() batch after batch until nothing is left or maxBatches is reached. */
export async function runRetention(db: Queryable, options: RetentionOptions): Promise<RetentionRun> {
  const started = Date.now();
  let moved = 0;
  let batches = 0;
  let last = options.batchSize;
  while (last === options.batchSize && batches < options.maxBatches) {
    last = await purgeFinishedEvents(db, options);
    moved += last;
    batches++;
    if (last === options.batchSize && options.pauseMs > 0) await new Promise((r) => setTimeout(r, options.pauseMs));
  }
  return { moved, batches, seconds: (Date.now() - started) / 1000, more: last === options.batchSize };
}

/** The hourly retention job (at minute 17, away from the refresh ticks); off when days is 0. */
export function createRetentionJob(deps: { db: Queryable; log: FastifyBaseLogger; options: RetentionOptions }) {
  let job: Cron | null = null;
  let current: Promise<void> | null = null;
  const { options, log } = deps;
  return {
    start() {
      if (options.days <= 0 || job) return;
      job = new Cron('0 17 * * * *', { protect: true }, () => {
        current = runRetention(deps.db, options)
          .then((run) => {
            if (run.moved > 0 || run.more)
              log.info({ retention: { ...run, days: options.days, archive: options.archive } }, 'retention: finished events moved out');
          })
          .catch((err) => log.error({ err }, 'retention run failed; the next run retries'));
        return current;
      });
      log.info({ days: options.days, archive: options.archive, next_run_at: job.nextRun() }, 'retention job scheduled');
    },
    async stop() {
      job?.stop();
      job = null;
      await current;
    },
  };
}
