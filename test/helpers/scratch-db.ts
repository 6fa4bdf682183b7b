import { pathToFileURL } from 'node:url';
import pg from 'pg';

/**
 * A database of its own next to `adminUrl` (a test file's, a benchmark's, the CI smoke run's),
 * created empty and dropped, with force, by drop(). The one helper for all three.
 *
 * From a shell: `tsx test/helpers/scratch-db.ts create|drop <admin-url> <name>`.
 */
export async function createScratchDatabase(adminUrl: string, name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`scratch database name must be a plain identifier, got ${name}`);
  await admin(adminUrl, `drop database if exists ${name} with (force)`);
  await admin(adminUrl, `create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(adminUrl, `drop database if exists ${name} with (force)`) };
}

async function admin(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [command, adminUrl, name] = process.argv.slice(2);
  if (!adminUrl || !name || (command !== 'create' && command !== 'drop')) {
    process.stderr.write('usage: scratch-db.ts create|drop <admin-url> <name>\n');
    process.exit(64);
  }
  const run = command === 'create' ? createScratchDatabase(adminUrl, name).then(() => {}) : admin(adminUrl, `drop database if exists ${name} with (force)`);
  run.catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
}
