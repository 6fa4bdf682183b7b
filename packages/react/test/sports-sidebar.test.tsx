// @vitest-environment happy-dom
import { createSidebarClient, type RegionSidebar, type Sidebar, type SidebarParams } from '@sportsbook/sidebar-client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import type { ReactNode } from 'react';
import { renderToString } from 'react-dom/server';
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
  version: 1,
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
  version: 1,
};

/**
 * The service as the test plays it: GET answers the sidebar with an ETag; each stream sends the
 * whole sidebar unless asked with its version as Last-Event-ID, then the frames the test pushes.
 * It counts what crosses the wire: full sidebars (GET bodies and `sidebar` events), streams
 * opened and open now, and each stream's Last-Event-ID.
 */
function service(options: { body?: Sidebar | RegionSidebar; stream?: boolean } = {}) {
  const encoder = new TextEncoder();
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const state = {
    body: options.body ?? payload(),
    etag: '"v1"',
    getFails: false,
    gets: 0,
    getGate: null as Promise<void> | null,
    fullBodies: 0,
    streamsOpened: 0,
    lastEventIds: [] as (string | null)[],
    streamUrls: [] as string[],
  };
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = String(input);
    if (url.includes('/stream')) {
      if (options.stream === false) return new Response('{"statusCode":503,"error":"Service Unavailable","message":"full","requestId":"r"}', { status: 503 });
      const lastEventId = new Headers(init?.headers).get('last-event-id');
      state.streamsOpened++;
      state.lastEventIds.push(lastEventId);
      state.streamUrls.push(url);
      let own: ReadableStreamDefaultController<Uint8Array> | null = null;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          own = controller;
          streams.add(controller);
          // As the service does: nothing when the client holds the current version.
          if (lastEventId !== String(state.body.version)) {
            state.fullBodies++;
            controller.enqueue(encoder.encode(`event: sidebar\nid: ${state.body.version}\ndata: ${JSON.stringify(state.body)}\n\n`));
          }
        },
        cancel() {
          if (own) streams.delete(own);
        },
      });
      init?.signal?.addEventListener('abort', () => {
        if (!own || !streams.delete(own)) return;
        own.error(new DOMException('The operation was aborted.', 'AbortError'));
      });
      return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
    }
    state.gets++;
    if (state.getGate) await state.getGate;
    if (state.getFails) throw new TypeError('fetch failed');
    state.fullBodies++;
    return new Response(JSON.stringify(state.body), { status: 200, headers: { 'content-type': 'application/json', etag: state.etag } });
  };
  return {
    fetchImpl,
    state,
    /** Streams open now. */
    open: () => streams.size,
    push: (text: string) => {
      for (const controller of streams) controller.enqueue(encoder.encode(text));
    },
  };
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

/** The page's visibility, as a browser changes it (document.visibilityState and its event). */
function setVisibility(visibility: 'visible' | 'hidden') {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => visibility });
  document.dispatchEvent(new Event('visibilitychange'));
}
function setOnline(online: boolean) {
  Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => online });
  window.dispatchEvent(new Event(online ? 'online' : 'offline'));
}

afterEach(() => {
  cleanup();
  setVisibility('visible');
  setOnline(true);
});

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
      svc.push(
        `event: delta\nid: 2\ndata: ${JSON.stringify({ from: 1, to: 2, etag: '"v2"', ...sidebarDelta(payload(10), { ...payload(11), version: 2 }) })}\n\n`,
      ),
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

/** Two sidebars of one page: the desktop list and a drawer, say. */
function TwoSidebars({ drawer = true, params = {} }: { drawer?: boolean; params?: SidebarParams }) {
  return (
    <>
      <SportsSidebar />
      {drawer ? <SportsSidebar params={params} className="drawer" /> : null}
    </>
  );
}

