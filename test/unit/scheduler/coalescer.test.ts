import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRefreshCoalescer } from '../../../src/scheduler/coalescer.js';
import { capturingLogger } from '../../helpers/logger.js';

/** A coalescer whose refreshes the test finishes by hand, with the outcome it chooses. */
function setup(delayMs = 5000) {
  const runs: Array<(status: 'success' | 'skipped' | Error) => void> = [];
  const { log, lines } = capturingLogger('info');
  const coalescer = createRefreshCoalescer({
    delayMs,
    log,
    run: () =>
      new Promise((resolve, reject) => {
        runs.push((outcome) => (outcome instanceof Error ? reject(outcome) : resolve({ status: outcome })));
      }),
  });
  return { coalescer, runs, lines };
}

describe('refresh coalescer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-25T12:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('requests within the delay share one refresh, due delayMs after the first', async () => {
    const { coalescer, runs } = setup();
    expect(coalescer.request()).toBe('2026-11-25T12:00:05.000Z');
    await vi.advanceTimersByTimeAsync(3000);
    expect(coalescer.request()).toBe('2026-11-25T12:00:05.000Z');
    expect(coalescer.state()).toMatchObject({ pending: true, requests: 2, runs: 0 });
    await vi.advanceTimersByTimeAsync(2000);
    expect(runs).toHaveLength(1);
    runs[0]?.('success');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toHaveLength(1);
    expect(coalescer.state()).toMatchObject({ pending: false, running: false, runs: 1 });
  });

  it('a request while a refresh runs schedules exactly one more after it', async () => {
    const { coalescer, runs } = setup();
    coalescer.request();
    await vi.advanceTimersByTimeAsync(5000);
    coalescer.request();
    coalescer.request();
    runs[0]?.('success');
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toHaveLength(2);
    runs[1]?.('success');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toHaveLength(2);
  });

  it('a refresh skipped because another held the lock is asked for again', async () => {
    const { coalescer, runs, lines } = setup();
    coalescer.request();
    await vi.advanceTimersByTimeAsync(5000);
    runs[0]?.('skipped');
    await vi.advanceTimersByTimeAsync(0);
    expect(lines).toMatchObject([{ level: 30, msg: 'coalesced sidebar refresh skipped (another refresh was running); asking again' }]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toHaveLength(2);
    runs[1]?.('success');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toHaveLength(2);
  });

  it('a failed refresh is logged, not retried, and the next request is served', async () => {
    const { coalescer, runs, lines } = setup();
    coalescer.request();
    await vi.advanceTimersByTimeAsync(5000);
    runs[0]?.(new Error('database down'));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toHaveLength(1);
    expect(lines).toMatchObject([{ level: 50, msg: 'coalesced sidebar refresh failed', err: { message: 'database down' } }]);
    coalescer.request();
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toHaveLength(2);
  });

  it('stop() cancels what is pending and waits for the refresh under way', async () => {
    const { coalescer, runs } = setup();
    coalescer.request();
    await vi.advanceTimersByTimeAsync(5000);
    coalescer.request(); // would run again after this one
    let stopped = false;
    const stopping = coalescer.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    runs[0]?.('success');
    await stopping;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toHaveLength(1);
  });

  it('a request while a refresh runs reports now + delay, and its refresh waits for the running one even when it outlasts the delay', async () => {
    const { coalescer, runs } = setup();
    coalescer.request();
    await vi.advanceTimersByTimeAsync(5000); // 12:00:05 the refresh starts
    await vi.advanceTimersByTimeAsync(1000);
    expect(coalescer.request()).toBe('2026-11-25T12:00:11.000Z');
    expect(coalescer.state()).toMatchObject({ pending: false, running: true, runs: 1 });
    await vi.advanceTimersByTimeAsync(20_000); // the first refresh is still running
    expect(runs).toHaveLength(1);
    runs[0]?.('success');
    await vi.advanceTimersByTimeAsync(0);
    expect(coalescer.state()).toMatchObject({ pending: true, running: false });
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toHaveLength(2);
  });

  it('stop() with nothing running clears the pending refresh', async () => {
    const { coalescer, runs } = setup();
    coalescer.request();
    await coalescer.stop();
    expect(coalescer.state().pending).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
