import { describe, expect, it } from 'vitest';
import { queueVacuumProblem } from '../../../src/db/maintenance.js';

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
