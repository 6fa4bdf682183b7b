import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createChangeLoop } from '../../../src/scheduler/change-loop.js';
import type { RefreshLogRow } from '../../../src/sidebar/repository.js';
import { capturingLogger } from '../../helpers/logger.js';

/** A change loop whose polls the test answers by hand. */
function setup(options: { pollMs?: number; minGapMs?: number } = {}) {
  const polls: Array<{ gapSeconds: number; answer: (result: RefreshLogRow | null | Error) => void }> = [];
  const { log, lines } = capturingLogger('info');
  const loop = createChangeLoop({
    pollMs: options.pollMs ?? 250,
    minGapMs: options.minGapMs ?? 1000,
    log,
    refreshIfChanged: (gapSeconds) =>
      new Promise((resolve, reject) => {
        polls.push({ gapSeconds, answer: (result) => (result instanceof Error ? reject(result) : resolve(result)) });
      }),
  });
  return { loop, polls, lines };
}
const refreshed = (finishedAt: string) => ({ id: 7, status: 'success', finished_at: new Date(finishedAt) }) as RefreshLogRow;

describe('change loop', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-25T12:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('polls every pollMs with the gap in seconds, and never two polls at once', async () => {
    const { loop, polls } = setup({ pollMs: 250, minGapMs: 1500 });
    loop.start();
    await vi.advanceTimersByTimeAsync(249);
    expect(polls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(polls).toEqual([expect.objectContaining({ gapSeconds: 1.5 })]);
    await vi.advanceTimersByTimeAsync(1000); // the first poll still runs (a refresh under way)
    expect(polls).toHaveLength(1);
    polls[0]?.answer(null);
    await vi.advanceTimersByTimeAsync(250);
    expect(polls).toHaveLength(2);
    polls[1]?.answer(null);
    await loop.stop();
  });

  it('counts the refreshes its polls made, and when; a poll with nothing to do counts nothing', async () => {
    const { loop, polls } = setup();
    loop.start();
    await vi.advanceTimersByTimeAsync(250);
    polls[0]?.answer(null);
    await vi.advanceTimersByTimeAsync(250);
    expect(loop.state()).toMatchObject({ refreshes: 0, last_refresh_at: null, last_check_at: '2026-11-25T12:00:00.250Z' });
    polls[1]?.answer(refreshed('2026-11-25T12:00:00.480Z'));
    await vi.advanceTimersByTimeAsync(0);
    expect(loop.state()).toEqual({
      enabled: true,
      poll_ms: 250,
      min_gap_ms: 1000,
      last_check_at: '2026-11-25T12:00:00.500Z',
      last_refresh_at: '2026-11-25T12:00:00.480Z',
      refreshes: 1,
      failing: false,
    });
    await loop.stop();
  });

  it('a failing poll is logged once at warn level, goes on polling, and its recovery is logged once', async () => {
    const { loop, polls, lines } = setup();
    loop.start();
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(250);
      polls[i]?.answer(new Error('connect ECONNREFUSED'));
    }
    await vi.advanceTimersByTimeAsync(0);
    expect(loop.state().failing).toBe(true);
    expect(lines.filter((l) => l.level === 40)).toEqual([
      expect.objectContaining({ err: 'connect ECONNREFUSED', msg: expect.stringMatching(/^cannot poll for sidebar changes/) }),
    ]);
    await vi.advanceTimersByTimeAsync(250);
    polls[3]?.answer(null);
    await vi.advanceTimersByTimeAsync(0);
    expect(loop.state().failing).toBe(false);
    await vi.advanceTimersByTimeAsync(250);
    polls[4]?.answer(null);
    await vi.advanceTimersByTimeAsync(0);
    expect(lines.filter((l) => l.msg === 'change polling works again')).toHaveLength(1);
    await loop.stop();
  });

  it('logs that it started, with its settings', () => {
    const { loop, lines } = setup({ pollMs: 100, minGapMs: 2000 });
    loop.start();
    expect(lines).toEqual([expect.objectContaining({ level: 30, msg: 'sidebar change polling started', poll_ms: 100, min_gap_ms: 2000 })]);
    loop.start();
    expect(lines).toHaveLength(1);
  });

  it('stop() waits for the poll under way, and no poll follows', async () => {
    const { loop, polls } = setup();
    loop.start();
    await vi.advanceTimersByTimeAsync(250);
    let stopped = false;
    const stopping = loop.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    polls[0]?.answer(null);
    await stopping;
    expect(loop.state().enabled).toBe(false);
    await vi.advanceTimersByTimeAsync(5000);
    expect(polls).toHaveLength(1);
  });

  it('pollMs 0 never polls, and says it is off', async () => {
    const { loop, polls, lines } = setup({ pollMs: 0 });
    loop.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(polls).toHaveLength(0);
    expect(lines).toEqual([]);
    expect(loop.state().enabled).toBe(false);
    await loop.stop();
  });
});
