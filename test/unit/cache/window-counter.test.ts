import { describe, expect, it } from 'vitest';
import { createInProcessCache } from '../../../src/cache/in-process.js';
import type { Cache } from '../../../src/cache/types.js';
import { createWindowCounter, windowCounterStore } from '../../../src/cache/window-counter.js';

/** A cache that answers hits from `inner`, or fails them, or says it is disconnected. */
function switchable(inner: Cache) {
  const state = { failing: false, connected: true, calls: 0 };
  const cache: Pick<Cache, 'hit' | 'isConnected'> = {
    isConnected: () => state.connected,
    hit: (key, windowMs) => {
      state.calls++;
      return state.failing ? Promise.reject(new Error('redis down')) : inner.hit(key, windowMs);
    },
  };
  return { cache, state };
}

describe('window counter', () => {
  it('counts in the shared cache under its prefix, in fixed windows', async () => {
    let now = 1000;
    const inner = createInProcessCache(() => now);
    const counter = createWindowCounter(inner, { prefix: 'p' });
    expect(await counter.hit('k', 60_000)).toEqual({ count: 1, ttlMs: 60_000 });
    now += 10_000;
    expect(await counter.hit('k', 60_000)).toEqual({ count: 2, ttlMs: 50_000 });
    // Another instance on the same cache and prefix shares the count.
    expect(await createWindowCounter(inner, { prefix: 'p' }).hit('k', 60_000)).toMatchObject({ count: 3 });
    // Another prefix, another count.
    expect(await createWindowCounter(inner, { prefix: 'q' }).hit('k', 60_000)).toMatchObject({ count: 1 });
    now += 50_000; // the window is over
    expect(await counter.hit('k', 60_000)).toEqual({ count: 1, ttlMs: 60_000 });
    await inner.close();
  });

  it('counts in this process while the cache fails or is disconnected, and in the cache again after', async () => {
    let now = 0;
    const inner = createInProcessCache(() => now);
    const { cache, state } = switchable(inner);
    const counter = createWindowCounter(cache, { prefix: 'p', now: () => now });
    expect(await counter.hit('k', 1000)).toMatchObject({ count: 1 });
    state.failing = true;
    expect(await counter.hit('k', 1000)).toEqual({ count: 1, ttlMs: 1000 });
    expect(await counter.hit('k', 1000)).toMatchObject({ count: 2 });
    state.failing = false;
    state.connected = false;
    const calls = state.calls;
    expect(await counter.hit('k', 1000)).toMatchObject({ count: 3 });
    expect(state.calls).toBe(calls); // not even asked while disconnected
    state.connected = true;
    expect(await counter.hit('k', 1000)).toMatchObject({ count: 2 }); // the cache's own count: 1 before the outage
    now += 1000;
    state.connected = false;
    expect(await counter.hit('k', 1000)).toEqual({ count: 1, ttlMs: 1000 }); // this process's window is over too
    await inner.close();
  });

  it('keeps a bounded number of keys in this process, forgetting the oldest', async () => {
    const { cache, state } = switchable(createInProcessCache());
    state.connected = false;
    const counter = createWindowCounter(cache, { prefix: 'p', maxLocalKeys: 2 });
    await counter.hit('a', 60_000);
    await counter.hit('a', 60_000);
    await counter.hit('b', 60_000);
    await counter.hit('c', 60_000); // a forgotten
    expect(await counter.hit('a', 60_000)).toMatchObject({ count: 1 });
    expect(await counter.hit('c', 60_000)).toMatchObject({ count: 2 });
  });
});

describe('rate-limit store over a window counter', () => {
  it('counts per route and key, in the window asked for, and passes errors on', async () => {
    const inner = createInProcessCache();
    const counter = createWindowCounter(inner, { prefix: 'p' });
    const Store = windowCounterStore(counter);
    const store = new Store({});
    const refresh = store.child({ routeInfo: { method: 'POST', url: '/refresh' } } as never);
    const stats = store.child({ routeInfo: { method: 'GET', url: '/stats' } } as never);
    const incr = (s: typeof refresh, key: string) =>
      new Promise<{ current: number; ttl: number }>((resolve, reject) =>
        s.incr(key, (err, result) => (err ? reject(err) : resolve(result as never)), 60_000, 10),
      );
    expect(await incr(refresh, '1.2.3.4')).toEqual({ current: 1, ttl: 60_000 });
    expect(await incr(refresh, '1.2.3.4')).toMatchObject({ current: 2 });
    expect(await incr(stats, '1.2.3.4')).toMatchObject({ current: 1 });
    expect(await incr(refresh, '5.6.7.8')).toMatchObject({ current: 1 });
    expect(await inner.get('p:rate:POST /refresh:1.2.3.4')).toBe('2');
    // The plugin's own store (routes without a limit of their own), and a route's options as its types give them.
    await incr(store, '1.2.3.4');
    expect(await inner.get('p:rate:global:1.2.3.4')).toBe('1');
    await incr(store.child({ method: ['GET', 'HEAD'], url: '/x' } as never), '1.2.3.4');
    expect(await inner.get('p:rate:GET,HEAD /x:1.2.3.4')).toBe('1');
    const failing = new (windowCounterStore({ hit: () => Promise.reject(new Error('boom')) }))({});
    await expect(incr(failing, 'x')).rejects.toThrow('boom');
    await inner.close();
  });
});
