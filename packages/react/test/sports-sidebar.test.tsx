// @vitest-environment happy-dom
import { createSidebarClient, type RegionSidebar, type Sidebar } from '@sportsbook/sidebar-client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sidebarDelta } from '../../../src/stream/delta.js';
import { SidebarClientProvider, SportsSidebar, useSidebar } from '../src/index.js';

/**
 * The hook and the component against a service played by the test: a fetch that answers the
 * sidebar with a known payload and an ETag, and the stream with frames the test pushes.
 */
const league = (league_id: string, league: string, games: number, live: number, region: string | null = null) => ({
  league_id,
  league,
  icon: null,
  priority: null,
  game_count: games,
  live_game_count: live,
  next_start: null,
  region,
});
const payload = (eplGames = 10): Sidebar => ({
  sports: [
    {
      sport_id: 'basketball',
      sport: 'Basketball',
      icon: '🏀',
      priority: 20,
      game_count: 7,
      live_game_count: 2,
      leagues: [league('nba', 'NBA', 5, 2), league('euroleague', 'EuroLeague', 2, 0)],
    },
    {
      sport_id: 'soccer',
      sport: 'Soccer',
      icon: null,
      priority: 50,
      game_count: eplGames + 3,
      live_game_count: 0,
      leagues: [league('epl', 'EPL', eplGames, 0), league('mls', 'MLS', 3, 0)],
    },
  ],
  totals: { sports: 2, leagues: 4, game_count: eplGames + 10, live_game_count: 2 },
  refreshed_at: '2026-11-26T12:00:00.000Z',
  source: 'materialized_view',
});
const regionPayload: RegionSidebar = {
  sports: [
    {
      sport_id: 'soccer',
      sport: 'Soccer',
      icon: '⚽',
      priority: 50,
      game_count: 13,
      live_game_count: 1,
      regions: [
        { region_id: 'england', region: 'England', priority: 1, game_count: 10, live_game_count: 1, leagues: [league('epl', 'EPL', 10, 1, 'England')] },
        { region_id: null, region: null, priority: null, game_count: 3, live_game_count: 0, leagues: [league('friendlies', 'Friendlies', 3, 0)] },
      ],
    },
  ],
  totals: { sports: 1, leagues: 2, game_count: 13, live_game_count: 1 },
  refreshed_at: '2026-11-26T12:00:00.000Z',
  source: 'materialized_view',
};

/** The service as the test plays it. */
function service(options: { body?: Sidebar | RegionSidebar; stream?: boolean } = {}) {
  const encoder = new TextEncoder();
  let push: ((text: string) => void) | null = null;
  const state = { body: options.body ?? payload(), etag: '"v1"', getFails: false, gets: 0, getGate: null as Promise<void> | null };
  const fetchImpl: typeof fetch = async (input) => {
    const url = String(input);
    if (url.includes('/stream')) {
      if (options.stream === false) return new Response('{"statusCode":503,"error":"Service Unavailable","message":"full","requestId":"r"}', { status: 503 });
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          push = (text) => controller.enqueue(encoder.encode(text));
          push(`event: sidebar\nid: 1\ndata: ${JSON.stringify(state.body)}\n\n`);
        },
      });
      return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
    }
    state.gets++;
    if (state.getGate) await state.getGate;
    if (state.getFails) throw new TypeError('fetch failed');
    return new Response(JSON.stringify(state.body), { status: 200, headers: { 'content-type': 'application/json', etag: state.etag } });
  };
  return { fetchImpl, state, push: (text: string) => push?.(text) };
}

function wrapper(fetchImpl: typeof fetch) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const client = createSidebarClient({ baseUrl: 'http://sidebar.test', fetch: fetchImpl });
  return ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={queryClient}>
      <SidebarClientProvider client={client}>{children}</SidebarClientProvider>
    </QueryClientProvider>
  );
}

afterEach(() => cleanup());

