import { describe, expect, it } from 'vitest';
import { addressShare, createColdBudget } from '../../../src/sidebar/cold-budget.js';

/** A budget on a clock the test moves. */
function setup(msPerSecond = 100, maxAddresses?: number) {
  const clock = { now: 0 };
  const budget = createColdBudget({ msPerSecond, now: () => clock.now, ...(maxAddresses ? { maxAddresses } : {}) });
  return { clock, budget };
}

describe('cold budget', () => {
  it('gives an address a quarter of the process budget, then refuses it, saying when to come back', () => {
    const { budget } = setup(100);
    expect(addressShare).toBe(0.25);
    expect(budget.admit('a')).toEqual({ ok: true });
    budget.spend('a', 20);
    expect(budget.admit('a')).toEqual({ ok: true });
    expect(budget.retryAfter('a')).toBe(0);
    budget.spend('a', 5); // 25 of 25: nothing left
    expect(budget.admit('a')).toEqual({ ok: false, scope: 'address', retryAfterSeconds: 1 });
    expect(budget.retryAfter('a')).toBe(1);
    // Another address is not held back by the first.
    expect(budget.admit('b')).toEqual({ ok: true });
    expect(budget.retryAfter('b')).toBe(0);
  });

  it('a bucket that went far below zero waits until it has refilled past zero', () => {
    const { budget, clock } = setup(100);
    budget.spend('a', 25 + 60); // 60 ms below zero; 25 ms a second come back
    expect(budget.admit('a')).toEqual({ ok: false, scope: 'address', retryAfterSeconds: 3 });
    clock.now += 2000;
    expect(budget.retryAfter('a')).toBe(1);
    clock.now += 500;
    expect(budget.retryAfter('a')).toBe(0);
    expect(budget.admit('a')).toEqual({ ok: true });
  });

  it('refills continuously up to one second of budget, never more', () => {
    const { budget, clock } = setup(100);
    budget.spend('a', 25);
    clock.now += 400; // 10 ms back
    expect(budget.admit('a')).toEqual({ ok: true });
    budget.spend('a', 10);
    expect(budget.admit('a').ok).toBe(false);
    clock.now += 60_000; // idle a minute: still one second's worth, 25 ms
    budget.spend('a', 24);
    expect(budget.admit('a').ok).toBe(true);
    budget.spend('a', 1);
    expect(budget.admit('a').ok).toBe(false);
  });

  it('refuses everyone once the process has spent its budget, whatever their own share', () => {
    const { budget, clock } = setup(100);
    for (const address of ['a', 'b', 'c', 'd']) budget.spend(address, 25);
    expect(budget.state()).toEqual({ ms_per_second: 100, available_ms: 0, addresses: 4 });
    expect(budget.admit('e')).toEqual({ ok: false, scope: 'process', retryAfterSeconds: 1 });
    // Refusals spend nothing: the process is back after its refill.
    clock.now += 100;
    expect(budget.admit('e')).toEqual({ ok: true });
    expect(budget.state().available_ms).toBe(10);
  });

  it('the address answer comes first: an address over its share is told so even when the process is spent too', () => {
    const { budget } = setup(100);
    for (const address of ['a', 'b', 'c', 'd']) budget.spend(address, 30);
    expect(budget.admit('a')).toMatchObject({ ok: false, scope: 'address', retryAfterSeconds: 1 });
    expect(budget.admit('e')).toMatchObject({ ok: false, scope: 'process', retryAfterSeconds: 1 });
  });

  it('remembers a bounded number of addresses, forgetting the longest idle', () => {
    const { budget } = setup(100, 2);
    budget.spend('a', 25);
    budget.spend('b', 25);
    expect(budget.retryAfter('a')).toBe(1);
    budget.admit('a'); // a is used again: b is now the longest idle
    budget.spend('c', 1);
    expect(budget.state().addresses).toBe(2);
    expect(budget.retryAfter('b')).toBe(0); // forgotten: a fresh share
    expect(budget.retryAfter('a')).toBe(1);
  });

  it('keeps time by the process clock by default', async () => {
    const budget = createColdBudget({ msPerSecond: 1000 });
    budget.spend('a', 260); // 10 ms below zero: 40 ms to come back, at 250 ms a second
    expect(budget.admit('a')).toMatchObject({ ok: false, scope: 'address' });
    await new Promise((r) => setTimeout(r, 100));
    expect(budget.admit('a')).toEqual({ ok: true });
  });

  it('an address never seen may go on', () => {
    const { budget } = setup(100);
    expect(budget.retryAfter('never')).toBe(0);
    expect(budget.state().addresses).toBe(0);
  });
});
