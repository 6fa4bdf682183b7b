import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createSlotPolicy } from '../../../src/stream/slots.js';

/** A stand-in for a stream's response: the policy only listens for its 'close'. */
const stream = () => new EventEmitter() as unknown as ServerResponse;
const close = (res: ServerResponse) => (res as unknown as EventEmitter).emit('close');

/** Admits (evicting if told to) and holds a stream for `address`; returns it, or the refusal. */
function open(policy: ReturnType<typeof createSlotPolicy>, address: string) {
  const decision = policy.decide(address);
  if (!decision.admit) return decision;
  if (decision.evict) close(decision.evict);
  const res = stream();
  policy.hold(address, res);
  return { res, evicted: decision.evict };
}

describe('stream slot policy', () => {
  it("admits anyone while there is room, up to each address's share", () => {
    const policy = createSlotPolicy({ max: 10, perAddress: 3 });
    for (let i = 0; i < 3; i++) expect(open(policy, 'a')).toMatchObject({ evicted: null });
    expect(policy.decide('a')).toEqual({ admit: false, reason: 'address' });
    expect(open(policy, 'b')).toMatchObject({ evicted: null });
    expect(policy.state()).toEqual({ held: 4, addresses: 2 });
  });

  it('when full, a newcomer from elsewhere takes the newest stream of the address holding the most', () => {
    const policy = createSlotPolicy({ max: 4, perAddress: 3 });
    const a = [open(policy, 'a'), open(policy, 'a'), open(policy, 'a')].map((o) => (o as { res: ServerResponse }).res);
    open(policy, 'b');
    expect(policy.state()).toEqual({ held: 4, addresses: 2 });
    const c = open(policy, 'c');
    expect(c).toMatchObject({ evicted: a[2] });
    expect(policy.state()).toEqual({ held: 4, addresses: 3 });
    // Now a holds 2, b and c 1 each: d takes a's newest remaining.
    expect(open(policy, 'd')).toMatchObject({ evicted: a[1] });
    // Every address holds 1 but a (1 too now): nobody holds more than a newcomer would, so e is refused.
    expect(policy.decide('e')).toEqual({ admit: false, reason: 'full' });
  });

  it('an address that holds as many as the largest cannot push another out', () => {
    const policy = createSlotPolicy({ max: 4, perAddress: 4 });
    open(policy, 'a');
    open(policy, 'a');
    open(policy, 'b');
    open(policy, 'b');
    // b asking for a third would leave it with 3 against a's 1: no.
    expect(policy.decide('b')).toEqual({ admit: false, reason: 'full' });
    expect(policy.decide('a')).toEqual({ admit: false, reason: 'full' });
    // c (0) against a or b (2): 2 > 0 + 1, so one of them gives one up.
    expect(policy.decide('c')).toMatchObject({ admit: true, evict: expect.anything() });
  });

  it('the largest holder gives way even when it came after others; among holders of as many, the first to arrive', () => {
    const policy = createSlotPolicy({ max: 5, perAddress: 5 });
    const a = open(policy, 'a') as { res: ServerResponse };
    const b = [open(policy, 'b'), open(policy, 'b')].map((o) => (o as { res: ServerResponse }).res);
    const c = [open(policy, 'c'), open(policy, 'c')].map((o) => (o as { res: ServerResponse }).res);
    // b and c hold 2 each, a 1: the newcomer takes b's newest (b came before c).
    expect(open(policy, 'd')).toMatchObject({ evicted: b[1] });
    // Now c holds the most, though it came last.
    expect(open(policy, 'e')).toMatchObject({ evicted: c[1] });
    expect(a.res).toBeDefined();
  });

  it('an address that holds every slot is told the instance is full, not that it holds its share', () => {
    const policy = createSlotPolicy({ max: 2, perAddress: 2 });
    open(policy, 'a');
    expect(policy.decide('a')).toEqual({ admit: true, evict: null });
    open(policy, 'a');
    expect(policy.decide('a')).toEqual({ admit: false, reason: 'full' });
    expect(policy.decide('b')).toMatchObject({ admit: true });
  });

  it("a closed stream frees its slot and its address's share", () => {
    const policy = createSlotPolicy({ max: 2, perAddress: 1 });
    const first = open(policy, 'a') as { res: ServerResponse };
    expect(policy.decide('a')).toEqual({ admit: false, reason: 'address' });
    close(first.res);
    expect(policy.state()).toEqual({ held: 0, addresses: 0 });
    expect(policy.decide('a')).toEqual({ admit: true, evict: null });
  });
});
