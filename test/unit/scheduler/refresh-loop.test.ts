import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { schedulePattern } from '../../../src/scheduler/pattern.js';
import { createRefreshLoop, needsStartupRefresh } from '../../../src/scheduler/refresh-loop.js';
import type { ViewState } from '../../../src/sidebar/repository.js';
import { capturingLogger } from '../../helpers/logger.js';

describe('schedulePattern', () => {
  it.each([
    [1, '*/1 * * * * *', undefined],
    [15, '*/15 * * * * *', undefined],
    [60, '0 */1 * * * *', undefined],
    [300, '0 */5 * * * *', undefined],
    [1800, '0 */30 * * * *', undefined],
    [3600, '0 0 */1 * * *', undefined],
    [21600, '0 0 */6 * * *', undefined],
    [86400, '0 0 */24 * * *', undefined],
    [5400, '* * * * * *', 5400], // 1.5 h
    [25200, '* * * * * *', 25200], // 7 h does not divide a day
    [172800, '* * * * * *', 172800], // 2 days
    [45, '* * * * * *', 45],
    [420, '* * * * * *', 420],
  ])('every %i s → %s', (seconds, pattern, interval) => {
    expect(schedulePattern(seconds)).toEqual(interval ? { pattern, interval } : { pattern });
  });

  it('rejects intervals that are not positive integers', () => {
    expect(() => schedulePattern(0)).toThrow(new RangeError('interval must be a positive integer, got 0'));
    expect(() => schedulePattern(1.5)).toThrow(RangeError);
  });
});

describe('needsStartupRefresh', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  it('refreshes an unpopulated or never-refreshed view', () => {
    expect(needsStartupRefresh({ populated: false, last_success_at: new Date(now) }, 300, now)).toBe(true);
    expect(needsStartupRefresh({ populated: true, last_success_at: null }, 300, now)).toBe(true);
  });
  it('refreshes a view older than one interval, not a fresher one', () => {
    expect(needsStartupRefresh({ populated: true, last_success_at: new Date(now - 301_000) }, 300, now)).toBe(true);
    expect(needsStartupRefresh({ populated: true, last_success_at: new Date(now - 299_000) }, 300, now)).toBe(false);
    // Exactly one interval old: the tick due now refreshes it.
    expect(needsStartupRefresh({ populated: true, last_success_at: new Date(now - 300_000) }, 300, now)).toBe(false);
  });
});

