import { readFileSync } from 'node:fs';
import type { ScenarioReport } from './harness.js';

/**
 * The fault suite's figures as a Markdown table (for docs/reliability.md):
 * `tsx test/faults/report.ts [.ci/out/faults.ndjson]`.
 */
const file = process.argv[2] ?? process.env.FAULTS_RESULTS ?? '.ci/out/faults.ndjson';
const rows = readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as ScenarioReport);
const cell = (v: number | null | undefined) => (v === null || v === undefined ? '–' : String(v));
console.log('| scenario | requests | failed | p99 during fault (ms) | max (ms) | STALE answers | recovery (ms) | notes |');
console.log('|---|---:|---:|---:|---:|---:|---:|---|');
for (const r of rows) {
  console.log(
    `| ${r.scenario} | ${r.requests} | ${r.failed} | ${cell(r.p99_ms_during_fault)} | ${cell(r.max_ms_during_fault)} | ${r.stale_answers} | ${cell(r.recovery_ms)} | ${r.notes ?? ''} |`,
  );
}
