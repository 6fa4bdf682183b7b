import { describe, expect, it, vi } from 'vitest';
import { createReadRoute } from '../../../src/db/replica.js';
import type { Db } from '../../../src/db/types.js';
import { capturingLogger } from '../../helpers/logger.js';

/** A database stand-in answering `name`, or failing with the error the test sets. */
function fakeDb(name: string) {
  let failure: (Error & { code?: string }) | null = null;
  const query = vi.fn(async () => {
    if (failure) throw failure;
    return { rows: [{ from: name }] };
  });
  const db = { kind: 'postgres', description: name, query, withSession: vi.fn(), close: vi.fn() } as unknown as Db;
  return { db, query, fail: (code: string | null) => (failure = code ? Object.assign(new Error(code), { code }) : null) };
}

function setup(retryAfterMs?: number) {
  let t = 0;
  const replica = fakeDb('replica');
  const primary = fakeDb('primary');
  const { log, lines } = capturingLogger('info');
  const route = createReadRoute({ replica: replica.db, primary: primary.db, log, ...(retryAfterMs ? { retryAfterMs } : {}), now: () => t });
  const from = async () => ((await route.query('select 1')).rows[0] as { from: string }).from;
  return { replica, primary, route, from, lines, advance: (ms: number) => (t += ms) };
}

describe('read route (DATABASE_READ_URL)', () => {
  it('reads go to the replica, with their parameters and deadline', async () => {
    const { replica, primary, route, from, lines } = setup();
    expect(await from()).toBe('replica');
    expect(await from()).toBe('replica');
    expect(lines).toEqual([]); // nothing to say while it works
    await route.query('select $1', [1], { timeoutMs: 50 });
    expect(replica.query).toHaveBeenLastCalledWith('select $1', [1], { timeoutMs: 50 });
    expect(primary.query).not.toHaveBeenCalled();
    expect(route.onReplica()).toBe(true);
    expect(route.description).toBe('replica (read replica)');
  });

  it('an unreachable replica: that read and the next 5 s of reads go to the primary; then the replica is tried again; one line per change', async () => {
    const { replica, from, route, advance, lines } = setup();
    replica.fail('ECONNREFUSED');
    expect(await from()).toBe('primary');
    expect(route.onReplica()).toBe(false);
    expect(lines.map((l) => l.msg)).toEqual(['read replica unreachable; sidebar reads go to the primary']); // at once
    const attempts = replica.query.mock.calls.length;
    advance(4999);
    expect(await from()).toBe('primary');
    expect(replica.query).toHaveBeenCalledTimes(attempts); // not tried while it is known down
    advance(1); // 5 s: tried again, still down, back to the primary for 5 s
    expect(await from()).toBe('primary');
    expect(replica.query).toHaveBeenCalledTimes(attempts + 1);
    advance(4999);
    expect(await from()).toBe('primary');
    expect(replica.query).toHaveBeenCalledTimes(attempts + 1);
    advance(1);
    replica.fail(null);
    expect(await from()).toBe('replica');
    expect(await from()).toBe('replica');
    expect(route.onReplica()).toBe(true);
    expect(lines.map((l) => [l.msg, l.database])).toEqual([
      ['read replica unreachable; sidebar reads go to the primary', 'replica'],
      ['read replica reachable again; sidebar reads go to it', 'replica'],
    ]);
  });

  it('by default, on the clock: a read right after a failure goes to the primary without trying the replica', async () => {
    const replica = fakeDb('replica');
    const primary = fakeDb('primary');
    const route = createReadRoute({ replica: replica.db, primary: primary.db, log: capturingLogger('info').log });
    replica.fail('ECONNRESET');
    await route.query('select 1');
    await route.query('select 1');
    expect(replica.query).toHaveBeenCalledTimes(1);
    expect(primary.query).toHaveBeenCalledTimes(2);
  });

  it('retryAfterMs is configurable', async () => {
    const { replica, from, advance } = setup(100);
    replica.fail('ETIMEDOUT');
    await from();
    advance(100);
    replica.fail(null);
    expect(await from()).toBe('replica');
  });

  it('a read cancelled by a conflict with replication is retried on the primary once, the replica kept; other errors stand', async () => {
    const { replica, primary, from, route } = setup();
    replica.fail('40001');
    expect(await from()).toBe('primary');
    expect(route.onReplica()).toBe(true);
    replica.fail('42P01'); // undefined table: the same on the primary; the caller's to handle
    await expect(from()).rejects.toMatchObject({ code: '42P01' });
    expect(primary.query).toHaveBeenCalledTimes(1);
  });
});
