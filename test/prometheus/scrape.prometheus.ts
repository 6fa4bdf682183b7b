import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../../src/contract/index.js';
import { cleanupAll, get, migratedDatabase, type Service, startService, waitFor } from '../faults/harness.js';
import { freePort } from '../helpers/free-port.js';
import { deleteRedisKeys, stopChild } from '../helpers/processes.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

/**
 * Debian's Prometheus, with the repository's alerting rules (deploy/prometheus/alerts.yaml),
 * scraping one instance of the built service with two workers every 500 ms: what an operator's
 * Prometheus sees. Each scrape arrives on a new connection (a proxy closes it after the answer,
 * as a load balancer's idle timeout would), so the workers take turns answering. The instance
 * runs with SIDEBAR_REFRESH_ALERT_SECONDS=0, so each refresh is "slow" and the slow-refresh
 * alert must fire.
 */

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `sidebar-prometheus-${process.pid}-${randomBytes(3).toString('hex')}`;
const scrapes = 20;
const work = mkdtempSync(join(tmpdir(), 'sidebar-prometheus-'));
let service: Service;
let prometheus: ChildProcess;
let prometheusUrl: string;
let proxy: TcpProxy;
let stopLoad = false;
let load: Promise<void> = Promise.resolve();

interface Series {
  metric: Record<string, string>;
  values?: [number, string][];
  value?: [number, string];
}

async function query(expr: string): Promise<Series[]> {
  const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`, { signal: AbortSignal.timeout(5000) });
  const body = (await res.json()) as { status: string; data: { result: Series[] }; error?: string };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  return body.data.result;
}

beforeAll(async () => {
  const database = await migratedDatabase(1000);
  service = await startService({
    DATABASE_URL: database.directUrl,
    REDIS_URL: redisUrl,
    CACHE_KEY_PREFIX: prefix,
    WEB_CONCURRENCY: '2',
    SCHEDULER_ENABLED: 'true',
    SIDEBAR_REFRESH_INTERVAL_SECONDS: '2',
    SIDEBAR_REFRESH_ALERT_SECONDS: '0',
    LOG_LEVEL: 'warn',
  });
  await waitFor('two workers listening', async () => (await get(service, '/health')).status === 200);

  proxy = await startTcpProxy({ host: '127.0.0.1', port: service.port }, { closeAfterAnswerMs: 100 });
  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(work, 'prometheus.yml'),
    [
      'global:',
      '  scrape_interval: 500ms',
      '  evaluation_interval: 500ms',
      'rule_files:',
      `  - ${resolve('deploy/prometheus/alerts.yaml')}`,
      'scrape_configs:',
      '  - job_name: sidebar',
      '    static_configs:',
      `      - targets: ["127.0.0.1:${proxy.port}"]`,
      '',
    ].join('\n'),
  );
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${join(work, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(work, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  await waitFor('Prometheus ready', async () => (await fetch(`${prometheusUrl}/-/ready`).catch(() => null))?.ok, 30_000, 200);

  // Steady traffic on new connections (round-robin over the workers) while Prometheus scrapes.
  load = (async () => {
    while (!stopLoad) {
      await get(service, paths.sidebar, { headers: { connection: 'close' } });
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  await waitFor(`${scrapes} scrapes`, async () => Number((await query('count_over_time(up{job="sidebar"}[5m])'))[0]?.value?.[1] ?? 0) >= scrapes, 60_000, 500);
}, 120_000);

afterAll(async () => {
  stopLoad = true;
  await load;
  try {
    if (prometheus) await stopChild(prometheus);
    await proxy?.close();
    await cleanupAll();
  } finally {
    await deleteRedisKeys(redisUrl, prefix);
    rmSync(work, { recursive: true, force: true });
  }
});

describe('Prometheus scraping an instance with two workers', () => {
  it(`every scrape succeeds, and no counter goes down over ${scrapes} scrapes`, async () => {
    const up = await query('up{job="sidebar"}[5m]');
    expect(up).toHaveLength(1);
    expect(up[0]?.values?.length).toBeGreaterThanOrEqual(scrapes);
    expect(up[0]?.values?.every(([, v]) => v === '1')).toBe(true);
    // A connection per scrape: the round-robin gave them to both workers.
    expect(proxy.accepted()).toBeGreaterThanOrEqual(scrapes);

    const counters = await query('{job="sidebar", __name__=~"sidebar_.*_total|sidebar_.*_count"}[5m]');
    const answers = counters.filter((s) => s.metric.__name__ === 'sidebar_answers_total');
    expect(answers.length).toBeGreaterThan(0);
    for (const series of counters) {
      const values = (series.values ?? []).map(([, v]) => Number(v));
      const falls = values.filter((v, i) => i > 0 && v < (values[i - 1] as number));
      expect(falls, `${JSON.stringify(series.metric)}: ${values.join(' ')}`).toEqual([]);
    }
    // The traffic went to both workers, and the sum grew between scrapes: a single worker's
    // figures would alternate.
    const memory = answers.flatMap((s) => (s.values ?? []).map(([, v]) => Number(v)));
    expect(Math.max(...memory)).toBeGreaterThan(Math.min(...memory));
  });

  it('the scheduler is seen running at every scrape (worker 0 runs it; the instance reports it)', async () => {
    const running = await query('sidebar_scheduler_running{job="sidebar"}[5m]');
    expect(running).toHaveLength(1);
    expect(running[0]?.values?.every(([, v]) => v === '1')).toBe(true);
  });

  it("every query of the Grafana dashboard is valid PromQL, and the panels show the instance's data", async () => {
    const dashboard = JSON.parse(readFileSync('deploy/grafana/dashboards/sidebar.json', 'utf8')) as {
      panels: { type: string; title: string; targets?: { expr: string }[] }[];
    };
    const empty: string[] = [];
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      let rows = 0;
      for (const target of panel.targets ?? []) {
        // Grafana's variables, as the dashboard's defaults would fill them.
        const expr = target.expr.replaceAll('$job', 'sidebar').replaceAll('$instance', '.*').replaceAll('$__rate_interval', '5s');
        rows += (await query(expr)).length;
      }
      if (rows === 0) empty.push(panel.title);
    }
    // Only what did not happen here is empty: no variant refused, no CDN purge configured.
    expect(empty.sort()).toEqual(['CDN purges', 'Refused for the cold budget']);
  });

  it('the slow-refresh alert fires with a 0 s threshold', async () => {
    const firing = await waitFor(
      'SidebarRefreshSlow firing',
      async () => {
        const res = await fetch(`${prometheusUrl}/api/v1/alerts`, { signal: AbortSignal.timeout(5000) });
        const body = (await res.json()) as { data: { alerts: { labels: Record<string, string>; state: string }[] } };
        return body.data.alerts.find((a) => a.labels.alertname === 'SidebarRefreshSlow' && a.state === 'firing');
      },
      30_000,
      500,
    );
    expect(firing.labels.instance).toBe(`127.0.0.1:${proxy.port}`);
    expect(firing.labels.severity).toBe('warning');
    // And nothing else fires on a healthy instance.
    const others = await query('ALERTS{alertstate="firing", alertname!="SidebarRefreshSlow"}');
    expect(others.map((s) => s.metric.alertname)).toEqual([]);
  });
});