describe('refresh loop', () => {
  type Call = { trigger: string; minInterval: number | null; finish: (outcome: 'success' | 'skipped' | 'error' | Error) => void };

  /** A loop whose refreshes the test finishes by hand; the view's state is the test's to set. */
  function loop(options: { enabled?: boolean; view?: ViewState | Error; intervalSeconds?: number; viewDelayMs?: number } = {}) {
    const calls: Call[] = [];
    let view: ViewState | Error = options.view ?? { populated: true, last_success_at: new Date() };
    const { log, lines } = capturingLogger('info');
    const refreshLoop = createRefreshLoop({
      enabled: options.enabled ?? true,
      intervalSeconds: options.intervalSeconds ?? 10,
      log,
      viewState: async () => {
        // A slow database: the view's state arrives after this long.
        if (options.viewDelayMs) await new Promise((resolve) => setTimeout(resolve, options.viewDelayMs));
        if (view instanceof Error) throw view;
        return view;
      },
      refresh: (trigger, minInterval) =>
        new Promise((resolve, reject) => {
          calls.push({
            trigger,
            minInterval,
            finish: (outcome) =>
              outcome instanceof Error
                ? reject(outcome)
                : resolve({ status: outcome, duration_ms: outcome === 'success' ? 12 : 0, error_message: outcome === 'error' ? 'boom' : null } as never),
          });
        }),
    });
    return { refreshLoop, calls, lines, setView: (v: ViewState | Error) => (view = v) };
  }

  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-25T12:00:03Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('disabled: start() schedules nothing and refreshes nothing', async () => {
    const { refreshLoop, calls } = loop({ enabled: false, view: { populated: false, last_success_at: null } });
    await refreshLoop.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(0);
    expect(refreshLoop.state()).toMatchObject({ enabled: false, running: false, next_run_at: null, last_run_at: null, last_result: null });
  });

  it('refreshes at start-up when the view is empty, then on every aligned tick with half the interval as minimum gap', async () => {
    const { refreshLoop, calls } = loop({ view: { populated: false, last_success_at: null } });
    const starting = refreshLoop.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toMatchObject([{ trigger: 'startup', minInterval: null }]);
    expect(refreshLoop.state()).toMatchObject({ busy: true, running: true, pattern: '*/10 * * * * *', next_run_at: '2026-11-25T12:00:10.000Z' });
    calls[0]?.finish('success');
    await starting;
    expect(refreshLoop.state()).toMatchObject({
      busy: false,
      last_run_at: '2026-11-25T12:00:03.000Z',
      last_result: { status: 'success', duration_ms: 12, message: null },
    });
    await vi.advanceTimersByTimeAsync(7000);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toMatchObject({ trigger: 'scheduler', minInterval: 5 });
    calls[1]?.finish('skipped');
    await refreshLoop.stop();
  });

  it('does not refresh at start-up when the view is fresh', async () => {
    const { refreshLoop, calls } = loop();
    await refreshLoop.start();
    expect(calls).toHaveLength(0);
    await refreshLoop.stop();
  });

  it('the schedule starts after the start-up check: a check slower than the interval still refreshes at start-up, first', async () => {
    const { refreshLoop, calls } = loop({ view: { populated: false, last_success_at: null }, intervalSeconds: 1, viewDelayMs: 2500 });
    const starting = refreshLoop.start();
    // Two ticks of a running schedule would have come and gone during the check.
    await vi.advanceTimersByTimeAsync(2500);
    expect(calls.map((c) => c.trigger)).toEqual(['startup']);
    expect(refreshLoop.state()).toMatchObject({ running: true, busy: true });
    calls[0]?.finish('success');
    await starting;
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls.map((c) => c.trigger)).toEqual(['startup', 'scheduler']);
    calls[1]?.finish('skipped');
    await refreshLoop.stop();
  });

  it('stop() during the start-up check starts nothing; start() again while it runs is a no-op', async () => {
    const { refreshLoop, calls } = loop({ view: { populated: false, last_success_at: null }, viewDelayMs: 1000 });
    const starting = refreshLoop.start();
    await refreshLoop.start(); // returns at once: already starting
    await refreshLoop.stop();
    await vi.advanceTimersByTimeAsync(1000);
    await starting;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(calls).toHaveLength(0);
    expect(refreshLoop.state()).toMatchObject({ running: false, next_run_at: null });
    // Started again, it runs.
    const again = refreshLoop.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls.map((c) => c.trigger)).toEqual(['startup']);
    calls[0]?.finish('success');
    await again;
    await refreshLoop.stop();
  });

  it('a start-up whose view state cannot be read logs it and waits for the next tick', async () => {
    const { refreshLoop, calls, lines } = loop({ view: new Error('database down') });
    await refreshLoop.start();
    expect(calls).toHaveLength(0);
    expect(lines.find((line) => line.level === 50)).toMatchObject({
      msg: 'could not check sidebar_data at start-up; the scheduler will refresh it on its next tick',
      err: { message: 'database down' },
    });
    await vi.advanceTimersByTimeAsync(7000);
    expect(calls).toHaveLength(1);
    calls[0]?.finish('success');
    await refreshLoop.stop();
  });

  it('a refresh that cannot run is recorded as failed and logged; an error outcome is recorded with its message', async () => {
    const { refreshLoop, calls, lines } = loop();
    await refreshLoop.start();
    await vi.advanceTimersByTimeAsync(7000);
    calls[0]?.finish(new Error('connection refused'));
    await vi.advanceTimersByTimeAsync(0);
    expect(refreshLoop.state().last_result).toEqual({ status: 'failed', duration_ms: null, message: 'connection refused' });
    expect(lines.at(-1)).toMatchObject({ level: 50, msg: 'scheduled sidebar refresh could not run', trigger: 'scheduler' });
    await vi.advanceTimersByTimeAsync(10_000);
    calls[1]?.finish('error');
    await vi.advanceTimersByTimeAsync(0);
    expect(refreshLoop.state().last_result).toEqual({ status: 'error', duration_ms: 0, message: 'boom' });
    await refreshLoop.stop();
  });

  it('stop() waits for the refresh under way, then no tick runs; start() twice schedules once', async () => {
    const { refreshLoop, calls } = loop();
    await refreshLoop.start();
    await refreshLoop.start();
    await vi.advanceTimersByTimeAsync(7000);
    expect(calls).toHaveLength(1);
    let stopped = false;
    const stopping = refreshLoop.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    calls[0]?.finish('success');
    await stopping;
    expect(refreshLoop.state()).toMatchObject({ running: false, busy: false, next_run_at: null });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(1);
  });

  it('start() logs the schedule at info level: its pattern, interval and next run', async () => {
    const { refreshLoop, lines } = loop();
    await refreshLoop.start();
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 30,
        msg: 'sidebar refresh scheduler started',
        pattern: '*/10 * * * * *',
        interval_seconds: 10,
        next_run_at: '2026-11-25T12:00:10.000Z',
      }),
    );
    await refreshLoop.stop();
  });

  it('stop() before start(), or twice, does nothing', async () => {
    const { refreshLoop } = loop();
    await refreshLoop.stop();
    await refreshLoop.start();
    await refreshLoop.stop();
    await refreshLoop.stop();
    expect(refreshLoop.state()).toMatchObject({ running: false, next_run_at: null });
  });

  it('a tick while the previous scheduled refresh still runs is skipped (no overlap in one process)', async () => {
    const { refreshLoop, calls } = loop();
    await refreshLoop.start();
    await vi.advanceTimersByTimeAsync(7000);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(20_000); // two more ticks while the first refresh runs
    expect(calls).toHaveLength(1);
    calls[0]?.finish('success');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toHaveLength(2);
    calls[1]?.finish('success');
    await refreshLoop.stop();
  });

  it('an interval that does not divide a minute, hour or day ticks every interval, not every second', async () => {
    const { refreshLoop, calls } = loop({ intervalSeconds: 7 });
    await refreshLoop.start();
    for (let i = 0; i < 22; i++) {
      await vi.advanceTimersByTimeAsync(1000);
      for (const call of calls) call.finish('success');
    }
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.length).toBeLessThanOrEqual(4);
    await refreshLoop.stop();
  });

  it("a start-up refresh that ends while a tick's refresh runs leaves the loop busy, and stop() waits for the tick's", async () => {
    const { refreshLoop, calls } = loop({ view: { populated: false, last_success_at: null } });
    const starting = refreshLoop.start();
    await vi.advanceTimersByTimeAsync(7000);
    expect(calls.map((c) => c.trigger)).toEqual(['startup', 'scheduler']);
    calls[0]?.finish('success');
    await starting;
    expect(refreshLoop.state().busy).toBe(true);
    let stopped = false;
    const stopping = refreshLoop.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    calls[1]?.finish('success');
    await stopping;
  });
});
