/**
 * The operator dashboard (GET /admin): refresh durations against the alert line, the cache hit
 * ratio and the sidebar's latency over time, the view's age, the scheduler, the change loop and
 * the streams of the instance answering, "Refresh now", and the refresh log. It asks for the
 * admin token and keeps it in this tab's sessionStorage only; GET /stats is polled every 5 s and
 * the series kept in memory (they start when the page opens).
 */
import { createSidebarClient, type RefreshLog, SidebarApiError, type Stats } from '@sportsbook/sidebar-client';
import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './base.css';
import './admin.css';

const client = createSidebarClient();
const tokenKey = 'sidebar-admin-token';
const pollMs = 5000;
const recentRefreshes = 200;

/** One poll's figures, for the charts over time. */
interface Sample {
  at: number;
  /** Hits over answers since the previous sample; null when there were none. */
  hitRatio: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

function Chart({
  title,
  data,
  series,
  height = 220,
  log = false,
  testId,
}: {
  title: string;
  log?: boolean;
  data: uPlot.AlignedData;
  series: uPlot.Series[];
  height?: number;
  testId: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  // Made once, on mount (a chart's series and height do not change); new data is set below.
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const width = () => Math.max(280, element.clientWidth);
    plot.current = new uPlot(
      {
        width: width(),
        height,
        series: [{}, ...series],
        // A log scale shows 20 ms refreshes and the 30 s alert line on one chart.
        scales: log ? { y: { distr: 3, log: 10 } } : {},
        axes: [{ stroke: '#94a3b8' }, { stroke: '#94a3b8', size: 60 }],
        legend: { live: false },
      },
      data,
      element,
    );
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: width(), height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
    };
  }, []);
  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);
  return (
    <figure className="admin-chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <div ref={box} />
    </figure>
  );
}

/** Refresh durations: successes as a line of points, failures and skips marked apart, the alert threshold as a line. */
function refreshSeries(recent: RefreshLog[]): uPlot.AlignedData {
  const rows = [...recent].sort((a, b) => Date.parse(a.started_at) - Date.parse(b.started_at));
  const x = rows.map((r) => Date.parse(r.started_at) / 1000);
  const pick = (status: string) => rows.map((r) => (r.status === status ? r.duration_ms : null));
  return [
    x,
    pick('success'),
    rows.map((r) => (r.status === 'error' ? Math.max(r.duration_ms, 1) : null)),
    rows.map((r) => (r.status === 'skipped' ? 1 : null)),
    rows.map((r) => r.alert_threshold_ms),
  ];
}

const points = (stroke: string, size = 6): Partial<uPlot.Series> => ({
  stroke,
  fill: stroke,
  width: 0,
  points: { show: true, size, stroke, fill: stroke },
  paths: () => null,
});

function Tile({ label, value, detail }: { label: string; value: string; detail?: string }) {
  return (
    <div className="admin-tile">
      <div className="admin-tile-label">{label}</div>
      <div className="admin-tile-value">{value}</div>
      {detail && <div className="admin-tile-detail">{detail}</div>}
    </div>
  );
}

const ms = (n: number | null | undefined) => (n === null || n === undefined ? '–' : `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`);
const time = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleTimeString() : '–');

