import { describe, expect, it } from 'vitest';
import { type QueueVacuum, queueVacuumProblem, warnIfQueueNotVacuumed } from '../../../src/db/maintenance.js';
import type { Queryable } from '../../../src/db/types.js';
import { capturingLogger } from '../../helpers/logger.js';

describe('whether the change records will be vacuumed', () => {
  it('autovacuum on, and not disabled on the table: nothing to say', () => {
    expect(queueVacuumProblem({ autovacuum: true, tableEnabled: true })).toBeNull();
  });

  it('autovacuum off on the server: said, whatever the table says', () => {
    expect(queueVacuumProblem({ autovacuum: false, tableEnabled: true })).toBe('autovacuum is off on this database server');
    expect(queueVacuumProblem({ autovacuum: false, tableEnabled: false })).toBe('autovacuum is off on this database server');
  });

  it('autovacuum disabled on sidebar_changes alone: said', () => {
    expect(queueVacuumProblem({ autovacuum: true, tableEnabled: false })).toBe('autovacuum is disabled on sidebar_changes (autovacuum_enabled = false)');
  });
});

// The settings as the database answers them (the query itself runs against PostgreSQL in test/integration/changes.test.ts).
const answering = (rows: QueueVacuum[]): Queryable => ({ query: async <R>() => ({ rows: rows as R[] }) });

describe('the start-up check', () => {
  it('warns once, with the problem, when nothing will vacuum the queue', async () => {
    const { log, lines } = capturingLogger();
    expect(await warnIfQueueNotVacuumed(answering([{ autovacuum: false, tableEnabled: true }]), log)).toBe('autovacuum is off on this database server');
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, problem: 'autovacuum is off on this database server', msg: expect.stringContaining('sidebar_changes') }),
    ]);
  });

  it('says nothing when autovacuum will, or when the settings could not be read (no row)', async () => {
    const { log, lines } = capturingLogger();
    expect(await warnIfQueueNotVacuumed(answering([{ autovacuum: true, tableEnabled: true }]), log)).toBeNull();
    expect(await warnIfQueueNotVacuumed(answering([]), log)).toBeNull();
    expect(lines).toEqual([]);
  });

  it('a failed read is logged at debug level and does not throw: the check never stops a start', async () => {
    const { log, lines } = capturingLogger();
    const failing: Queryable = {
      query: async () => {
        throw new Error('connection refused');
      },
    };
    expect(await warnIfQueueNotVacuumed(failing, log)).toBeNull();
    expect(lines).toEqual([expect.objectContaining({ level: 20, err: 'connection refused', msg: 'could not read the autovacuum settings' })]);
  });
});