describe('one stream per tab, one full sidebar per mount', () => {
  it('components asking for the same sidebar share one stream, closed when the last of them unmounts', async () => {
    const svc = service();
    const Wrapper = wrapper(svc.fetchImpl);
    const { rerender, unmount } = render(
      <Wrapper>
        <TwoSidebars />
      </Wrapper>,
    );
    await vi.waitFor(() => expect(screen.getAllByRole('button', { name: /Basketball/ })).toHaveLength(2));
    expect(svc.state.streamsOpened).toBe(1);
    expect(svc.open()).toBe(1);
    // A change reaches both.
    await act(async () =>
      svc.push(
        `event: delta\nid: 2\ndata: ${JSON.stringify({ from: 1, to: 2, etag: '"v2"', ...sidebarDelta(payload(10), { ...payload(11), version: 2 }) })}\n\n`,
      ),
    );
    await vi.waitFor(() =>
      expect(screen.getAllByRole('button', { name: /Soccer/ }).map((b) => b.textContent)).toEqual(['Soccer1414 games', 'Soccer1414 games']),
    );
    // One unmounts: the stream stays for the other.
    rerender(
      <Wrapper>
        <TwoSidebars drawer={false} />
      </Wrapper>,
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(svc.open()).toBe(1);
    unmount();
    await vi.waitFor(() => expect(svc.open()).toBe(0));
    expect(svc.state.streamsOpened).toBe(1);
  });

  it('different parameters get a stream each', async () => {
    const svc = service();
    render(<TwoSidebars params={{ window: 'live' }} />, { wrapper: wrapper(svc.fetchImpl) });
    await vi.waitFor(() => expect(svc.open()).toBe(2));
    expect(svc.state.streamUrls.map((url) => new URL(url).search).sort()).toEqual(['', '?window=live']);
  });

  it('a live sidebar crosses the network once per mount: the stream’s first event, and no GET', async () => {
    const svc = service();
    render(<SportsSidebar />, { wrapper: wrapper(svc.fetchImpl) });
    expect(await screen.findByRole('button', { name: /Basketball/ })).toBeTruthy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(svc.state.gets).toBe(0);
    expect(svc.state.fullBodies).toBe(1);
    expect(svc.state.lastEventIds).toEqual([null]);
  });

  it('with server-fetched data: rendered at once, and the stream opens from its version, so no full sidebar is sent again', async () => {
    const svc = service();
    render(<SportsSidebar initialData={payload()} />, { wrapper: wrapper(svc.fetchImpl) });
    // The first render already lists the sports: no skeleton.
    expect(screen.queryByRole('status', { name: 'Loading sports' })).toBeNull();
    expect(screen.getByRole('button', { name: /Basketball/ })).toBeTruthy();
    await vi.waitFor(() => expect(svc.state.streamsOpened).toBe(1));
    expect(svc.state.lastEventIds).toEqual(['1']);
    expect(svc.state.gets).toBe(0);
    expect(svc.state.fullBodies).toBe(0);
    // What is newer still arrives, as a delta.
    await act(async () =>
      svc.push(
        `event: delta\nid: 2\ndata: ${JSON.stringify({ from: 1, to: 2, etag: '"v2"', ...sidebarDelta(payload(10), { ...payload(12), version: 2 }) })}\n\n`,
      ),
    );
    await vi.waitFor(() => expect(screen.getByRole('button', { name: /Soccer/ }).textContent).toMatch(/15 games/));
  });

  it('server-rendered: the HTML lists every sport and count before any script runs', async () => {
    const svc = service();
    const Wrapper = wrapper(svc.fetchImpl);
    const html = renderToString(
      <Wrapper>
        <SportsSidebar initialData={payload()} />
      </Wrapper>,
    );
    for (const text of ['Basketball', 'Soccer', '7 games, 2 live', '13 games']) expect(html).toContain(text);
    expect(svc.state.gets + svc.state.streamsOpened).toBe(0);
  });
});

describe('a hidden tab and a lost connection', () => {
  /** A live useSidebar on the played service, once its stream is open: what it renders, and the service. */
  async function liveProbe() {
    const svc = service();
    const seen: Seen[] = [];
    render(<Probe seen={seen} />, { wrapper: wrapper(svc.fetchImpl) });
    await vi.waitFor(() => expect(seen.at(-1)?.status).toBe('live'));
    return { svc, seen };
  }

  it('hidden, the stream closes and nothing is polled; shown again, it resumes with Last-Event-ID and gets only what changed', async () => {
    const { svc, seen } = await liveProbe();
    act(() => setVisibility('hidden'));
    await vi.waitFor(() => expect(svc.open()).toBe(0));
    await vi.waitFor(() => expect(seen.at(-1)?.status).toBe('paused'));
    // A new version while hidden.
    svc.state.body = { ...payload(15), version: 2 };
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(svc.state.streamsOpened).toBe(1);
    expect(svc.state.gets).toBe(0);
    act(() => setVisibility('visible'));
    await vi.waitFor(() => expect(seen.at(-1)).toEqual({ loading: false, games: 25, status: 'live' }));
    expect(svc.state.lastEventIds).toEqual([null, '1']);
    // The service held a newer version than Last-Event-ID: the whole sidebar once more (a
    // service with the delta at hand sends only it: test/integration/stream.test.ts).
    expect(svc.state.streamsOpened).toBe(2);
  });

  it('shown again with nothing new: the stream resumes and sends nothing', async () => {
    const { svc } = await liveProbe();
    act(() => setVisibility('hidden'));
    await vi.waitFor(() => expect(svc.open()).toBe(0));
    act(() => setVisibility('visible'));
    await vi.waitFor(() => expect(svc.open()).toBe(1));
    expect(svc.state.lastEventIds).toEqual([null, '1']);
    expect(svc.state.fullBodies).toBe(1);
  });

  it('offline, it stops and says so; online again, it reconnects at once', async () => {
    const { svc, seen } = await liveProbe();
    act(() => setOnline(false));
    await vi.waitFor(() => expect(seen.at(-1)?.status).toBe('offline'));
    expect(svc.open()).toBe(0);
    const started = Date.now();
    act(() => setOnline(true));
    await vi.waitFor(() => expect(seen.at(-1)?.status).toBe('live'));
    // Not after the stream's 2 s retry: at once.
    expect(Date.now() - started).toBeLessThan(1000);
    expect(svc.state.lastEventIds).toEqual([null, '1']);
  });
});
