import { describe, expect, it, vi } from 'vitest';
import { buildSnapshot } from '../../../../src/sidebar/snapshot.js';
import { createVariantStore, type VariantBase } from '../../../../src/sidebar/variants/store.js';
import { basis } from './basis.js';

describe('variant store', () => {
  const policy = { cacheControl: 'public', vary: 'accept-encoding', surrogateKeys: [] };
  const snapshotOf = (body: string) => buildSnapshot(body, policy);
  // The store never looks inside the basis: the builder above does.
  const baseOf = (body: string): VariantBase => ({ snapshot: snapshotOf(body), basis: { ...basis, rows: [] } });
  function setup(max = 2) {
    const build = vi.fn((base: VariantBase, _variant: unknown, key: string) => (key === '' ? base.snapshot : snapshotOf(`${base.snapshot.identity}|${key}`)));
    return { store: createVariantStore({ max, build }), build };
  }

  it('builds a variant once per full snapshot, and again for a new one; the hot path finds it by the URL the route answered', () => {
    const { store, build } = setup();
    const v1 = baseOf('v1');
    store.get(v1, { window: 'live' }); // no URL: none remembered
    expect(store.size()).toEqual({ variants: 1, urls: 0 });
    const live = store.get(v1, { window: 'live' }, '/s?window=live');
    expect(live.identity.toString()).toBe('v1|window=live');
    expect(store.get(v1, { window: 'live' }, '/s?window=live&x=1')).toBe(live); // an alias: same bytes
    expect(build).toHaveBeenCalledTimes(1);
    expect(store.peek('/s?window=live', v1.snapshot)).toBe(live);
    expect(store.peek('/s?window=live&x=1', v1.snapshot)).toBe(live);
    expect(store.peek('/s?window=other', v1.snapshot)).toBeNull(); // never answered
    const v2 = baseOf('v2');
    expect(store.peek('/s?window=live', v2.snapshot)).toBeNull(); // derived from v1: not for v2
    expect(store.get(v2, { window: 'live' }).identity.toString()).toBe('v2|window=live');
    expect(build).toHaveBeenCalledTimes(2);
    expect(store.peek('/s?window=live', v2.snapshot)?.identity.toString()).toBe('v2|window=live');
    expect(store.get(v2, { window: 'all' }, '/s?window=all')).toBe(v2.snapshot); // the full sidebar, under a URL of its own
    expect(store.peek('/s?window=all', v2.snapshot)).toBe(v2.snapshot);
  });

  it('a full store drops the least recently built or used variant, not the last one', () => {
    const v1 = baseOf('v1');
    const w = (name: string) => ({ window: name as 'live' });
    const built = setup(2);
    built.store.get(v1, w('a'), '/a');
    built.store.get(v1, w('b'), '/b');
    built.store.get(v1, w('c'), '/c'); // a is the oldest
    expect([built.store.peek('/a', v1.snapshot), built.store.peek('/b', v1.snapshot), built.store.peek('/c', v1.snapshot)].map((s) => s !== null)).toEqual([
      false,
      true,
      true,
    ]);
    const used = setup(2);
    used.store.get(v1, w('a'), '/a');
    used.store.get(v1, w('b'), '/b');
    used.store.peek('/b', v1.snapshot);
    used.store.get(v1, w('c'), '/c'); // a is still the oldest, b the last inserted
    expect([used.store.peek('/a', v1.snapshot), used.store.peek('/b', v1.snapshot), used.store.peek('/c', v1.snapshot)].map((s) => s !== null)).toEqual([
      false,
      true,
      true,
    ]);
  });

  it('keeps at most `max` variants, dropping the least recently used (a hot-path hit counts as a use); URLs up to 4 × max', () => {
    const { store } = setup(2);
    const v1 = baseOf('v1');
    store.get(v1, { window: 'live' }, '/a');
    store.get(v1, { window: 'all' }, '/b');
    store.peek('/a', v1.snapshot); // live is now the most recent
    store.get(v1, { window: 'other' as 'live' }, '/c'); // a third: evicts 'all'
    expect(store.size().variants).toBe(2);
    expect(store.peek('/b', v1.snapshot)).toBeNull();
    expect(store.peek('/a', v1.snapshot)).not.toBeNull();
    for (let i = 0; i < 20; i++) store.get(v1, { window: 'live' }, `/a?${i}`);
    expect(store.size().urls).toBe(8);
    expect(store.peek('/a?19', v1.snapshot)).not.toBeNull();
    expect(store.peek('/a?0', v1.snapshot)).toBeNull(); // the oldest URLs forgotten
    store.get(v1, { window: 'live' }, '/a?12'); // answered again: the most recent
    for (let i = 20; i < 27; i++) store.get(v1, { window: 'live' }, `/a?${i}`);
    expect(store.peek('/a?12', v1.snapshot)).not.toBeNull();
    expect(store.peek('/a?13', v1.snapshot)).toBeNull();
    store.get(v1, { window: 'live' }); // no URL: nothing remembered
    expect(store.size().urls).toBe(8);
  });
});
