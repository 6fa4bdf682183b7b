import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { NotificationHandlers } from '../../../src/db/types.js';
import { createWakeups, wakeupChannels } from '../../../src/db/wakeups.js';
import { capturingLogger } from '../../helpers/logger.js';

/**
 * A database's notifications as the wake-ups see them: sessions that LISTEN, and NOTIFYs sent
 * through the pool that reach them only when `arrive` is true (false: a transaction pooler).
 */
function notifications() {
  const bus = {
    arrive: true,
    /** Why listen() fails, while set. */
    refuse: null as Error | null,
    /** Whether a session reports its loss when closed (as a connection's 'end' could). */
    lostOnClose: false,
    sessions: [] as Array<{ channels: readonly string[]; handlers: NotificationHandlers; open: boolean }>,
    open: () => bus.sessions.filter((s) => s.open),
    /** A NOTIFY from any writer. */
    notify(channel: string) {
      for (const s of bus.open()) if (s.channels.includes(channel)) s.handlers.onNotify(channel);
    },
    /** The listening session breaks. */
    lose() {
      for (const s of bus.open()) {
        s.open = false;
        s.handlers.onLost(new Error('the listening connection ended'));
      }
    },
    db: {
      async listen(channels: readonly string[], handlers: NotificationHandlers) {
        if (bus.refuse) throw bus.refuse;
        const session = { channels, handlers, open: true };
        bus.sessions.push(session);
        // A write that committed as the session began to listen: heard before any probe.
        handlers.onNotify(wakeupChannels.changes);
        return {
          close: async () => {
            session.open = false;
            if (bus.lostOnClose) handlers.onLost(new Error('the listening connection ended'));
          },
        };
      },
      async query(sql: string, params?: unknown[]) {
        expect(sql).toBe('select pg_notify($1, null)');
        if (bus.arrive) setTimeout(() => bus.notify(String(params?.[0])), 1);
        return { rows: [] } as never;
      },
    },
  };
  return bus;
}

