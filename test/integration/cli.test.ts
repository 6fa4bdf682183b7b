import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';

/**
 * The command-line entry and the process entry, run as processes (`node --import tsx
 * src/cli.ts`): flags, exit codes, what a user reads when something is wrong, and a clean
 * SIGTERM. The embedded database in memory, so nothing touches ./data.
 */
const dir = mkdtempSync(join(tmpdir(), 'sidebar-cli-'));
// By URL: the processes run in a directory of their own, where `--import tsx` would not resolve.
const tsxLoader = pathToFileURL(join(process.cwd(), 'node_modules/tsx/dist/loader.mjs')).href;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A clean environment: no DATABASE_URL or REDIS_URL from the developer's shell. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, PGLITE_DATA_DIR: 'memory://', LOG_LEVEL: 'warn', ...extra };
}

function start(args: string[], extra: Record<string, string> = {}): { child: ChildProcess; output: () => { stdout: string; stderr: string } } {
  // cwd: a directory without a .env, which the CLI would read.
  const child = spawn(process.execPath, ['--import', tsxLoader, join(process.cwd(), 'src/cli.ts'), ...args], { cwd: dir, env: env(extra) });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return { child, output: () => ({ stdout, stderr }) };
}

async function run(args: string[], extra: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { child, output } = start(args, extra);
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, ...output() };
}

describe('the command line, as a process', () => {
  it('help prints the usage and exits 0', async () => {
    const { code, stdout } = await run(['help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: sidebar <command>/);
    expect(stdout).toContain('import <file|folder|->');
  });

  it('an unknown command exits 64 with the usage on stderr', async () => {
    const { code, stdout, stderr } = await run(['frobnicate']);
    expect(code).toBe(64);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^Unknown command: frobnicate\n\nUsage:/);
  });

  it("a command's --help prints the usage and exits 0; a wrong option exits 64 naming it, with the usage, not a stack trace", async () => {
    const help = await run(['seed', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: sidebar <command>/);
    const wrong = await run(['seed', '--bogus']);
    expect(wrong.code).toBe(64);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toMatch(/^Unknown option '--bogus'.*\n\nUsage: sidebar <command>/s);
    expect(wrong.stderr).not.toMatch(/\bat \S+ \(/); // no stack frames
  });

  it('a bad configuration exits 1 with one line naming the variable, not a stack trace', async () => {
    const { code, stderr } = await run(['migrate'], { PORT: '99999' });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^Invalid configuration: PORT .*\(got "99999"\)/);
  });

  it('a secret in a bad configuration is never echoed', async () => {
    const { code, stderr } = await run(['migrate'], { ADMIN_API_KEY: 'short-secret' });
    expect(code).toBe(1);
    expect(stderr).toContain('ADMIN_API_KEY');
    expect(stderr).toContain('(hidden)');
    expect(stderr).not.toContain('short-secret');
  });

  it('seed rejects a count that is not a positive integer', async () => {
    const { code, stderr } = await run(['seed', '--events', '0']);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('--events must be a positive integer, got 0');
  });

  it('import without a file, or with an unknown format, says so and exits 1', async () => {
    const none = await run(['import']);
    expect(none.code).toBe(1);
    expect(none.stderr.trim()).toBe('import: name at least one file or folder (or - for stdin)');
    const format = await run(['import', 'x.json', '--format', 'csv']);
    expect(format.code).toBe(1);
    expect(format.stderr.trim()).toMatch(/^import: --format must be one of /);
  });

  it('import of a file with no event records exits 1 with the reason; a good file exits 0', async () => {
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, '{}');
    const bad = await run(['import', empty]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('import: no event records found');
    const good = join(dir, 'good.json');
    writeFileSync(
      good,
      JSON.stringify([
        {
          id: 'cli-1',
          sport_key: 'basketball_nba',
          sport_title: 'NBA',
          commence_time: new Date(Date.now() + 3600_000).toISOString(),
          home_team: 'A',
          away_team: 'B',
        },
      ]),
    );
    const ok = await run(['import', good, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ read: 1, inserted: 1, rejected: 0 });
  });

  it('migrate and refresh on a fresh database exit 0; refresh prints the log row', async () => {
    expect((await run(['migrate'])).code).toBe(0);
    const refresh = await run(['refresh']);
    expect(refresh.code).toBe(0);
    expect(JSON.parse(refresh.stdout)).toMatchObject({ status: 'success', trigger: 'manual' });
  });

  it('serve answers /health, and on SIGTERM stops cleanly with exit code 0', async () => {
    const port = await freePort();
    const { child, output } = start(['serve'], { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', SEED_DEMO_DATA: 'false' });
    try {
      let health = 0;
      for (let i = 0; i < 200 && health !== 200; i++) {
        health = await fetch(`http://127.0.0.1:${port}/health`).then(
          (r) => r.status,
          () => 0,
        );
        if (health !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(health).toBe(200);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
      expect(output().stdout).toContain('"msg":"shutting down"');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
