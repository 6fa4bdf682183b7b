import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { startPgBouncer } from './pgbouncer.js';

/**
 * `npm run test:pgbouncer`: the integration tests (test/integration) with every PostgreSQL
 * connection through a real PgBouncer in transaction mode: the scratch databases are created,
 * migrated, used and dropped through it, but for the sessions that LISTEN (which a transaction
 * pooler cannot hold). Passes what it is given to vitest.
 */
const admin = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const bouncer = await startPgBouncer({ host: admin.hostname, port: Number(admin.port || 5432), user: decodeURIComponent(admin.username || 'postgres') });
process.stdout.write(`PgBouncer (transaction mode) on 127.0.0.1:${bouncer.port}, pid ${bouncer.pid}, in front of ${admin.host}\n`);
let code = 1;
try {
  const through = new URL(bouncer.url);
  through.pathname = admin.pathname;
  const vitest = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', 'test/integration', ...process.argv.slice(2)], {
    stdio: 'inherit',
    // Each test database LISTENs on the server directly, as DATABASE_LISTEN_URL has the service do behind a transaction pooler.
    env: { ...process.env, TEST_DATABASE_URL: through.toString(), TEST_DATABASE_SESSION_URL: admin.toString() },
  });
  const [exitCode] = (await once(vitest, 'exit')) as [number | null];
  code = exitCode ?? 1;
  // Proof that the tests' PostgreSQL traffic went through it.
  const served = await bouncer.served();
  process.stdout.write(`PgBouncer passed on ${served.transactions} transactions (${served.queries} queries) for ${served.databases} databases\n`);
  if (served.databases < 5 || served.transactions < 200) {
    process.stdout.write('too little went through PgBouncer: were the tests given its URL?\n');
    code = code || 1;
  }
} finally {
  await bouncer.stop();
}
process.exit(code);