describe('wake-ups', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const setup = () => {
    const bus = notifications();
    const { log, lines } = capturingLogger('info');
    const wakeups = createWakeups({ db: bus.db, log, probeTimeoutMs: 100, probeIntervalMs: 1000, retryMs: 50, retryMaxMs: 200 });
    const lives: boolean[] = [];
    wakeups.onLive((live) => lives.push(live));
    const warnings = () => lines.filter((l) => l.level === 40);
    return { bus, wakeups, lines, lives, warnings };
  };

  it('is live once a probe sent through the pool comes back, and calls each channel’s handlers on its notifications only', async () => {
    const { bus, wakeups, lives, lines } = setup();
    const changes = vi.fn();
    const versions = vi.fn();
    wakeups.on('changes', changes);
    const offVersion = wakeups.on('version', versions);
    wakeups.start();
    expect(wakeups.live()).toBe(false);
    await vi.advanceTimersByTimeAsync(5);
    expect(wakeups.live()).toBe(true);
    expect(changes).toHaveBeenCalledTimes(1); // the write heard as it began to listen
    changes.mockClear();
    expect(lives).toEqual([true]);
    expect(bus.sessions[0]?.channels).toEqual(Object.values(wakeupChannels));
    expect(lines.map((l) => l.msg)).toContain('database notifications arrive: the change loop and the version watcher wake at once');
    // The probe woke nobody.
    expect(changes).not.toHaveBeenCalled();
    expect(versions).not.toHaveBeenCalled();
    bus.notify(wakeupChannels.changes);
    expect(changes).toHaveBeenCalledTimes(1);
    expect(versions).not.toHaveBeenCalled();
    bus.notify(wakeupChannels.version);
    expect(versions).toHaveBeenCalledTimes(1);
    offVersion();
    bus.notify(wakeupChannels.version);
    expect(versions).toHaveBeenCalledTimes(1);
    await wakeups.stop();
  });

  it('through a transaction pooler (no probe comes back): not live, one warning that names DATABASE_LISTEN_URL, retries with a doubling pause up to retryMaxMs', async () => {
    const { bus, wakeups, lives, warnings } = setup();
    bus.arrive = false;
    wakeups.start();
    await vi.advanceTimersByTimeAsync(99);
    expect(bus.open()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    // Given up on after probeTimeoutMs: the session is closed, not held.
    expect(bus.open()).toHaveLength(0);
    expect(wakeups.live()).toBe(false);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]?.reason).toMatch(/DATABASE_LISTEN_URL/);
    expect(warnings()[0]?.retry_ms).toBe(50);
    expect(warnings()[0]?.msg).toBe('database notifications do not arrive; the change loop polls');
    // Listens again after 50, then 100, 200, 200 ms (each attempt waits its probe's 100 ms).
    const start = Date.now() - 100;
    const attemptsAt: number[] = [];
    const listen = bus.db.listen;
    vi.spyOn(bus.db, 'listen').mockImplementation((channels, handlers) => {
      attemptsAt.push(Date.now() - start);
      return listen(channels, handlers);
    });
    await vi.advanceTimersByTimeAsync(1400);
    expect(attemptsAt.slice(0, 4)).toEqual([150, 350, 650, 950]);
    expect(warnings()).toHaveLength(1);
    expect(lives).toEqual([]);
    // Once notifications arrive, the next attempt is live, and the pause starts again from retryMs.
    bus.arrive = true;
    await vi.advanceTimersByTimeAsync(400);
    expect(wakeups.live()).toBe(true);
    bus.lose();
    expect(wakeups.live()).toBe(false);
    const sessions = bus.sessions.length;
    await vi.advanceTimersByTimeAsync(49);
    expect(bus.sessions.length).toBe(sessions);
    await vi.advanceTimersByTimeAsync(1);
    expect(bus.sessions.length).toBe(sessions + 1);
    await wakeups.stop();
  });

  it('a lost session: not live at once, warns (again, after having recovered), listens again and is live once its probe comes back', async () => {
    const { bus, wakeups, lives, warnings } = setup();
    wakeups.start();
    await vi.advanceTimersByTimeAsync(5);
    bus.lose();
    expect(wakeups.live()).toBe(false);
    expect(lives).toEqual([true, false]);
    // The next probe is not pending beside the retry: one timer.
    expect(vi.getTimerCount()).toBe(1);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]?.reason).toBe('the listening connection ended');
    await vi.advanceTimersByTimeAsync(55);
    expect(wakeups.live()).toBe(true);
    expect(lives).toEqual([true, false, true]);
    bus.lose();
    expect(warnings()).toHaveLength(2);
    await wakeups.stop();
  });

  it('listen() refused (the database down): retried with the doubling pause, warned once', async () => {
    const { bus, wakeups, warnings } = setup();
    const listen = vi.spyOn(bus.db, 'listen');
    bus.refuse = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    wakeups.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(listen).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(50);
    expect(listen).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(99);
    expect(listen).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(listen).toHaveBeenCalledTimes(3);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]?.reason).toBe('connect ECONNREFUSED 127.0.0.1:5432');
    bus.refuse = null;
    await vi.advanceTimersByTimeAsync(205);
    expect(wakeups.live()).toBe(true);
    await wakeups.stop();
  });

  it('probes again every probeIntervalMs: a silent loss (probes stop coming back) ends live within one interval and a probe timeout', async () => {
    const { bus, wakeups, lives, lines } = setup();
    const query = vi.spyOn(bus.db, 'query');
    wakeups.start();
    await vi.advanceTimersByTimeAsync(5);
    expect(query).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(query).toHaveBeenCalledTimes(2);
    expect(wakeups.live()).toBe(true);
    // Said once, not at every probe.
    expect(lines.filter((l) => l.msg === 'database notifications arrive: the change loop and the version watcher wake at once')).toHaveLength(1);
    bus.arrive = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(wakeups.live()).toBe(true);
    await vi.advanceTimersByTimeAsync(100);
    expect(wakeups.live()).toBe(false);
    expect(lives).toEqual([true, false]);
    expect(bus.open()).toHaveLength(0);
    await wakeups.stop();
  });

  it('a probe that fails to be sent counts as not arrived', async () => {
    const { bus, wakeups } = setup();
    vi.spyOn(bus.db, 'query').mockRejectedValue(new Error('Query read timeout'));
    wakeups.start();
    await vi.advanceTimersByTimeAsync(5);
    expect(wakeups.live()).toBe(false);
    expect(bus.open()).toHaveLength(0);
    await wakeups.stop();
  });

  it('stop(): the session closed, not live, nothing retried or probed after; start() again listens anew', async () => {
    const { bus, wakeups, lives } = setup();
    const query = vi.spyOn(bus.db, 'query');
    wakeups.start();
    wakeups.start();
    await vi.advanceTimersByTimeAsync(5);
    expect(bus.sessions).toHaveLength(1);
    await wakeups.stop();
    expect(bus.open()).toHaveLength(0);
    expect(wakeups.live()).toBe(false);
    expect(lives).toEqual([true, false]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(query).toHaveBeenCalledTimes(1);
    expect(bus.sessions).toHaveLength(1);
    await wakeups.stop();
    wakeups.start();
    await vi.advanceTimersByTimeAsync(5);
    expect(bus.open()).toHaveLength(1);
    expect(wakeups.live()).toBe(true);
    await wakeups.stop();
  });

  it('stopped while listen() is under way: the session it opens is closed', async () => {
    const { bus, wakeups } = setup();
    let opened: (() => void) | null = null;
    const listen = bus.db.listen;
    vi.spyOn(bus.db, 'listen').mockImplementation(async (channels, handlers) => {
      await new Promise<void>((resolve) => {
        opened = resolve;
      });
      return listen(channels, handlers);
    });
    wakeups.start();
    const stopping = wakeups.stop();
    (opened as (() => void) | null)?.();
    await stopping;
    expect(bus.sessions).toHaveLength(1);
    expect(bus.open()).toHaveLength(0);
    expect(wakeups.live()).toBe(false);
  });

  it('stopped while a probe waits for its notification: stops at once, never counted live, nothing left pending', async () => {
    const { bus, wakeups, lives, lines } = setup();
    bus.arrive = false;
    wakeups.start();
    await vi.advanceTimersByTimeAsync(10);
    await wakeups.stop();
    expect(lives).toEqual([]);
    expect(lines).toEqual([]);
    expect(bus.open()).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a session that reports its loss as stop() closes it is no failure: nothing logged, nothing retried', async () => {
    const { bus, wakeups, warnings } = setup();
    bus.lostOnClose = true;
    wakeups.start();
    await vi.advanceTimersByTimeAsync(5);
    expect(wakeups.live()).toBe(true);
    await wakeups.stop();
    expect(warnings()).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(bus.sessions).toHaveLength(1);
  });

  it('onLive() and on() return their unsubscribe', async () => {
    const { bus, wakeups } = setup();
    const lives: boolean[] = [];
    const off = wakeups.onLive((live) => lives.push(live));
    wakeups.start();
    await vi.advanceTimersByTimeAsync(5);
    off();
    bus.lose();
    expect(lives).toEqual([true]);
    await wakeups.stop();
  });
});
