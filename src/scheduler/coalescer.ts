import type { FastifyBaseLogger } from 'fastify';

/**
 * Turns many "please refresh" requests into few refreshes. The first request schedules a
 * refresh delayMs later; requests until then join it; a request that arrives while that
 * refresh runs schedules exactly one more after it. So a feed that pushes every second costs
 * one refresh per delay window, and no change is left unrefreshed.
 */
export function createRefreshCoalescer(deps: { delayMs: number; run: () => Promise<unknown>; log: FastifyBaseLogger }) {
  let timer: NodeJS.Timeout | null = null;
  let dueAt = 0;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let requests = 0;
  let runs = 0;

  function schedule(): void {
    if (stopped || timer) return;
    dueAt = Date.now() + deps.delayMs;
    timer = setTimeout(() => {
      timer = null;
      running = (async () => {
        runs++;
        try {
          await deps.run();
        } catch (err) {
          deps.log.error({ err }, 'coalesced sidebar refresh failed');
        }
      })().finally(() => {
        running = null;
        if (again) {
          again = false;
          schedule();
        }
      });
    }, deps.delayMs);
  }

  return {
    /**
     * Asks for a refresh soon; returns when it is due (ISO time) for the caller to report: the
     * pending refresh's time, or, while one runs, the earliest the next can start.
     */
    request(): string {
      requests++;
      if (running) {
        again = true;
        return new Date(Date.now() + deps.delayMs).toISOString();
      }
      schedule();
      return new Date(dueAt).toISOString();
    },
    /** Cancels what is pending and waits for a refresh in progress. */
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
    state: () => ({ pending: timer !== null, running: running !== null, requests, runs }),
  };
}

export type RefreshCoalescer = ReturnType<typeof createRefreshCoalescer>;
