// Checks that PostgreSQL (TEST_DATABASE_URL) and Redis (TEST_REDIS_URL) answer; exits 1 naming
// the one that does not. Usage: node .ci/check-services.mjs [--quiet] postgres redis
import { Redis } from 'ioredis';
import pg from 'pg';

const args = process.argv.slice(2);
const quiet = args.includes('--quiet');
const wanted = args.filter((a) => !a.startsWith('--'));

const checks = {
  async postgres() {
    const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
    await client.connect();
    const { rows } = await client.query('show server_version');
    await client.end();
    return `PostgreSQL ${rows[0].server_version}`;
  },
  async redis() {
    const client = new Redis(process.env.TEST_REDIS_URL, { connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    try {
      await client.connect();
      const info = await client.info('server');
      return `Redis ${/redis_version:(\S+)/.exec(info)?.[1]}`;
    } finally {
      client.disconnect();
    }
  },
};

let failed = false;
for (const name of wanted) {
  try {
    const version = await checks[name]();
    if (!quiet) console.log(`${name}: reachable (${version})`);
  } catch (err) {
    failed = true;
    if (!quiet) console.error(`${name}: NOT reachable: ${err.message}`);
  }
}
process.exit(failed ? 1 : 0);
