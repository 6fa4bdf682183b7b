import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/free-port.js';
import { stopChild } from '../helpers/processes.js';

/**
 * Debian's nginx (`/usr/sbin/nginx`) as a caching reverse proxy in front of an origin, started
 * in the foreground by the test (its master's PID is the child's), stopped by that PID, its
 * files in a temporary folder. The configuration is nginx's stock proxy_cache: a cache zone,
 * `proxy_cache` and `proxy_cache_revalidate` (conditional requests to the origin once a copy
 * expires), and no directive that overrides what the origin's headers say (no
 * proxy_cache_valid, proxy_ignore_headers or proxy_cache_use_stale): what gets stored, for
 * how long, and whether a stale copy may stand in for an error is the origin's Cache-Control.
 * X-Cache-Status ($upstream_cache_status) and the access log only report what happened.
 */
export async function startNginx(origin: { port: number }) {
  const dir = await mkdtemp(join(tmpdir(), 'sidebar-nginx-'));
  const port = await freePort();
  const conf = `
# Run by the test in the foreground; as root, workers too run as root (the folder is the test's).
${process.getuid?.() === 0 ? 'user root;' : ''}
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 512; }
http {
  log_format cache '$status $upstream_cache_status "$http_accept_encoding" $upstream_status';
  access_log ${dir}/access.log cache;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  proxy_cache_path ${dir}/cache keys_zone=sidebar:1m;
  upstream origin { server 127.0.0.1:${origin.port}; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://origin;
      proxy_cache sidebar;
      proxy_cache_revalidate on;
      add_header X-Cache-Status $upstream_cache_status always;
    }
  }
}
`;
  await writeFile(join(dir, 'nginx.conf'), conf);
  const child: ChildProcess = spawn('/usr/sbin/nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}): ${stderr}`);
    const up = await fetch(`${base}/health`).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error(`nginx did not answer within 10 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    base,
    /** The access log: one line per request, "<status> <cache status> "<accept-encoding>" <origin status>". */
    async log(): Promise<string[]> {
      return (await readFile(join(dir, 'access.log'), 'utf8')).split('\n').filter(Boolean);
    },
    async stop(): Promise<void> {
      await stopChild(child, 'SIGQUIT'); // graceful: the master stops its workers
      await rm(dir, { recursive: true, force: true });
    },
  };
}
