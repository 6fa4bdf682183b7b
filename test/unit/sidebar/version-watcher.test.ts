import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ViewVersion } from '../../../src/sidebar/repository.js';
import { createVersionWatcher } from '../../../src/sidebar/version-watcher.js';
import { capturingLogger } from '../../helpers/logger.js';

/** A watcher whose database reads answer what the test says (a version, null, or an error). */
function setup(intervalMs = 1000, replica: { replicaReads?: boolean; catchUpMs?: number } = {}) {
  const versionHandlers = new Set<() => void>();
  const wakeups = {
    on(channel: 'changes' | 'version', handler: () => void) {
      expect(channel).toBe('version');
      versionHandlers.add(handler);
      return () => versionHandlers.delete(handler);
    },
  };
  let answer: ViewVersion | null | Error = null;
  const read = vi.fn(async () => {
    if (answer instanceof Error) throw answer;
    return answer;
  });
  const { log, lines } = capturingLogger('debug');
  const watcher = createVersionWatcher({ read, intervalMs, log, wakeups, ...replica });
  const at = (version: number): ViewVersion => ({ version, refreshed_at: new Date('2026-11-25T12:00:00Z') });
  /** A refresh's notification (NOTIFY sidebar_version) arrives. */
  const notified = () => {
    for (const handler of versionHandlers) handler();
  };
  return { watcher, read, lines, answer: (a: ViewVersion | null | Error) => (answer = a), at, notified };
}

