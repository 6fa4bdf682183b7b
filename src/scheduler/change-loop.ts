import type { FastifyBaseLogger } from 'fastify';
import type { ChangeLoopState } from '../contract/index.js';
import type { RefreshLogRow } from '../sidebar/repository.js';

export interface ChangeLoopDeps {
  /** How often to ask; 0: never (the schedule alone refreshes). */
  pollMs: number;
  /** At most one change-driven refresh per this many milliseconds, across every instance. */
  minGapMs: number;
  log: FastifyBaseLogger;
  /** refresh_sidebar_data_if_changed(): the log row of a refresh, or null when there was nothing to do. */
  refreshIfChanged: (minGapSeconds: number) => Promise<RefreshLogRow | null>;
}

/**
 * Change-driven freshness: every pollMs, asks the database whether writes wait for a refresh
 * (the change records, refresh_sidebar_data_if_changed()), and has it refresh if so. Every instance polls; the database decides, under
 * the refresh lock, so the fleet refreshes at most once per minGapMs however many instances
 * and writers there are. A poll with nothing pending is an index probe and logs nothing.
 * Polls never overlap: the next is scheduled when one ends.
 */
export function createChangeLoop(deps: ChangeLoopDeps) {
  const { log, pollMs, minGapMs } = deps;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = true;
  let failing = false;
  let lastCheckAt: Date | null = null;
  let lastRefreshAt: Date | null = null;
  let refreshes = 0;

  async function poll(): Promise<void> {
    try {
      const result = await deps.refreshIfChanged(minGapMs / 1000);
      lastCheckAt = new Date();
      if (failing) log.info('change polling works again');
      failing = false;
      if (result) {
        refreshes++;
        lastRefreshAt = result.finished_at;
      }
    } catch (err) {
      // Logged on the transition only: an outage would otherwise log four lines a second.
      if (!failing) log.warn({ err: (err as Error).message }, 'cannot poll for sidebar changes; they wait for the database (or the schedule)');
      failing = true;
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = null;
      running = poll().finally(() => {
        running = null;
        schedule();
      });
    }, pollMs);
    timer.unref();
  }

  return {
    start(): void {
      if (!stopped || pollMs <= 0) return;
      stopped = false;
      log.info({ poll_ms: pollMs, min_gap_ms: minGapMs }, 'sidebar change polling started');
      schedule();
    },

    /** Stops polling and waits for a poll (and its refresh) under way. Idempotent. */
    async stop(): Promise<void> {
      stopped = true;
      // Stryker disable next-line ConditionalExpression: clearTimeout(null) does nothing; the guard is for the types.
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },

    state(): ChangeLoopState {
      return {
        enabled: !stopped,
        poll_ms: pollMs,
        min_gap_ms: minGapMs,
        last_check_at: lastCheckAt?.toISOString() ?? null,
        last_refresh_at: lastRefreshAt?.toISOString() ?? null,
        refreshes,
        failing,
      };
    },
  };
}

export type ChangeLoop = ReturnType<typeof createChangeLoop>;