function Dashboard({ token, onSignOut }: { token: string; onSignOut: () => void }) {
  const [stats, setStats] = useState<Stats | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [samples, setSamples] = useState<Sample[]>([]);
  const [refreshing, setRefreshing] = useState(false);
  const [result, setResult] = useState<RefreshLog | string | null>(null);
  const previous = useRef<Stats | null>(null);

  const load = useCallback(async () => {
    try {
      const next = await client.stats(token, { recent: recentRefreshes });
      const before = previous.current;
      const hits = before ? next.cache.hits - before.cache.hits : 0;
      const answers = before ? hits + next.cache.misses - before.cache.misses : 0;
      const latency = next.requests.sidebar_latency_ms;
      setSamples((all) => [
        ...all.slice(-359),
        { at: Date.now() / 1000, hitRatio: answers > 0 ? hits / answers : null, p50: latency.p50, p95: latency.p95, p99: latency.p99 },
      ]);
      previous.current = next;
      setStats(next);
      setError(null);
    } catch (err) {
      if (err instanceof SidebarApiError && (err.status === 401 || err.status === 403)) onSignOut();
      setError(err instanceof Error ? err.message : String(err));
    }
  }, [token, onSignOut]);

  useEffect(() => {
    void load();
    const timer = setInterval(load, pollMs);
    return () => clearInterval(timer);
  }, [load]);

  const refreshNow = async () => {
    setRefreshing(true);
    try {
      setResult(await client.refresh(token));
      await load();
    } catch (err) {
      setResult(err instanceof Error ? err.message : String(err));
    } finally {
      setRefreshing(false);
    }
  };

  if (!stats) return <p className="admin-message">{error ?? 'Loading…'}</p>;
  const { refreshes, scheduler, changes, stream, cache } = stats;
  const threshold = refreshes.recent[0]?.alert_threshold_ms ?? 30_000;
  return (
    <>
      <section className="admin-actions">
        <button type="button" onClick={refreshNow} disabled={refreshing}>
          {refreshing ? 'Refreshing…' : 'Refresh now'}
        </button>
        <output data-testid="refresh-result">
          {result === null
            ? ''
            : typeof result === 'string'
              ? result
              : `Refresh ${result.id}: ${result.status}${result.status === 'success' ? ` in ${ms(result.duration_ms)}, ${result.row_count} rows` : result.error_message ? `: ${result.error_message}` : ''}`}
        </output>
        {error && <span className="admin-error">{error}</span>}
      </section>
      <section className="admin-tiles" aria-label="Now">
        <Tile
          label="View age"
          value={refreshes.view_age_seconds === null ? '–' : `${refreshes.view_age_seconds} s`}
          detail={`last success ${time(refreshes.last_success_at)}${refreshes.view_populated ? '' : ', not populated'}`}
        />
        <Tile
          label="Refreshes (24 h)"
          value={String(refreshes.last_24h.refreshes)}
          detail={`${refreshes.last_24h.failures} failed, ${refreshes.last_24h.alerts} alerts, p95 ${ms(refreshes.last_24h.p95_duration_ms)}`}
        />
        <Tile
          label="Scheduler"
          value={scheduler.enabled ? (scheduler.busy ? 'refreshing' : scheduler.running ? 'running' : 'stopped') : 'off'}
          detail={`every ${scheduler.interval_seconds} s, next ${time(scheduler.next_run_at)}`}
        />
        <Tile
          label="Freshness"
          value={changes.enabled ? (changes.failing ? 'failing' : 'change-driven') : 'schedule only'}
          detail={`gap ${changes.min_gap_ms} ms, ${changes.refreshes} refreshes here, last ${time(changes.last_refresh_at)}`}
        />
        <Tile
          label="Cache"
          value={cache.hit_ratio === null ? '–' : `${(cache.hit_ratio * 100).toFixed(1)}% hits`}
          detail={`${cache.backend}${cache.connected ? '' : ' (disconnected)'}${cache.subscribed ? ', subscribed' : ''}`}
        />
        <Tile
          label="Latency"
          value={`p99 ${ms(stats.requests.sidebar_latency_ms.p99)}`}
          detail={`p50 ${ms(stats.requests.sidebar_latency_ms.p50)}, p95 ${ms(stats.requests.sidebar_latency_ms.p95)}`}
        />
        <Tile label="Instances" value={cache.instances === null ? 'not known' : String(cache.instances)} detail="processes subscribed to new versions" />
        <Tile
          label="Streams (this instance)"
          value={`${stream.clients} clients`}
          detail={`version ${stream.version ?? '–'}, ${stream.variants} variants, ${stream.dropped} dropped`}
        />
      </section>
      <section className="admin-charts">
        <Chart
          log
          testId="chart-refreshes"
          title={`Refresh duration (ms, log scale), the last ${refreshes.recent.length}; alert at ${threshold / 1000} s`}
          data={refreshSeries(refreshes.recent)}
          series={[
            { label: 'success', ...points('#22c55e', 5) },
            { label: 'failed', ...points('#ef4444', 9) },
            { label: 'skipped', ...points('#fbbf24', 7) },
            { label: 'alert', stroke: '#ef4444', dash: [6, 4], width: 1 },
          ]}
        />
        <Chart
          testId="chart-hit-ratio"
          title="Cache hit ratio (per 5 s)"
          data={[samples.map((s) => s.at), samples.map((s) => s.hitRatio)]}
          series={[{ label: 'hit ratio', stroke: '#38bdf8', width: 2, spanGaps: true }]}
        />
        <Chart
          testId="chart-latency"
          title="Sidebar latency (ms)"
          data={[samples.map((s) => s.at), samples.map((s) => s.p50), samples.map((s) => s.p95), samples.map((s) => s.p99)]}
          series={[
            { label: 'p50', stroke: '#22c55e', width: 2 },
            { label: 'p95', stroke: '#fbbf24', width: 2 },
            { label: 'p99', stroke: '#ef4444', width: 2 },
          ]}
        />
      </section>
      <section>
        <h2>Recent refreshes</h2>
        <div className="admin-table-wrap">
          <table data-testid="refresh-log">
            <thead>
              <tr>
                <th>id</th>
                <th>started</th>
                <th>trigger</th>
                <th>status</th>
                <th>duration</th>
                <th>rows</th>
                <th>message</th>
              </tr>
            </thead>
            <tbody>
              {refreshes.recent.slice(0, 20).map((r) => (
                <tr key={r.id} className={`admin-row-${r.status}${r.alert_triggered ? ' admin-row-alert' : ''}`}>
                  <td>{r.id}</td>
                  <td>{time(r.started_at)}</td>
                  <td>{r.trigger}</td>
                  <td>{r.status}</td>
                  <td>{ms(r.duration_ms)}</td>
                  <td>{r.row_count ?? '–'}</td>
                  <td>{r.error_message ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

function SignIn({ onToken }: { onToken: (token: string) => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await client.stats(value, { recent: 1 });
      onToken(value);
    } catch (err) {
      setError(err instanceof SidebarApiError && err.status === 401 ? 'That token is refused.' : err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <form className="admin-signin" onSubmit={submit}>
      <label>
        Admin token
        <input type="password" autoComplete="current-password" value={value} onChange={(e) => setValue(e.target.value)} required />
      </label>
      <button type="submit">Sign in</button>
      <p className="admin-hint">ADMIN_API_KEY, or a Supabase JWT with the admin role. Kept in this tab only (sessionStorage).</p>
      {error && (
        <p className="admin-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function App() {
  const [token, setToken] = useState<string | null>(() => sessionStorage.getItem(tokenKey));
  const signOut = useCallback(() => {
    sessionStorage.removeItem(tokenKey);
    setToken(null);
  }, []);
  return (
    <div className="admin">
      <header className="admin-header">
        <h1>Sidebar operations</h1>
        {token && (
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        )}
      </header>
      <main>
        {token ? (
          <Dashboard token={token} onSignOut={signOut} />
        ) : (
          <SignIn
            onToken={(t) => {
              sessionStorage.setItem(tokenKey, t);
              setToken(t);
            }}
          />
        )}
      </main>
    </div>
  );
}

const root = document.getElementById('root');
if (root) createRoot(root).render(<App />);