describe('version watcher', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-25T12:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('knows 0 before any version, and only ever moves forward', async () => {
    const { watcher, answer, at } = setup();
    expect(watcher.current()).toBe(0);
    answer(at(5));
    expect(await watcher.check()).toBe(5);
    expect(watcher.observe(3)).toBe(false);
    expect(watcher.observe(5)).toBe(false);
    answer(at(4));
    expect(await watcher.check()).toBe(5);
    expect(watcher.observe(6)).toBe(true);
    expect(watcher.current()).toBe(6);
    answer(null); // no successful refresh logged: nothing learnt
    expect(await watcher.check()).toBe(6);
  });

  it('concurrent checks share one read', async () => {
    const { watcher, read, answer, at } = setup();
    answer(at(2));
    expect(await Promise.all([watcher.check(), watcher.check(), watcher.check()])).toEqual([2, 2, 2]);
    expect(read).toHaveBeenCalledTimes(1);
    await watcher.check();
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('a failing read keeps the known version, says so once, and once again when it works', async () => {
    const { watcher, lines, answer, at } = setup();
    answer(at(1));
    await watcher.check();
    answer(new Error('connection refused'));
    for (let i = 0; i < 3; i++) expect(await watcher.check()).toBe(1);
    expect(watcher.failing()).toBe(true);
    expect(watcher.state()).toMatchObject({ version: 1, failing: true });
    answer(at(2));
    expect(await watcher.check()).toBe(2);
    expect(watcher.failing()).toBe(false);
    expect(lines.filter((l) => (l.level as number) >= 30).map((l) => [l.level, l.msg, l.err])).toEqual([
      [40, 'cannot read the sidebar version; keeping the last known one', 'connection refused'],
      [30, 'sidebar version check works again', undefined],
    ]);
    expect(lines.filter((l) => l.msg === 'sidebar_data has a new version').map((l) => l.version)).toEqual([1, 2]);
  });

  it('records when it last read successfully', async () => {
    const { watcher, answer, at } = setup();
    expect(watcher.state()).toEqual({ version: 0, last_check_at: null, failing: false });
    answer(at(1));
    await watcher.check();
    const checkedAt = Date.now();
    await vi.advanceTimersByTimeAsync(5000);
    answer(new Error('down'));
    await watcher.check();
    expect(watcher.state()).toEqual({ version: 1, last_check_at: checkedAt, failing: true });
  });

  it('polls every intervalMs once started, never before, and not after stop()', async () => {
    const { watcher, read, answer, at } = setup(1000);
    answer(at(1));
    await vi.advanceTimersByTimeAsync(5000);
    expect(read).not.toHaveBeenCalled();
    watcher.start();
    watcher.start(); // once
    await vi.advanceTimersByTimeAsync(999);
    expect(read).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(read).toHaveBeenCalledTimes(1);
    expect(watcher.current()).toBe(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(read).toHaveBeenCalledTimes(4);
    await watcher.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(read).toHaveBeenCalledTimes(4);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a refresh’s notification has the version read at once; the poll keeps its interval (its failing marks answers stale); none after stop()', async () => {
    const { watcher, read, answer, at, notified } = setup(1000);
    watcher.start();
    answer(at(2));
    await vi.advanceTimersByTimeAsync(300);
    notified();
    await vi.advanceTimersByTimeAsync(0);
    expect(read).toHaveBeenCalledTimes(1);
    expect(watcher.current()).toBe(2);
    // The poll at 1 s, 2 s, 3 s as if nothing had been heard.
    await vi.advanceTimersByTimeAsync(2700);
    expect(read).toHaveBeenCalledTimes(4);
    answer(new Error('Connection terminated due to connection timeout'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(watcher.failing()).toBe(true);
    await watcher.stop();
    notified();
    await vi.advanceTimersByTimeAsync(0);
    expect(read).toHaveBeenCalledTimes(5);
  });

  it('stop() waits for a read under way', async () => {
    const { watcher, read } = setup(1000);
    let finish: (v: ViewVersion) => void = () => {};
    read.mockImplementationOnce(() => new Promise<ViewVersion>((resolve) => (finish = resolve)));
    watcher.start();
    await vi.advanceTimersByTimeAsync(1000);
    let stopped = false;
    const stopping = watcher.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finish({ version: 3, refreshed_at: new Date() });
    await stopping;
    expect(watcher.current()).toBe(3);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(read).toHaveBeenCalledTimes(1);
  });

  it('an interval of 0 never polls', async () => {
    const { watcher, read } = setup(0);
    watcher.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(read).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('without the database’s notifications (none given), it polls and stops as with them', async () => {
    const read = vi.fn(async () => ({ version: 4, refreshed_at: new Date() }));
    const watcher = createVersionWatcher({ read, intervalMs: 1000, log: capturingLogger().log });
    watcher.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(watcher.current()).toBe(4);
    await watcher.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('onNewer: tells each listener of every newer version, from observe() and from polls, once the caller returns; never of an older or equal one', async () => {
    const { watcher, answer, at } = setup(1000);
    const heard: number[] = [];
    const other: number[] = [];
    const unsubscribe = watcher.onNewer((v) => heard.push(v));
    watcher.onNewer((v) => other.push(v));
    expect(watcher.observe(2)).toBe(true);
    expect(heard).toEqual([]); // not inside observe(): its caller finishes first
    await Promise.resolve();
    expect(heard).toEqual([2]);
    watcher.observe(2);
    watcher.observe(1);
    answer(at(4));
    await watcher.check();
    await Promise.resolve();
    expect(heard).toEqual([2, 4]);
    unsubscribe();
    watcher.observe(5);
    await Promise.resolve();
    expect(heard).toEqual([2, 4]);
    expect(other).toEqual([2, 4, 5]);
  });

  describe('made(): versions made on the primary', () => {
    it('reading the primary itself, a made version is known at once', () => {
      const { watcher, read } = setup(1000);
      expect(watcher.made(7)).toBe(true);
      expect(watcher.current()).toBe(7);
      expect(watcher.made(7)).toBe(false);
      expect(read).not.toHaveBeenCalled();
    });

    it('reading a lagging replica, a made version is known only once the replica shows it, checked at once and again quickly', async () => {
      const { watcher, read, answer, at } = setup(60_000, { replicaReads: true, catchUpMs: 5000 });
      answer(at(3));
      expect(watcher.made(4)).toBe(false);
      await vi.advanceTimersByTimeAsync(0);
      expect(read).toHaveBeenCalledTimes(1); // at once
      expect(watcher.current()).toBe(3); // the replica's, not the primary's
      await vi.advanceTimersByTimeAsync(10 + 20 + 40);
      expect(read).toHaveBeenCalledTimes(4); // 10, 20, 40 ms later
      expect(watcher.current()).toBe(3);
      answer(at(4)); // replayed
      await vi.advanceTimersByTimeAsync(80);
      expect(watcher.current()).toBe(4);
      const calls = read.mock.calls.length;
      await vi.advanceTimersByTimeAsync(2000);
      expect(read).toHaveBeenCalledTimes(calls); // caught up: no more checks
      expect(watcher.made(4)).toBe(false);
      expect(watcher.made(3)).toBe(false);
      await vi.advanceTimersByTimeAsync(500);
      expect(read).toHaveBeenCalledTimes(calls); // nothing newer than known: nothing to check
    });

    it('one chase at a time: a version made during it raises what it waits for, without another chase', async () => {
      const { watcher, read, answer, at } = setup(60_000, { replicaReads: true, catchUpMs: 5000 });
      answer(at(1));
      watcher.made(2);
      await vi.advanceTimersByTimeAsync(15); // checks at 0 and 10 ms; the next at 30
      expect(read).toHaveBeenCalledTimes(2);
      watcher.made(3);
      await vi.advanceTimersByTimeAsync(0);
      expect(read).toHaveBeenCalledTimes(2); // no second chase checking at once
      answer(at(2));
      await vi.advanceTimersByTimeAsync(15); // the check at 30 ms: 2, not yet 3
      expect(watcher.current()).toBe(2);
      answer(at(3));
      await vi.advanceTimersByTimeAsync(40);
      expect(watcher.current()).toBe(3);
    });

    it('the chase checks at 0, 10, 30, 70, 150, 310, 560 ms…, and stops once past catchUpMs', async () => {
      const { watcher, read, answer, at } = setup(60_000, { replicaReads: true, catchUpMs: 310 });
      answer(at(1));
      watcher.made(2);
      await vi.advanceTimersByTimeAsync(309);
      expect(read).toHaveBeenCalledTimes(5); // 0, 10, 30, 70, 150
      await vi.advanceTimersByTimeAsync(1); // 310: at the limit, not past it
      expect(read).toHaveBeenCalledTimes(6);
      await vi.advanceTimersByTimeAsync(250); // 560: past it, the last check
      expect(read).toHaveBeenCalledTimes(7);
      await vi.advanceTimersByTimeAsync(2000);
      expect(read).toHaveBeenCalledTimes(7);
    });

    it('a later made version during a chase is chased too; the chase gives up after catchUpMs, or when the watcher stops', async () => {
      const { watcher, read, answer, at } = setup(60_000, { replicaReads: true, catchUpMs: 1000 });
      answer(at(1));
      watcher.made(2);
      watcher.made(3);
      answer(at(2));
      await vi.advanceTimersByTimeAsync(100);
      expect(watcher.current()).toBe(2); // not done: 3 is awaited
      const before = read.mock.calls.length;
      await vi.advanceTimersByTimeAsync(500);
      expect(read.mock.calls.length).toBeGreaterThan(before);
      await vi.advanceTimersByTimeAsync(1000); // past catchUpMs
      const settled = read.mock.calls.length;
      await vi.advanceTimersByTimeAsync(2000);
      expect(read).toHaveBeenCalledTimes(settled);
      expect(watcher.current()).toBe(2);
      // A new chase (the last one ended), ended by stop().
      watcher.made(5);
      await vi.advanceTimersByTimeAsync(50);
      expect(read.mock.calls.length).toBeGreaterThan(settled);
      await watcher.stop();
      const stopped = read.mock.calls.length;
      await vi.advanceTimersByTimeAsync(2000);
      expect(read).toHaveBeenCalledTimes(stopped);
    });
  });
});
