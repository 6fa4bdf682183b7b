import { describe, expect, it, vi } from 'vitest';
import { createProcessCopy, type Loaded } from '../../../src/sidebar/process-copy.js';
import { buildSnapshot } from '../../../src/sidebar/snapshot.js';

const policy = { cacheControl: 'public', vary: 'accept-encoding', surrogateKeys: [] };
/** The copy never looks inside what it holds: one basis for every load. */
const basis: Loaded['basis'] = {
  source: 'materialized_view',
  refreshed_at: null,
  version: 1,
  rows: [],
  names: { sport: {}, league: {}, region: {} },
  languages: [],
  jurisdictions: [],
};

/** A process copy whose loads the test finishes by hand, with the version (or null: fallback) it chooses. */
function setup(options: { waitForNewerMs?: number | null } = {}) {
  let t = 0;
  const events: string[] = [];
  let known = 0;
  const loads: Array<{ finish: (version: number | null, body?: string) => void; fail: (err: Error) => void; bypass: boolean }> = [];
  const copy = createProcessCopy({
    currentVersion: () => known,
    fallbackRecheckMs: 1000,
    ...(options.waitForNewerMs === null ? {} : { waitForNewerMs: options.waitForNewerMs ?? 60_000 }),
    onLoadsFailing: (err) => events.push(`failing: ${(err as Error).message}`),
    onLoadsRecovered: (failures) => events.push(`recovered after ${failures}`),
    now: () => t,
    load: ({ bypassCache }) =>
      new Promise<Loaded>((resolve, reject) => {
        loads.push({
          bypass: bypassCache,
          fail: reject,
          finish: (version, body = `v${version ?? 'fallback'}`) =>
            resolve({ snapshot: buildSnapshot(body, policy), basis, version, origin: bypassCache ? 'database' : 'cache' }),
        });
      }),
  });
  /** Knows `version` and holds it: the first load, finished with that version. */
  async function holding(version: number, body?: string): Promise<void> {
    known = Math.max(known, version);
    const first = copy.get();
    await tick();
    loads.at(-1)?.finish(version, body);
    await first;
  }
  return {
    copy,
    events,
    holding,
    loads,
    advance: (ms: number) => {
      t += ms;
    },
    know: (version: number) => {
      known = Math.max(known, version);
    },
  };
}
const tick = () => new Promise((r) => setImmediate(r));
const bodyOf = (r: { snapshot: { identity: Buffer } } | null) => r?.snapshot.identity.toString() ?? null;

