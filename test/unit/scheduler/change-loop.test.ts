import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createChangeLoop } from '../../../src/scheduler/change-loop.js';
import type { RefreshLogRow } from '../../../src/sidebar/repository.js';
import { capturingLogger } from '../../helpers/logger.js';

/** Notifications the test sends by hand, as the database's would arrive. */
function fakeWakeups(initiallyLive = true) {
  let live = initiallyLive;
  const handlers = { changes: new Set<() => void>(), version: new Set<() => void>() };
  const liveListeners = new Set<(live: boolean) => void>();
  return {
    live: () => live,
    on(channel: 'changes' | 'version', handler: () => void) {
      handlers[channel].add(handler);
      return () => handlers[channel].delete(handler);
    },
    onLive(listener: (live: boolean) => void) {
      liveListeners.add(listener);
      return () => liveListeners.delete(listener);
    },
    notify: (channel: 'changes' | 'version') => {
      for (const handler of handlers[channel]) handler();
    },
    setLive(next: boolean) {
      live = next;
      for (const listener of liveListeners) listener(next);
    },
    listeners: () => handlers.changes.size + handlers.version.size + liveListeners.size,
  };
}

/** A change loop whose polls the test answers by hand. */
function setup(options: { pollMs?: number; minGapMs?: number; wakeups?: ReturnType<typeof fakeWakeups> } = {}) {
  const polls: Array<{ gapSeconds: number; answer: (result: RefreshLogRow | null | Error) => void }> = [];
  const { log, lines } = capturingLogger('info');
  const loop = createChangeLoop({
    pollMs: options.pollMs ?? 250,
    minGapMs: options.minGapMs ?? 1000,
    log,
    wakeups: options.wakeups,
    refreshIfChanged: (gapSeconds) =>
      new Promise((resolve, reject) => {
        polls.push({ gapSeconds, answer: (result) => (result instanceof Error ? reject(result) : resolve(result)) });
      }),
  });
  return { loop, polls, lines };
}
const refreshed = (finishedAt: string) => ({ id: 7, status: 'success', finished_at: new Date(finishedAt) }) as RefreshLogRow;

/**
 * Starts a loop whose notifications already arrive: it asks at once (records may wait that no
 * one was told of). That ask is answered with nothing to do and taken off the list.
 */
async function startWoken(loop: { start(): void }, polls: Array<{ answer: (result: null) => void }>): Promise<void> {
  loop.start();
  await vi.advanceTimersByTimeAsync(0);
  expect(polls).toHaveLength(1);
  polls.shift()?.answer(null);
  await vi.advanceTimersByTimeAsync(0);
}