describe('<SportsSidebar>', () => {
  it('shows a skeleton until the sidebar arrives', async () => {
    const svc = service({ stream: false });
    let open = () => {};
    svc.state.getGate = new Promise((resolve) => {
      open = resolve;
    });
    render(<SportsSidebar live={false} />, { wrapper: wrapper(svc.fetchImpl) });
    expect(screen.getByRole('status', { name: 'Loading sports' })).toBeTruthy();
    expect(screen.getByRole('navigation', { name: 'Sports' }).getAttribute('aria-busy')).toBe('true');
    await act(async () => open());
    expect(await screen.findByRole('button', { name: /Basketball/ })).toBeTruthy();
    expect(screen.queryByRole('status', { name: 'Loading sports' })).toBeNull();
  });

  it('lists the sports in the API’s order with their counts and live badges; leagues stay collapsed', async () => {
    const svc = service();
    render(<SportsSidebar live={false} />, { wrapper: wrapper(svc.fetchImpl) });
    const buttons = await screen.findAllByRole('button', { expanded: false });
    expect(buttons.map((b) => b.textContent)).toEqual(['🏀Basketball277 games, 2 live', 'Soccer1313 games']);
    expect(buttons[0]?.getAttribute('aria-expanded')).toBe('false');
    const panel = document.getElementById(buttons[0]?.getAttribute('aria-controls') ?? '');
    expect(panel?.hidden).toBe(true);
  });

  it('a sport expands and collapses, by click and by keyboard (Tab, Enter, Space), showing its leagues in order', async () => {
    const user = userEvent.setup();
    const svc = service();
    const onSelectLeague = vi.fn();
    render(<SportsSidebar live={false} onSelectLeague={onSelectLeague} />, { wrapper: wrapper(svc.fetchImpl) });
    const basketball = await screen.findByRole('button', { name: /Basketball/ });
    await user.click(basketball);
    expect(basketball.getAttribute('aria-expanded')).toBe('true');
    const panel = document.getElementById(basketball.getAttribute('aria-controls') ?? '') as HTMLElement;
    expect(panel.hidden).toBe(false);
    expect(
      within(panel)
        .getAllByRole('button')
        .map((b) => b.querySelector('.sbs-name')?.textContent),
    ).toEqual(['NBA', 'EuroLeague']);
    await user.click(basketball);
    expect(basketball.getAttribute('aria-expanded')).toBe('false');

    // From the top of the page, by keyboard alone.
    (document.activeElement as HTMLElement | null)?.blur();
    await user.tab();
    expect(document.activeElement).toBe(basketball);
    await user.keyboard('{Enter}');
    expect(basketball.getAttribute('aria-expanded')).toBe('true');
    await user.tab(); // into the panel: the first league
    expect(document.activeElement?.textContent).toMatch(/^NBA/);
    await user.keyboard('{Enter}');
    expect(onSelectLeague).toHaveBeenCalledWith(expect.objectContaining({ league_id: 'nba' }), expect.objectContaining({ sport_id: 'basketball' }));
    await user.tab();
    await user.tab(); // past EuroLeague, to Soccer
    expect(document.activeElement?.textContent).toMatch(/^Soccer/);
    await user.keyboard(' ');
    expect(document.activeElement?.getAttribute('aria-expanded')).toBe('true');
  });

  it('with group=region, a sport lists its regions, each with its leagues; leagues without a region under “Other”', async () => {
    const user = userEvent.setup();
    const svc = service({ body: regionPayload });
    render(<SportsSidebar live={false} params={{ group: 'region' }} defaultExpanded={['soccer']} />, { wrapper: wrapper(svc.fetchImpl) });
    const soccer = await screen.findByRole('button', { name: /Soccer/ });
    expect(soccer.getAttribute('aria-expanded')).toBe('true');
    const regions = screen.getAllByRole('region');
    expect(regions.map((r) => r.getAttribute('aria-label'))).toEqual(['England', 'Other']);
    expect(within(regions[0] as HTMLElement).getByText('EPL')).toBeTruthy();
    await user.click(soccer);
    expect(screen.queryAllByRole('region')).toHaveLength(0);
  });

  it('updates live: a delta from the stream changes the counts on screen, without a refetch', async () => {
    const svc = service();
    render(<SportsSidebar defaultExpanded={['soccer']} />, { wrapper: wrapper(svc.fetchImpl) });
    const epl = await screen.findByText('EPL');
    expect(epl.closest('li')?.querySelector('.sbs-count')?.textContent).toBe('10');
    const gets = svc.state.gets;
    await act(async () =>
      svc.push(`event: delta\nid: 2\ndata: ${JSON.stringify({ from: 1, to: 2, etag: '"v2"', ...sidebarDelta(payload(10), payload(11)) })}\n\n`),
    );
    await vi.waitFor(() => expect(screen.getByText('EPL').closest('li')?.querySelector('.sbs-count')?.textContent).toBe('11'));
    expect(screen.getByRole('button', { name: /Soccer/ }).textContent).toMatch(/14 games/);
    expect(svc.state.gets).toBe(gets);
  });

  it('keeps the last sidebar with a discreet “Not updating” marker when the service cannot be reached', async () => {
    const svc = service({ stream: false });
    render(<SportsSidebar pollMs={20} />, { wrapper: wrapper(svc.fetchImpl) });
    expect(await screen.findByRole('button', { name: /Basketball/ })).toBeTruthy();
    expect(screen.queryByText('Not updating')).toBeNull();
    svc.state.getFails = true;
    expect(await screen.findByText('Not updating')).toBeTruthy();
    expect(screen.getByRole('button', { name: /Basketball/ })).toBeTruthy();
    svc.state.getFails = false;
    await vi.waitFor(() => expect(screen.queryByText('Not updating')).toBeNull());
  });

  it('with nothing open it says so', async () => {
    const svc = service({ body: { ...payload(), sports: [], totals: { sports: 0, leagues: 0, game_count: 0, live_game_count: 0 } } });
    render(<SportsSidebar live={false} />, { wrapper: wrapper(svc.fetchImpl) });
    expect(await screen.findByText('No games open right now.')).toBeTruthy();
  });
});

interface Seen {
  loading: boolean;
  games: number | undefined;
  status: string;
}
/** Records what useSidebar gives at each render. */
function Probe({ seen }: { seen: Seen[] }) {
  const { sidebar, isLoading, status } = useSidebar({ lang: 'es' });
  seen.push({ loading: isLoading, games: sidebar?.totals.game_count, status });
  return null;
}

describe('useSidebar()', () => {
  it('gives the sidebar, its loading state, and a status following the stream', async () => {
    const svc = service();
    const seen: Seen[] = [];
    render(<Probe seen={seen} />, { wrapper: wrapper(svc.fetchImpl) });
    await vi.waitFor(() => expect(seen.at(-1)).toEqual({ loading: false, games: 20, status: 'live' }));
    expect(seen[0]).toEqual({ loading: true, games: undefined, status: 'connecting' });
  });
});
