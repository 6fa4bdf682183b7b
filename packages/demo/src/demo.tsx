/**
 * The demo page (GET /): the sidebar as the platform shows it, with the window tabs, a language
 * and a jurisdiction picker, all in the page's URL (/?window=live&lang=es) so a view can be
 * linked and reloaded, and live updates from the stream.
 */
import { createSidebarClient, type League, type SidebarParams } from '@sportsbook/sidebar-client';
import { SidebarClientProvider, SportsSidebar, useSidebar } from '@sportsbook/sidebar-react';
import '@sportsbook/sidebar-react/styles.css';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import './base.css';
import './demo.css';

const windows = [
  { value: 'all', label: 'All' },
  { value: 'live', label: 'Live' },
  { value: 'today', label: 'Today' },
] as const;
type DemoWindow = (typeof windows)[number]['value'];
const languages = [
  { value: '', label: 'English' },
  { value: 'es', label: 'Español' },
  { value: 'de', label: 'Deutsch' },
  { value: 'pt-BR', label: 'Português (Brasil)' },
];
// The jurisdictions migration 015 configures (an operator adds more as data).
const jurisdictions = [
  { value: '', label: 'Anywhere' },
  { value: 'GB', label: 'Great Britain' },
  { value: 'FR', label: 'France' },
  { value: 'US-NJ', label: 'New Jersey' },
  { value: 'US-PA', label: 'Pennsylvania' },
];

interface View {
  window: DemoWindow;
  lang: string;
  jurisdiction: string;
}

function readView(search: string): View {
  const query = new URLSearchParams(search);
  const window = windows.some((w) => w.value === query.get('window')) ? (query.get('window') as DemoWindow) : 'all';
  return { window, lang: query.get('lang') ?? '', jurisdiction: query.get('jurisdiction') ?? '' };
}

function writeView(view: View): string {
  const query = new URLSearchParams();
  if (view.window !== 'all') query.set('window', view.window);
  if (view.lang) query.set('lang', view.lang);
  if (view.jurisdiction) query.set('jurisdiction', view.jurisdiction);
  const text = query.toString();
  return text ? `?${text}` : location.pathname;
}

const paramsOf = (view: View): SidebarParams => ({
  window: view.window,
  ...(view.window === 'today' ? { tz: Intl.DateTimeFormat().resolvedOptions().timeZone } : {}),
  ...(view.lang ? { lang: view.lang } : {}),
  ...(view.jurisdiction ? { jurisdiction: view.jurisdiction } : {}),
});

function Totals({ params }: { params: SidebarParams }) {
  const { sidebar, status } = useSidebar(params);
  if (!sidebar) return null;
  const { game_count, live_game_count, sports, leagues } = sidebar.totals;
  return (
    <p className="demo-totals" data-testid="totals">
      {game_count} games, {live_game_count} live, in {leagues} leagues of {sports} sports ·{' '}
      <span className={`demo-status demo-status-${status}`}>{status === 'live' ? 'live updates' : status}</span>
    </p>
  );
}

function Picker({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: string;
  options: Array<{ value: string; label: string }>;
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {label}{' '}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

function App() {
  const [view, setView] = useState<View>(() => readView(location.search));
  const [chosen, setChosen] = useState<League | null>(null);
  useEffect(() => {
    history.replaceState(null, '', writeView(view));
  }, [view]);
  useEffect(() => {
    const onPop = () => setView(readView(location.search));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  const params = paramsOf(view);

  return (
    <div className="demo">
      <header className="demo-header">
        <h1>Sportsbook</h1>
        <div className="demo-pickers">
          <Picker label="Language" value={view.lang} options={languages} onChange={(lang) => setView({ ...view, lang })} />
          <Picker label="Jurisdiction" value={view.jurisdiction} options={jurisdictions} onChange={(jurisdiction) => setView({ ...view, jurisdiction })} />
        </div>
      </header>
      <div className="demo-body">
        <aside className="demo-aside">
          <div className="demo-tabs" role="tablist" aria-label="Time window">
            {windows.map((w) => (
              <button
                key={w.value}
                type="button"
                role="tab"
                id={`tab-${w.value}`}
                aria-selected={view.window === w.value}
                aria-controls="sidebar-panel"
                tabIndex={view.window === w.value ? 0 : -1}
                onClick={() => setView({ ...view, window: w.value })}
                onKeyDown={(e) => {
                  const i = windows.findIndex((x) => x.value === view.window);
                  const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
                  if (!step) return;
                  const next = windows[(i + step + windows.length) % windows.length];
                  if (next) {
                    setView({ ...view, window: next.value });
                    document.getElementById(`tab-${next.value}`)?.focus();
                  }
                }}
              >
                {w.label}
              </button>
            ))}
          </div>
          <div id="sidebar-panel" role="tabpanel" aria-labelledby={`tab-${view.window}`}>
            <SportsSidebar key={JSON.stringify(params)} params={params} onSelectLeague={(league) => setChosen(league)} />
          </div>
        </aside>
        <main className="demo-main">
          <Totals params={params} />
          {chosen ? (
            <p data-testid="chosen">
              {chosen.league}: {chosen.game_count} games{chosen.live_game_count ? `, ${chosen.live_game_count} live` : ''}
            </p>
          ) : (
            <p className="demo-hint">Choose a league in the sidebar.</p>
          )}
        </main>
      </div>
    </div>
  );
}

const queryClient = new QueryClient({ defaultOptions: { queries: { retry: 1 } } });
const client = createSidebarClient();
const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <QueryClientProvider client={queryClient}>
      <SidebarClientProvider client={client}>
        <App />
      </SidebarClientProvider>
    </QueryClientProvider>,
  );
}