describe('process copy', () => {
  it('loads once for concurrent first readers, then serves from memory for as long as its version is the newest known', async () => {
    const { copy, loads, advance, know } = setup();
    know(1);
    const readers = [copy.get(), copy.get(), copy.get()];
    await tick();
    expect(loads).toHaveLength(1);
    loads[0]?.finish(1);
    expect((await Promise.all(readers)).map((r) => r.layer)).toEqual(['cache', 'cache', 'cache']);
    advance(3_600_000); // no TTL: a version's bytes never change
    expect(bodyOf(copy.peekFresh())).toBe('v1');
    expect(await copy.get()).toMatchObject({ layer: 'memory', stale: false, version: 1 });
    know(2);
    expect(copy.peekFresh()).toBeNull();
  });

  it('once a newer version is known, readers wait for it rather than get the older bytes', async () => {
    const { holding, copy, loads, know } = setup();
    await holding(1);
    know(2);
    const readers = [copy.get(), copy.get()];
    await tick();
    expect(loads).toHaveLength(2);
    loads[1]?.finish(2);
    expect((await Promise.all(readers)).map(bodyOf)).toEqual(['v2', 'v2']);
    expect(bodyOf(copy.peekFresh())).toBe('v2');
  });

  it('a load that returns an older version than the newest known is handed to its callers but not installed', async () => {
    const { copy, loads, know } = setup();
    know(1);
    const slow = copy.get();
    await tick();
    know(2); // a refresh committed while the load ran
    loads[0]?.finish(1);
    expect(bodyOf(await slow)).toBe('v1');
    expect(copy.peekFresh()).toBeNull();
    const next = copy.get();
    await tick();
    loads[1]?.finish(2);
    expect(bodyOf(await next)).toBe('v2');
    expect(bodyOf(copy.peekFresh())).toBe('v2');
  });

  it('never replaces a copy with an older version, even from a forced reload', async () => {
    const { copy, loads, know } = setup();
    know(3);
    const first = copy.get();
    await tick();
    loads[0]?.finish(3);
    await first;
    const forced = copy.reload();
    await tick();
    loads[1]?.finish(2);
    expect(bodyOf(await forced)).toBe('v2');
    expect(bodyOf(copy.peekFresh())).toBe('v3');
  });

  it('a fallback copy is served for its re-check time, then once more while one background load replaces it', async () => {
    const { copy, loads, advance, know } = setup();
    const first = copy.get();
    await tick();
    loads[0]?.finish(null);
    await first;
    advance(999);
    expect(bodyOf(copy.peekFresh())).toBe('vfallback');
    advance(1);
    expect(copy.peekFresh()).toBeNull();
    const stale = await Promise.all([copy.get(), copy.get()]);
    expect(stale.map((r) => [r.layer, r.stale, bodyOf(r)])).toEqual([
      ['memory', true, 'vfallback'],
      ['memory', true, 'vfallback'],
    ]);
    expect(loads).toHaveLength(2);
    know(4); // the view is back
    loads[1]?.finish(4);
    await tick();
    expect(await copy.get()).toMatchObject({ layer: 'memory', stale: false, version: 4 });
  });

  it('a load that began before an invalidation does not bring the old bytes back', async () => {
    const { copy, loads, know } = setup();
    know(1);
    const early = copy.get();
    await tick();
    copy.invalidate();
    const late = copy.get();
    await tick();
    expect(loads).toHaveLength(2);
    loads[0]?.finish(1, 'before the repair');
    await early;
    expect(copy.peekFresh()).toBeNull();
    loads[1]?.finish(1, 'after the repair');
    expect(bodyOf(await late)).toBe('after the repair');
    expect(bodyOf(copy.peekFresh())).toBe('after the repair');
  });

  it('reload() reads past the caches and installs the result', async () => {
    const { copy, loads, know } = setup();
    know(1);
    const result = copy.reload();
    await tick();
    expect(loads[0]?.bypass).toBe(true);
    loads[0]?.finish(1);
    expect(await result).toMatchObject({ layer: 'database' });
    expect(copy.peekFresh()).not.toBeNull();
  });

  it('when the newer version cannot be loaded, readers get the copy they have, marked stale; with no copy, the error', async () => {
    const { copy, loads, know } = setup();
    know(1);
    const first = copy.get();
    await tick();
    loads[0]?.fail(new Error('database down'));
    await expect(first).rejects.toThrow('database down');

    const second = copy.get(); // no copy held: tried at once
    await tick();
    loads[1]?.finish(1);
    await second;
    know(2);
    const failing = copy.get();
    await tick();
    loads[2]?.fail(new Error('database down'));
    expect(await failing).toMatchObject({ layer: 'memory', stale: true, version: 1 });
    expect(copy.held()?.version ?? null).toBe(1);
    expect(copy.peekFresh()).toBeNull(); // not served from the hot path: the next reader tries again
    expect(copy.held()?.version).toBe(1); // but held, and served when asked
  });

  it('after a failed load, no new attempt starts until the backoff passes, and the backoff doubles', async () => {
    const { holding, copy, loads, know, advance } = setup();
    await holding(1);
    know(2);
    const attempt = async (outcome: 'fail' | 'none') => {
      const before = loads.length;
      const read = copy.get();
      await tick();
      if (outcome === 'fail') loads.at(-1)?.fail(new Error('database down'));
      const result = await read;
      return { started: loads.length - before, stale: result.stale, version: result.version };
    };
    expect(await attempt('fail')).toEqual({ started: 1, stale: true, version: 1 });
    expect(await attempt('none')).toEqual({ started: 0, stale: true, version: 1 }); // within 250 ms
    advance(250);
    expect(await attempt('fail')).toEqual({ started: 1, stale: true, version: 1 });
    advance(250);
    expect(await attempt('none')).toEqual({ started: 0, stale: true, version: 1 }); // now 500 ms
    advance(250);
    const recovered = copy.get();
    await tick();
    loads.at(-1)?.finish(2);
    expect(await recovered).toMatchObject({ stale: false, version: 2 });
  });

  it('without a copy to serve, readers do not wait out the backoff: they try, one attempt at a time', async () => {
    const { copy, loads, know } = setup();
    know(1);
    const first = copy.get();
    await tick();
    loads[0]?.fail(new Error('database down'));
    await expect(first).rejects.toThrow('database down');
    const readers = [copy.get(), copy.get()];
    await tick();
    expect(loads).toHaveLength(2); // one new attempt, shared
    loads[1]?.finish(1);
    expect((await Promise.all(readers)).map((r) => r.version)).toEqual([1, 1]);
  });

  it('a reader holding an older copy waits for the newer version at most waitForNewerMs, then gets its copy, stale; the load still installs', async () => {
    const { copy, loads, know } = setup({ waitForNewerMs: 30 });
    const first = copy.get();
    await tick();
    loads[0]?.finish(1);
    await first;
    know(2);
    const started = performance.now();
    const waiting = await copy.get(); // the load of version 2 hangs (a failover's silent connection)
    expect(performance.now() - started).toBeLessThan(1000);
    expect(waiting).toMatchObject({ version: 1, layer: 'memory', stale: true });
    expect(loads).toHaveLength(2);
    loads[1]?.finish(2);
    await tick();
    expect(copy.peekFresh()?.version).toBe(2);
  });

  it('tells of failing loads once, and of recovery once with the number of failures; successes alone say nothing', async () => {
    const { holding, copy, loads, events, know, advance } = setup();
    await holding(1);
    expect(events).toEqual([]);
    for (let i = 0; i < 3; i++) {
      know(2 + i);
      const read = copy.get();
      await tick();
      loads.at(-1)?.fail(new Error('database down'));
      expect(await read).toMatchObject({ version: 1, stale: true });
      advance(10_000); // past the backoff
    }
    expect(events).toEqual(['failing: database down']);
    const read = copy.get();
    await tick();
    loads.at(-1)?.finish(4);
    expect(await read).toMatchObject({ version: 4, stale: false });
    expect(events).toEqual(['failing: database down', 'recovered after 3']);
  });

  it('a load older than the newest known version is not installed, even with no copy held', async () => {
    const { copy, loads, know } = setup();
    know(3);
    const read = copy.get();
    await tick();
    loads[0]?.finish(2);
    expect(await read).toMatchObject({ version: 2 });
    expect(copy.peekFresh()).toBeNull();
    expect(copy.held()?.version ?? null).toBeNull();
  });

  it('a fallback copy is fresh for its re-check time from when it was loaded, whatever the clock reads', async () => {
    const { copy, loads, advance } = setup();
    advance(5000);
    const read = copy.get();
    await tick();
    loads[0]?.finish(null);
    await read;
    expect(bodyOf(copy.peekFresh())).toBe('vfallback');
    advance(999);
    expect(copy.peekFresh()).not.toBeNull();
    advance(1);
    expect(copy.peekFresh()).toBeNull();
  });

  it('a fallback load does not replace a current versioned copy, but replaces an outdated one', async () => {
    const { holding, copy, loads, know } = setup();
    await holding(1);
    const forced = copy.reload();
    await tick();
    loads[1]?.finish(null); // the view failed: the fallback came back
    await forced;
    expect(copy.held()?.version ?? null).toBe(1);
    know(2);
    const read = copy.get();
    await tick();
    loads[2]?.finish(null);
    await read;
    expect(bodyOf(copy.peekFresh())).toBe('vfallback');
  });

  it('a load of the version already held replaces it (the same version read again after an invalidation elsewhere)', async () => {
    const { holding, copy, loads } = setup();
    await holding(1, 'first bytes');
    const forced = copy.reload();
    await tick();
    loads[1]?.finish(1, 'second bytes');
    expect(await forced).toMatchObject({ layer: 'database', stale: false });
    expect(bodyOf(copy.peekFresh())).toBe('second bytes');
  });

  it('by default waits up to 500 ms for a newer version: a load that takes 50 ms is waited for', async () => {
    const { holding, copy, loads, know } = setup({ waitForNewerMs: null });
    await holding(1);
    know(2);
    const read = copy.get();
    await tick();
    setTimeout(() => loads[1]?.finish(2), 50);
    expect(await read).toMatchObject({ version: 2, stale: false });
  });

  it('holds no version before the first load', () => {
    expect(setup().copy.held()?.version ?? null).toBeNull();
  });

  it('a copy newer than the newest known version (a load ran ahead of the watcher) is not replaced by an older load', async () => {
    const { copy, loads, know } = setup();
    know(1);
    const first = copy.get();
    await tick();
    loads[0]?.finish(3); // the watcher has not seen version 3 yet
    await first;
    const forced = copy.reload();
    await tick();
    loads[1]?.finish(2);
    await forced;
    expect(copy.held()?.version ?? null).toBe(3);
  });

  it('a forced reload that brings the fallback again replaces the fallback copy held, even one still fresh', async () => {
    const { copy, loads } = setup();
    const first = copy.get();
    await tick();
    loads[0]?.finish(null, 'old fallback');
    await first;
    const forced = copy.reload();
    await tick();
    loads[1]?.finish(null, 'new fallback');
    await forced;
    expect(bodyOf(copy.peekFresh())).toBe('new fallback');
  });

  it('after loads recover through a forced reload, the next newer version loads at once (no backoff left over)', async () => {
    const { holding, copy, loads, know } = setup();
    await holding(1);
    know(2);
    const failed = copy.get();
    await tick();
    loads[1]?.fail(new Error('database down')); // backoff: no attempt for 250 ms while the copy is held
    await failed;
    const forced = copy.reload();
    await tick();
    loads[2]?.finish(2);
    await forced;
    know(3); // within the 250 ms of the old backoff
    const read = copy.get();
    await tick();
    expect(loads).toHaveLength(4);
    loads[3]?.finish(3);
    expect(await read).toMatchObject({ version: 3, stale: false });
  });

  it('a load dropped by an invalidation does not end the one that replaced it: readers keep sharing the newer load', async () => {
    const { copy, loads, know } = setup();
    know(1);
    const dropped = copy.get();
    await tick();
    copy.invalidate();
    const current = copy.get();
    await tick();
    expect(loads).toHaveLength(2);
    loads[0]?.finish(1, 'dropped');
    await dropped;
    const sharing = copy.get();
    await tick();
    expect(loads).toHaveLength(2);
    loads[1]?.finish(1, 'current');
    expect(bodyOf(await current)).toBe('current');
    expect(bodyOf(await sharing)).toBe('current');
  });

  it('works without failure callbacks, and with the real clock by default', async () => {
    let fail = true;
    const copy = createProcessCopy({
      currentVersion: () => 0,
      fallbackRecheckMs: 60_000,
      load: async () => {
        if (fail) throw new Error('database down');
        return { snapshot: buildSnapshot('fallback', policy), basis, version: null, origin: 'database' };
      },
    });
    await expect(copy.get()).rejects.toThrow('database down');
    fail = false;
    expect(bodyOf(await copy.get())).toBe('fallback');
    // A fallback copy is fresh for its re-check time by the clock it was loaded with.
    expect(bodyOf(copy.peekFresh())).toBe('fallback');
  });

  it('a reader that waited for a newer version and got it leaves no timer behind', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { holding, copy, loads, know } = setup({ waitForNewerMs: 500 });
      await holding(1);
      know(2);
      const read = copy.get();
      await tick();
      loads[1]?.finish(2);
      const pending = vi.getTimerCount(); // the wait's timer (and the snapshot's brotli upgrade)
      expect(await read).toMatchObject({ version: 2 });
      expect(vi.getTimerCount()).toBe(pending - 1);
    } finally {
      vi.useRealTimers();
    }
  });
});
