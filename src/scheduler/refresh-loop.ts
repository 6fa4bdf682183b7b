import { Cron } from 'croner';
import type { FastifyBaseLogger } from 'fastify';
import type { RefreshTrigger, SchedulerState } from '../contract/index.js';
import type { RefreshLogRow, ViewState } from '../sidebar/repository.js';
import { schedulePattern } from './pattern.js';

export interface RefreshLoopDeps {
  intervalSeconds: number;
  enabled: boolean;
  log: FastifyBaseLogger;
  refresh: (trigger: RefreshTrigger, minIntervalSeconds: number | null) => Promise<RefreshLogRow>;
  viewState: () => Promise<ViewState>;
}

/** True when the view has never been filled or its last refresh is older than one interval. */
export function needsStartupRefresh(state: ViewState, intervalSeconds: number, now = Date.now()): boolean {
  if (!state.populated || !state.last_success_at) return true;
  return now - state.last_success_at.getTime() > intervalSeconds * 1000;
}

/**
 * Refreshes sidebar_data on a schedule. croner's overrun protection keeps a slow refresh from
 * overlapping the next tick in this process; the advisory lock and the minimum interval in
 * refresh_sidebar_data() keep instances from refreshing the same tick twice.
 */
export function createRefreshLoop(deps: RefreshLoopDeps) {
  const { log, intervalSeconds } = deps;
  const { pattern, interval } = schedulePattern(intervalSeconds);
  // Another instance's refresh within the last half interval counts as this tick's refresh.
  const minIntervalSeconds = intervalSeconds / 2;
  let job: Cron | null = null;
  // Between start() and the schedule's first job: the start-up check in progress.
  let starting = false;
  // Set by start() (false) and stop() (true): whether stop() came during the start-up check.
  let stopped: boolean;
  let current: Promise<unknown> | null = null;
  let lastRunAt: Date | null = null;
  let lastResult: SchedulerState['last_result'] = null;

  async function run(trigger: RefreshTrigger, minInterval: number | null): Promise<void> {
    lastRunAt = new Date();
    try {
      const result = await deps.refresh(trigger, minInterval);
      lastResult = { status: result.status, duration_ms: result.duration_ms, message: result.error_message };
    } catch (err) {
      // The database is unreachable or the function is missing; the next tick tries again.
      lastResult = { status: 'failed', duration_ms: null, message: (err as Error).message };
      log.error({ err, trigger }, 'scheduled sidebar refresh could not run');
    }
  }

  function track(p: Promise<void>): Promise<void> {
    current = p;
    return p.finally(() => {
      if (current === p) current = null;
    });
  }

  return {
    /**
     * Checks the view, starts the schedule and, if the view was empty or stale, refreshes it now
     * (not awaited by callers that serve). The schedule starts after the check: a tick that came
     * first (a short interval, a slow database) would refresh, and the check would then find the
     * view fresh and skip the start-up refresh, or log it second.
     */
    async start(): Promise<void> {
      if (!deps.enabled || job || starting) return;
      starting = true;
      stopped = false;
      let needed = false;
      try {
        needed = needsStartupRefresh(await deps.viewState(), intervalSeconds);
      } catch (err) {
        log.error({ err }, 'could not check sidebar_data at start-up; the scheduler will refresh it on its next tick');
      } finally {
        starting = false;
      }
      // stop() was called during the check: nothing to start.
      if (stopped) return;
      job = new Cron(pattern, { protect: true, interval }, () => track(run('scheduler', minIntervalSeconds)));
      log.info({ pattern, interval_seconds: intervalSeconds, next_run_at: job.nextRun() }, 'sidebar refresh scheduler started');
      if (needed) await track(run('startup', null));
    },

    /** Stops scheduling and waits for a refresh in progress. Idempotent. */
    async stop(): Promise<void> {
      stopped = true;
      job?.stop();
      job = null;
      await current?.catch(() => {});
    },

    state(): SchedulerState {
      return {
        enabled: deps.enabled,
        running: job?.isRunning() ?? false,
        busy: current !== null,
        interval_seconds: intervalSeconds,
        pattern,
        last_run_at: lastRunAt?.toISOString() ?? null,
        // Stryker disable next-line OptionalChaining: croner's nextRun() is null only for a schedule with no future run, which an every-N-seconds pattern never is.
        next_run_at: job?.nextRun()?.toISOString() ?? null,
        last_result: lastResult,
      };
    },
  };
}

export type RefreshLoop = ReturnType<typeof createRefreshLoop>;