/** Advances the clock by ms: no new ask before its last millisecond, one at it. */
async function oneAskAfter(polls: unknown[], ms: number): Promise<void> {
  const before = polls.length;
  await vi.advanceTimersByTimeAsync(ms - 1);
  expect(polls).toHaveLength(before);
  await vi.advanceTimersByTimeAsync(1);
  expect(polls).toHaveLength(before + 1);
}

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
      woken: false,
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

  describe('with wake-ups (the database notifications arrive)', () => {
    it('asks at once when it starts with notifications already arriving (records may wait that no one was told of), then every 5 s', async () => {
      const wakeups = fakeWakeups();
      const { loop, polls } = setup({ pollMs: 250, wakeups });
      loop.start();
      await vi.advanceTimersByTimeAsync(0);
      expect(polls).toHaveLength(1);
      polls[0]?.answer(null);
      await oneAskAfter(polls, 5000);
      polls[1]?.answer(null);
      await loop.stop();
    });

    it('polls only every 5 s, and says so', async () => {
      const wakeups = fakeWakeups();
      const { loop, polls } = setup({ pollMs: 250, wakeups });
      await startWoken(loop, polls);
      await oneAskAfter(polls, 5000);
      expect(loop.state()).toMatchObject({ poll_ms: 5000, woken: true });
      polls[0]?.answer(null);
      await loop.stop();
    });

    it('a notified write is asked about at once when no refresh was heard of within the gap', async () => {
      const wakeups = fakeWakeups();
      const { loop, polls } = setup({ wakeups, minGapMs: 1000 });
      await startWoken(loop, polls);
      wakeups.notify('changes');
      wakeups.notify('changes'); // a second before the ask: one ask
      await vi.advanceTimersByTimeAsync(0);
      expect(polls).toHaveLength(1);
      polls[0]?.answer(refreshed('2026-11-25T12:00:00.000Z'));
      await oneAskAfter(polls, 5000); // nothing notified since: the next is the safety poll
      polls[1]?.answer(null);
      await loop.stop();
    });

    it('a write notified within the gap after a refresh is asked about when the gap ends', async () => {
      const wakeups = fakeWakeups();
      const { loop, polls } = setup({ wakeups, minGapMs: 1000 });
      await startWoken(loop, polls);
      await vi.advanceTimersByTimeAsync(300);
      wakeups.notify('version'); // another instance refreshed at 300 ms
      await vi.advanceTimersByTimeAsync(200);
      wakeups.notify('changes'); // a write at 500 ms
      await oneAskAfter(polls, 800); // at 1300 ms: the gap since the refresh ended
      polls[0]?.answer(null);
      await loop.stop();
    });

    it('a write notified while an ask runs is asked about after it, once the gap allows', async () => {
      const wakeups = fakeWakeups();
      const { loop, polls } = setup({ wakeups, minGapMs: 1000 });
      await startWoken(loop, polls);
      wakeups.notify('changes');
      await vi.advanceTimersByTimeAsync(0);
      expect(polls).toHaveLength(1);
      wakeups.notify('changes'); // committed while the refresh ran: perhaps not in it
      await vi.advanceTimersByTimeAsync(100);
      polls[0]?.answer(refreshed('2026-11-25T12:00:00.100Z'));
      await oneAskAfter(polls, 1000); // 1000 ms after the refresh ended
      polls[1]?.answer(null);
      await loop.stop();
    });

    it('a refresh heard of after a notified write is followed by an ask after the gap (it may have begun before the write)', async () => {
      const wakeups = fakeWakeups();
      const { loop, polls } = setup({ wakeups, minGapMs: 1000 });
      await startWoken(loop, polls);
      await vi.advanceTimersByTimeAsync(100);
      wakeups.notify('changes');
      wakeups.notify('version'); // another instance's refresh ended
      await oneAskAfter(polls, 1000); // at 1100 ms
      polls[0]?.answer(refreshed('2026-11-25T12:00:01.100Z'));
      await oneAskAfter(polls, 5000); // nothing notified since: the next is the safety poll
      polls[1]?.answer(null);
      await loop.stop();
    });

    it('a refresh heard of after the ask for a notified write has run is followed by one more ask after the gap', async () => {
      const wakeups = fakeWakeups();
      const { loop, polls } = setup({ wakeups, minGapMs: 1000 });
      await startWoken(loop, polls);
      wakeups.notify('changes');
      await vi.advanceTimersByTimeAsync(0);
      expect(polls).toHaveLength(1);
      polls[0]?.answer(refreshed('2026-11-25T12:00:00.000Z'));
      await vi.advanceTimersByTimeAsync(50);
      // Another instance's refresh ended: it may have begun before the write committed.
      wakeups.notify('version');
      await oneAskAfter(polls, 1000); // 1000 ms after that refresh
      polls[1]?.answer(refreshed('2026-11-25T12:00:01.050Z'));
      await oneAskAfter(polls, 5000); // nothing heard of since: the safety poll
      polls[2]?.answer(null);
      await loop.stop();
    });

    it('every refresh heard of is followed by an ask after the gap, though no write was notified (writes after the first waiting one notify no one); one that finds nothing is made once more, then the safety poll', async () => {
      const wakeups = fakeWakeups();
      const { loop, polls } = setup({ wakeups, minGapMs: 1000 });
      await startWoken(loop, polls);
      await vi.advanceTimersByTimeAsync(3000);
      wakeups.notify('version');
      await oneAskAfter(polls, 1000); // at 4000 ms, not the safety poll's 5000
      polls[0]?.answer(refreshed('2026-11-25T12:00:04.000Z')); // writes were waiting: a refresh
      wakeups.notify('version'); // that refresh, heard of
      await oneAskAfter(polls, 1000);
      polls[1]?.answer(null); // nothing waiting (or a refresh not yet heard of held it back)
      await oneAskAfter(polls, 1000); // once more after the gap
      polls[2]?.answer(null);
      await oneAskAfter(polls, 5000); // then the safety poll
      polls[3]?.answer(null);
      await loop.stop();
    });

    it('an ask for a notified write that finds nothing to do is made once more after the gap (a refresh it did not hear of may hold it), then no more', async () => {
      const wakeups = fakeWakeups();
      const { loop, polls } = setup({ wakeups, minGapMs: 1000 });
      await startWoken(loop, polls);
      wakeups.notify('changes');
      await vi.advanceTimersByTimeAsync(0);
      expect(polls).toHaveLength(1);
      polls[0]?.answer(null);
      await oneAskAfter(polls, 1000);
      polls[1]?.answer(null);
      await oneAskAfter(polls, 5000); // the safety poll
      polls[2]?.answer(null);
      await loop.stop();
    });

    it('asks at once when notifications start arriving, and polls at pollMs again when they stop', async () => {
      const wakeups = fakeWakeups(false);
      const { loop, polls } = setup({ pollMs: 250, wakeups });
      loop.start();
      await vi.advanceTimersByTimeAsync(100);
      wakeups.setLive(true);
      await vi.advanceTimersByTimeAsync(0);
      expect(polls).toHaveLength(1);
      polls[0]?.answer(null);
      await vi.advanceTimersByTimeAsync(1000);
      expect(polls).toHaveLength(1);
      wakeups.setLive(false);
      await oneAskAfter(polls, 250);
      expect(loop.state()).toMatchObject({ poll_ms: 250, woken: false });
      polls[1]?.answer(null);
      await loop.stop();
    });

    it('after stop() nothing wakes it, and it no longer listens', async () => {
      const wakeups = fakeWakeups();
      const { loop, polls } = setup({ wakeups });
      await startWoken(loop, polls);
      await loop.stop();
      wakeups.notify('changes');
      wakeups.setLive(true);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(polls).toHaveLength(0);
      expect(wakeups.listeners()).toBe(0);
    });
  });
});
