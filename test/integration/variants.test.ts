import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths, type RegionSidebar, type Sidebar } from '../../src/contract/index.js';
import { insertEvents } from '../fixtures/events.js';
import { asAdmin, buildTestApp, listening } from '../helpers/app.js';
import { backends, useFixtureBackend } from '../helpers/backends.js';

/** Sidebar variants (time windows, regions, languages, jurisdictions) through the real server, hot path included, on every backend. */
describe.each(backends)('sidebar variants on $name', (backend) => {
  const fixture = useFixtureBackend(backend);
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    app = await buildTestApp(
      { db: fixture.db.db, cache: fixture.cache.cache, prefix: `${fixture.cache.prefix}:variants` },
      { variantsMax: 4, refreshRateLimitPerMinute: 60 },
    );
    base = await listening(app);
  });
  afterAll(() => app.close());

  const live = `${paths.sidebar}?window=live`;
  const body = async (res: Response) => (await res.json()) as Sidebar;

  /** Live games per (sport, league), counted by a query of the test's own over odds_events. */
  async function liveBySql(): Promise<Map<string, number>> {
    const { rows } = await fixture.db.db.query<{ sport_id: string; league_id: string; n: number }>(
      `select sport_id, league_id, count(*)::int as n from odds_events
       where status = 'live' and commence_time < now() + (select event_horizon from sidebar_settings)
       group by sport_id, league_id`,
    );
    return new Map(rows.map((r) => [`${r.sport_id}/${r.league_id}`, r.n]));
  }

  it('window=live lists exactly the leagues with live games, counted as SQL counts them, in the full sidebar order', async () => {
    const [full, variant] = await Promise.all([fetch(`${base}${paths.sidebar}`).then(body), fetch(`${base}${live}`).then(body)]);
    const expected = await liveBySql();
    const got = new Map(variant.sports.flatMap((s) => s.leagues.map((l) => [`${s.sport_id}/${l.league_id}`, l.game_count] as const)));
    expect(got).toEqual(expected);
    expect(variant.sports.flatMap((s) => s.leagues.map((l) => [l.live_game_count, l.next_start]))).toEqual(
      variant.sports.flatMap((s) => s.leagues.map((l) => [l.game_count, null])),
    );
    const order = (sb: Sidebar) => sb.sports.flatMap((s) => s.leagues.map((l) => `${s.sport_id}/${l.league_id}`));
    expect(order(variant)).toEqual(order(full).filter((key) => expected.has(key)));
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    expect(variant.totals).toEqual({
      sports: new Set([...expected.keys()].map((k) => k.split('/')[0])).size,
      leagues: expected.size,
      game_count: total,
      live_game_count: total,
    });
    expect(variant.refreshed_at).toBe(full.refreshed_at);
  });

  it('a variant has its own validator and CDN tag, answers If-None-Match with 304, and is served by the hot path once asked for', async () => {
    const first = await fetch(`${base}${live}`, { headers: { 'accept-encoding': 'gzip' } });
    const full = await fetch(`${base}${paths.sidebar}`);
    expect(first.headers.get('etag')).not.toBe(full.headers.get('etag'));
    expect(first.headers.get('surrogate-key')).toBe('sidebar sidebar:window=live');
    expect(first.headers.get('cache-tag')).toBe('sidebar,sidebar:window=live');
    expect(first.headers.get('cache-control')).toBe(full.headers.get('cache-control'));
    const again = await fetch(`${base}${live}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(again.headers.get('x-cache')).toBe('HIT');
    expect(again.headers.get('server-timing')).toMatch(/desc="memory"/);
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    const conditional = await fetch(`${base}${live}`, { headers: { 'if-none-match': String(first.headers.get('etag')) } });
    expect(conditional.status).toBe(304);
  });

  it('one refresh updates every variant: the next answer of window=live shows the new version', async () => {
    const before = await fetch(`${base}${live}`).then(body);
    await insertEvents(fixture.db.db, [
      { id: 'variants-live-1', sport: 'variants', league: 'variants-l', leagueName: 'Variants League', hoursFromNow: -1 / 6, status: 'live' },
    ]);
    try {
      expect((await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin })).statusCode).toBe(200);
      const after = await fetch(`${base}${live}`).then(body);
      expect(after.totals.game_count).toBe(before.totals.game_count + 1);
      expect(after.sports.some((s) => s.sport_id === 'variants')).toBe(true);
    } finally {
      await fixture.db.db.query(`delete from odds_events where id = 'variants-live-1'`);
      await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin });
    }
  });

  it('an unknown window is a 400 in the error shape naming the parameter and the allowed values; never the full sidebar', async () => {
    const res = await fetch(`${base}${paths.sidebar}?window=tomorrow`);
    expect(res.status).toBe(400);
    const error = (await res.json()) as { statusCode: number; message: string };
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe('querystring/window must be equal to one of the allowed values: all, live, next_24h, today');
    // Asked twice: the hot path does not answer a URL the route refused.
    expect((await fetch(`${base}${paths.sidebar}?window=tomorrow`)).status).toBe(400);
  });

  it('keeps at most SIDEBAR_VARIANTS_MAX variants per process', async () => {
    const zones = ['UTC', 'Europe/London', 'Asia/Tokyo', 'America/New_York', 'Asia/Kathmandu'];
    for (const tz of zones) expect((await fetch(`${base}${paths.sidebar}?window=today&tz=${tz}`)).status).toBe(200);
    for (let i = 0; i < 10; i++) await fetch(`${base}${paths.sidebar}?window=live&v=${i}`);
    expect(app.sidebarService.variantCount().variants).toBe(4);
    expect(app.sidebarService.variantCount().urls).toBeLessThanOrEqual(16);
  });

  describe('regions', () => {
    const grouped = async (query = '') => (await fetch(`${base}${paths.sidebar}?group=region${query}`).then((r) => r.json())) as RegionSidebar;

    /** Games and live games per (sport, region) as the test's own query counts them: region from the configuration, null without one. */
    async function regionsBySql() {
      const { rows } = await fixture.db.db.query<{ key: string; games: number; live: number }>(
        `select e.sport_id || '/' || coalesce(lr.region_id, '-') as key, count(*)::int as games, (count(*) filter (where e.status = 'live'))::int as live
         from odds_events e left join sidebar_league_regions lr on lr.league_id = e.league_id
         where e.status in ('scheduled', 'live')
           and (e.status = 'live' or e.commence_time >= now() - interval '12 hours')
           and e.commence_time < now() + (select event_horizon from sidebar_settings)
         group by 1 order by 1`,
      );
      return rows.map((r) => [r.key, r.games, r.live]);
    }

    it('group=region: sport → region → league, each counted as SQL counts it, regions by priority with the leagues without one last', async () => {
      const [sidebar, full] = await Promise.all([grouped(), fetch(`${base}${paths.sidebar}`).then(body)]);
      const counted = sidebar.sports
        .flatMap((s) => s.regions.map((r) => [`${s.sport_id}/${r.region_id ?? '-'}`, r.game_count, r.live_game_count]))
        .sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1));
      expect(counted).toEqual(await regionsBySql());
      const soccer = sidebar.sports.find((s) => s.sport_id === 'soccer');
      expect(soccer?.regions.map((r) => [r.region_id, r.region, r.priority])).toEqual([
        ['europe', 'Europe', 20],
        ['england', 'England', 40],
        ['spain', 'Spain', 50],
        [null, null, null],
      ]);
      // The same leagues, in the full sidebar's order within each region, carrying their region.
      const fullSoccer = full.sports.find((s) => s.sport_id === 'soccer');
      const nullRegion = soccer?.regions.at(-1)?.leagues.map((l) => l.league_id);
      expect(nullRegion).toEqual(fullSoccer?.leagues.filter((l) => l.region === null).map((l) => l.league_id));
      expect(fullSoccer?.leagues.find((l) => l.league_id === 'epl')?.region).toBe('England');
      expect(sidebar.totals).toEqual(full.totals);
      expect(sidebar.sports.map((s) => s.sport_id)).toEqual(full.sports.map((s) => s.sport_id));
    });

    it('regions are configuration: a renamed region, or a league given one, shows at the next refresh', async () => {
      const before = await grouped();
      await fixture.db.db.query(`update sidebar_regions set name = 'England & Wales' where region_id = 'england'`);
      await fixture.db.db.query(`insert into sidebar_league_regions (league_id, region_id) values ('league_big', 'england')`);
      try {
        expect(await grouped()).toEqual(before); // not before a refresh
        expect((await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin })).statusCode).toBe(200);
        const after = await grouped();
        const england = after.sports.find((s) => s.sport_id === 'soccer')?.regions.find((r) => r.region_id === 'england');
        expect(england?.region).toBe('England & Wales');
        expect(england?.leagues.map((l) => [l.league_id, l.region])).toEqual([
          ['epl', 'England & Wales'],
          ['league_big', 'England & Wales'],
        ]);
        expect(await regionsBySql()).toEqual(
          after.sports
            .flatMap((s) => s.regions.map((r) => [`${s.sport_id}/${r.region_id ?? '-'}`, r.game_count, r.live_game_count]))
            .sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
        );
      } finally {
        await fixture.db.db.query(`update sidebar_regions set name = 'England' where region_id = 'england'`);
        await fixture.db.db.query(`delete from sidebar_league_regions where league_id = 'league_big'`);
        await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin });
      }
    });

    it('group=region combines with a window and has its own tag; a wrong group is a 400', async () => {
      const res = await fetch(`${base}${paths.sidebar}?window=live&group=region`);
      expect(res.headers.get('surrogate-key')).toBe('sidebar sidebar:window=live&group=region');
      const live = (await res.json()) as RegionSidebar;
      expect(live.sports.every((s) => s.regions.every((r) => r.game_count === r.live_game_count && r.leagues.every((l) => l.next_start === null)))).toBe(true);
      expect(live.totals.game_count).toBe(
        (await fetch(`${base}${live.sports.length ? `${paths.sidebar}?window=live` : paths.sidebar}`).then(body)).totals.game_count,
      );
      const wrong = await fetch(`${base}${paths.sidebar}?group=country`);
      expect(wrong.status).toBe(400);
      expect(((await wrong.json()) as { message: string }).message).toBe('querystring/group must be equal to one of the allowed values: league, region');
    });
  });

  describe('languages', () => {
    const inLang = async (query: string) => {
      const res = await fetch(`${base}${paths.sidebar}?${query}`);
      return { res, sidebar: (await res.json()) as Sidebar };
    };
    /** Each sport's and league's name in `lang` as the test's own query resolves it: the tag, its prefix, else the default name. */
    async function namesBySql(lang: string, full: Sidebar) {
      const chain = lang.split('-').map((_, i, parts) => parts.slice(0, parts.length - i).join('-'));
      const { rows } = await fixture.db.db.query<{ kind: string; id: string; name: string }>(
        `select distinct on (kind, id) kind, id, name from sidebar_names where lang = any($1::text[])
         order by kind, id, array_position($1::text[], lang)`,
        [chain],
      );
      const named = new Map(rows.map((r) => [`${r.kind}:${r.id}`, r.name]));
      return full.sports.map((s) => [named.get(`sport:${s.sport_id}`) ?? s.sport, s.leagues.map((l) => named.get(`league:${l.league_id}`) ?? l.league)]);
    }
    const namesOf = (sidebar: Sidebar) => sidebar.sports.map((s) => [s.sport, s.leagues.map((l) => l.league)]);

    it('?lang=es, pt-BR, de: every name as SQL resolves it from the configuration, the rest the default; Content-Language says which', async () => {
      const full = await fetch(`${base}${paths.sidebar}`).then(body);
      for (const lang of ['es', 'pt-BR', 'de']) {
        const { res, sidebar } = await inLang(`lang=${lang}`);
        expect(res.headers.get('content-language')).toBe(lang);
        expect(namesOf(sidebar)).toEqual(await namesBySql(lang, full));
        expect(sidebar.totals).toEqual(full.totals);
      }
      const es = (await inLang('lang=es')).sidebar;
      expect(es.sports.find((s) => s.sport_id === 'soccer')?.sport).toBe('Fútbol');
      // A league with no Spanish name keeps its own: a missing translation is the default name.
      expect(es.sports.find((s) => s.sport_id === 'soccer')?.leagues.find((l) => l.league_id === 'la_liga')?.league).toBe('La Liga');
      expect(es.sports.find((s) => s.sport_id === 'soccer')?.leagues.find((l) => l.league_id === 'epl')?.region).toBe('Inglaterra');
    });

    it('pt-PT falls back to pt, then to the default name; a language without names is the default sidebar (same ETag), never an error', async () => {
      const full = await fetch(`${base}${paths.sidebar}`);
      const fullBody = (await full.json()) as Sidebar;
      const { res, sidebar } = await inLang('lang=pt-PT');
      expect(res.headers.get('content-language')).toBe('pt');
      expect(namesOf(sidebar)).toEqual(await namesBySql('pt-PT', fullBody));
      expect(sidebar.sports.find((s) => s.sport_id === 'basketball')?.sport).toBe('Basquetebol');
      expect(sidebar.sports.find((s) => s.sport_id === 'soccer')?.sport).toBe(fullBody.sports.find((s) => s.sport_id === 'soccer')?.sport);
      const french = await fetch(`${base}${paths.sidebar}?lang=fr-CA`);
      expect(french.status).toBe(200);
      expect(french.headers.get('etag')).toBe(full.headers.get('etag'));
      expect(french.headers.get('content-language')).toBe('en');
      expect(full.headers.get('content-language')).toBe('en');
    });

    it('a language combines with the other parameters, is served by the hot path, and a malformed tag is a 400 naming lang', async () => {
      const url = `${base}${paths.sidebar}?window=live&group=region&lang=es`;
      const first = await fetch(url);
      expect(first.headers.get('surrogate-key')).toBe('sidebar sidebar:window=live&group=region&lang=es');
      const again = await fetch(url);
      expect(again.headers.get('x-cache')).toBe('HIT');
      expect(again.headers.get('server-timing')).toMatch(/desc="memory"/);
      expect(again.headers.get('content-language')).toBe('es');
      const grouped = (await again.json()) as RegionSidebar;
      expect(grouped.sports.flatMap((s) => s.regions.map((r) => r.region))).not.toContain('England');
      for (const bad of ['en_US', 'english', `en-${'a'.repeat(9)}`]) {
        const res = await fetch(`${base}${paths.sidebar}?lang=${bad}`);
        expect(res.status).toBe(400);
        expect(((await res.json()) as { message: string }).message).toMatch(/^querystring\/lang must /);
      }
    });

    it('names are configuration: a new translation shows at the next refresh', async () => {
      await fixture.db.db.query(`insert into sidebar_names (kind, id, lang, name) values ('league', 'la_liga', 'es', 'LaLiga EA Sports')`);
      try {
        expect((await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin })).statusCode).toBe(200);
        const { sidebar } = await inLang('lang=es');
        expect(sidebar.sports.find((s) => s.sport_id === 'soccer')?.leagues.find((l) => l.league_id === 'la_liga')?.league).toBe('LaLiga EA Sports');
      } finally {
        await fixture.db.db.query(`delete from sidebar_names where kind = 'league' and id = 'la_liga' and lang = 'es'`);
        await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin });
      }
    });
  });

  describe('jurisdictions', () => {
    const inJurisdiction = async (query: string) => {
      const res = await fetch(`${base}${paths.sidebar}?${query}`);
      return { res, sidebar: (await res.json()) as Sidebar };
    };
    const leaguesOf = (sidebar: Sidebar) =>
      sidebar.sports
        .flatMap((s) => s.leagues.map((l) => [`${s.sport_id}/${l.league_id}`, l.game_count, l.live_game_count, l.next_start] as const))
        .sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const isoSeconds = (d: Date | null) => (d ? `${d.toISOString().slice(0, 19)}Z` : null);

    /**
     * What `code` shows, as the test's own query over odds_events counts it from the rule tables:
     * [league, games, live, next start] per league. Blocklist: every game but those of the sports
     * and leagues its rules name; allowlist: only those; both: not the games involving a barred team.
     */
    async function jurisdictionBySql(code: string, refreshedAt: string, end = 'infinity') {
      const { rows } = await fixture.db.db.query<{ key: string; games: number; live: number; next: Date | null }>(
        `with j as (select * from sidebar_jurisdictions where code = $1),
         shown as (
           select e.* from odds_events e, j
           where e.status in ('scheduled', 'live')
             and (e.status = 'live' or e.commence_time >= now() - interval '12 hours')
             and e.commence_time < now() + (select event_horizon from sidebar_settings)
             and (j.mode = 'allowlist') = exists (
               select 1 from sidebar_jurisdiction_rules r
               where r.jurisdiction = j.code and r.kind in ('sport', 'league') and r.value = case r.kind when 'sport' then e.sport_id else e.league_id end)
             and not exists (
               select 1 from sidebar_jurisdiction_rules r
               where r.jurisdiction = j.code and r.kind = 'team' and upper(r.value) in (upper(e.home_team), upper(e.away_team)))
         )
         select sport_id || '/' || league_id as key,
                count(*) filter (where status = 'live' or commence_time < $3::timestamptz)::int as games,
                count(*) filter (where status = 'live')::int as live,
                min(commence_time) filter (where commence_time > $2::timestamptz and commence_time < $3::timestamptz) as next
         from shown
         group by sport_id, league_id
         having count(*) filter (where status = 'live' or commence_time < $3::timestamptz) > 0
         order by 1`,
        [code, refreshedAt, end],
      );
      return rows.map((r) => [r.key, r.games, r.live, isoSeconds(r.next)]);
    }

    beforeAll(async () => {
      // New Jersey's college teams (seeded rules), on either side, in any case, both at once, and
      // a league whose only game involves one; Pennsylvania's banned esports.
      const events: Array<[string, string, string, string, number, string]> = [
        ['j-home', 'ncaab', 'Rutgers Scarlet Knights', 'Duke Blue Devils', 2, 'scheduled'],
        ['j-away', 'ncaab', 'Duke Blue Devils', 'seton hall pirates', 1, 'scheduled'],
        ['j-both', 'ncaab', 'Princeton Tigers', 'Seton Hall Pirates', -1, 'live'],
        ['j-next', 'ncaab', 'Monmouth Hawks', 'Kentucky Wildcats', 0.5, 'scheduled'],
        ['j-shown', 'ncaab', 'Duke Blue Devils', 'Kentucky Wildcats', 3, 'scheduled'],
        ['j-shown-late', 'ncaab', 'Kentucky Wildcats', 'Duke Blue Devils', 30, 'scheduled'],
        ['j-only', 'j-college', 'NJIT Highlanders', 'Kentucky Wildcats', 4, 'scheduled'],
      ];
      for (const [id, league, home, away, hours, status] of events)
        await fixture.db.db.query(
          `insert into odds_events (id, sport_id, sport, league_id, league, home_team, away_team, commence_time, status)
           values ($1, 'basketball', 'Basketball', $2, upper($2), $3, $4, now() + $5::double precision * interval '1 hour', $6)`,
          [id, league, home, away, hours, status],
        );
      await insertEvents(fixture.db.db, [
        { id: 'j-esports', sport: 'esports', league: 'lol', leagueName: 'League of Legends', home: 'T1', away: 'Gen.G', hoursFromNow: 2 },
      ]);
      expect((await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin })).statusCode).toBe(200);
    });
    afterAll(async () => {
      await fixture.db.db.query(`delete from odds_events where id like 'j-%'`);
      await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin });
    });

    it.each(['US-NJ', 'US-PA', 'FR', 'GB'])('?jurisdiction=%s: every league counted as SQL counts what its rules leave, totals their sums', async (code) => {
      const { res, sidebar } = await inJurisdiction(`jurisdiction=${code}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('surrogate-key')).toBe(`sidebar sidebar:jurisdiction=${code}`);
      expect(leaguesOf(sidebar)).toEqual(await jurisdictionBySql(code, String(sidebar.refreshed_at)));
      const leagues = leaguesOf(sidebar);
      expect([sidebar.totals.leagues, sidebar.totals.game_count, sidebar.totals.live_game_count]).toEqual([
        leagues.length,
        leagues.reduce((n, [, games]) => n + games, 0),
        leagues.reduce((n, [, , live]) => n + live, 0),
      ]);
    });

    it("a game involving a New Jersey college team is left out there and counted in Great Britain; New Jersey's next start is its next game still shown", async () => {
      const [nj, gb] = await Promise.all([inJurisdiction('jurisdiction=US-NJ'), inJurisdiction('jurisdiction=GB')]);
      const ncaab = (sidebar: Sidebar) => sidebar.sports.find((s) => s.sport_id === 'basketball')?.leagues.find((l) => l.league_id === 'ncaab');
      // Four of the six involve a barred team (one game with two of them counts once).
      expect([ncaab(gb.sidebar)?.game_count, ncaab(gb.sidebar)?.live_game_count]).toEqual([6, 1]);
      expect([ncaab(nj.sidebar)?.game_count, ncaab(nj.sidebar)?.live_game_count]).toEqual([2, 0]);
      const { rows } = await fixture.db.db.query<{ id: string; at: Date }>(`select id, commence_time as at from odds_events where id in ('j-next', 'j-shown')`);
      const start = (id: string) => isoSeconds(rows.find((r) => r.id === id)?.at ?? null);
      expect(ncaab(gb.sidebar)?.next_start).toBe(start('j-next'));
      expect(ncaab(nj.sidebar)?.next_start).toBe(start('j-shown'));
      // A league whose only game is barred is not listed there.
      const listed = (sidebar: Sidebar) => sidebar.sports.flatMap((s) => s.leagues.map((l) => l.league_id));
      expect(listed(gb.sidebar)).toContain('j-college');
      expect(listed(nj.sidebar)).not.toContain('j-college');
      // The full sidebar is Great Britain's: no rules there.
      expect(gb.sidebar.sports).toEqual((await fetch(`${base}${paths.sidebar}`).then(body)).sports);
    });

    it('an allowlist jurisdiction (FR) shows only the competitions it lists; a sport ban (US-PA esports) hides the sport there only', async () => {
      const [fr, pa, nj] = await Promise.all(['FR', 'US-PA', 'US-NJ'].map((code) => inJurisdiction(`jurisdiction=${code}`)));
      const { rows } = await fixture.db.db.query<{ value: string }>(
        `select value from sidebar_jurisdiction_rules where jurisdiction = 'FR' and kind = 'league'`,
      );
      const allowed = new Set(rows.map((r) => r.value));
      const frLeagues = fr?.sidebar.sports.flatMap((s) => s.leagues.map((l) => l.league_id)) ?? [];
      expect(frLeagues.length).toBeGreaterThan(0);
      expect(frLeagues.every((league) => allowed.has(league))).toBe(true);
      expect(frLeagues).toContain('nba');
      const sportsOf = (sidebar: Sidebar | undefined) => sidebar?.sports.map((s) => s.sport_id);
      expect(sportsOf(pa?.sidebar)).not.toContain('esports');
      expect(sportsOf(nj?.sidebar)).toContain('esports');
      expect(sportsOf(fr?.sidebar)).not.toContain('curling');
    });

    it('combines with a window: next_24h in New Jersey is counted as SQL counts it', async () => {
      const { sidebar } = await inJurisdiction('window=next_24h&jurisdiction=US-NJ&lang=es');
      const refreshedAt = String(sidebar.refreshed_at);
      const end = new Date(Date.parse(refreshedAt) + 24 * 3600_000).toISOString();
      expect(leaguesOf(sidebar)).toEqual(await jurisdictionBySql('US-NJ', refreshedAt, end));
      // j-shown-late (in 30 hours) is shown in New Jersey, but not within the 24 hours.
      const ncaab = sidebar.sports.find((s) => s.sport_id === 'basketball')?.leagues.find((l) => l.league_id === 'ncaab');
      expect(ncaab?.game_count).toBe(1);
      expect(sidebar.sports.find((s) => s.sport_id === 'basketball')?.sport).toBe('Baloncesto');
    });

    it('an unknown jurisdiction is a 400 listing the known ones, on the route and the stream, never the unfiltered sidebar; any case is one variant', async () => {
      for (const url of [`${paths.sidebar}?jurisdiction=DE`, `${paths.sidebar}?window=live&jurisdiction=US-NV`, `${paths.stream}?jurisdiction=DE`]) {
        for (let i = 0; i < 2; i++) {
          // Asked twice: the hot path never answers a URL the route refused.
          const res = await fetch(`${base}${url}`);
          expect(res.status).toBe(400);
          const error = (await res.json()) as { statusCode: number; message: string };
          expect(error).toMatchObject({ statusCode: 400, message: 'querystring/jurisdiction must be one of the known jurisdictions: FR, GB, US-NJ, US-PA' });
        }
      }
      for (const bad of ['USA-NJ', 'U', 'US_NJ', 'US-NJ-1', '%2F..']) {
        const res = await fetch(`${base}${paths.sidebar}?jurisdiction=${bad}`);
        expect(res.status).toBe(400);
        expect(((await res.json()) as { message: string }).message).toMatch(/^querystring\/jurisdiction must match pattern/);
      }
      const upper = await fetch(`${base}${paths.sidebar}?jurisdiction=US-NJ`);
      const lower = await fetch(`${base}${paths.sidebar}?jurisdiction=us-nj`);
      expect(lower.headers.get('etag')).toBe(upper.headers.get('etag'));
      expect(lower.headers.get('surrogate-key')).toBe('sidebar sidebar:jurisdiction=US-NJ');
      const again = await fetch(`${base}${paths.sidebar}?jurisdiction=us-nj`);
      expect(again.headers.get('x-cache')).toBe('HIT');
      expect(again.headers.get('server-timing')).toMatch(/desc="memory"/);
    });

    it('rules are configuration: a new jurisdiction and its rules take effect together at the next refresh, not before', async () => {
      await fixture.db.db.query(`insert into sidebar_jurisdictions (code, name, mode) values ('US-NY', 'New York', 'blocklist')`);
      await fixture.db.db.query(
        `insert into sidebar_jurisdiction_rules (jurisdiction, kind, value) values ('US-NY', 'team', 'Duke Blue Devils'), ('US-NY', 'league', 'euroleague')`,
      );
      try {
        // Not known before the refresh that counts with its rules: refused, not the unfiltered tree.
        expect((await fetch(`${base}${paths.sidebar}?jurisdiction=US-NY`)).status).toBe(400);
        expect((await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin })).statusCode).toBe(200);
        const { res, sidebar } = await inJurisdiction('jurisdiction=US-NY');
        expect(res.status).toBe(200);
        expect(leaguesOf(sidebar)).toEqual(await jurisdictionBySql('US-NY', String(sidebar.refreshed_at)));
        const basketball = sidebar.sports.find((s) => s.sport_id === 'basketball');
        expect(basketball?.leagues.map((l) => l.league_id)).not.toContain('euroleague');
        expect(basketball?.leagues.find((l) => l.league_id === 'ncaab')?.game_count).toBe(2);
      } finally {
        await fixture.db.db.query(`delete from sidebar_jurisdictions where code = 'US-NY'`);
        await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin });
      }
      expect((await fetch(`${base}${paths.sidebar}?jurisdiction=US-NY`)).status).toBe(400);
    });
  });

  describe('time windows', () => {
    const zones = ['UTC', 'Asia/Kathmandu', 'America/Los_Angeles'] as const;
    /** Where `tz`'s calendar day of `at` ends, by PostgreSQL's own time zone rules (not the service's library). */
    const dayEnd = (tz: string) => `((date_trunc('day', $1::timestamptz at time zone '${tz}') + interval '1 day') at time zone '${tz}')`;
    const isoSeconds = (d: Date | null) => (d ? `${d.toISOString().slice(0, 19)}Z` : null);

    /** The window as the test's own query over odds_events counts it: [league, games, live, next start] per league, from refreshed_at. */
    async function windowBySql(end: string, refreshedAt: string) {
      const { rows } = await fixture.db.db.query<{ key: string; games: number; live: number; next: Date | null }>(
        `with w as (select $1::timestamptz as ref, ${end} as end_at)
         select sport_id || '/' || league_id as key,
                count(*) filter (where status = 'live' or commence_time < w.end_at)::int as games,
                count(*) filter (where status = 'live')::int as live,
                min(commence_time) filter (where commence_time > w.ref and commence_time < w.end_at) as next
         from odds_events, w
         where status in ('scheduled', 'live')
           and (status = 'live' or commence_time >= now() - interval '12 hours')
           and commence_time < now() + (select event_horizon from sidebar_settings)
         group by sport_id, league_id, w.end_at
         having count(*) filter (where status = 'live' or commence_time < w.end_at) > 0
         order by 1`,
        [refreshedAt],
      );
      return rows.map((r) => [r.key, r.games, r.live, isoSeconds(r.next)]);
    }

    const leaguesOf = (sidebar: Sidebar) =>
      sidebar.sports
        .flatMap((s) => s.leagues.map((l) => [`${s.sport_id}/${l.league_id}`, l.game_count, l.live_game_count, l.next_start] as const))
        .sort((a, b) => (a[0] < b[0] ? -1 : 1));

    beforeAll(async () => {
      // Games on both sides of each window's end: the next 24 hours' (a minute either side: the
      // refresh comes seconds after now), and each zone's end of today, to the second.
      const { rows } = await fixture.db.db.query<Record<string, Date>>(
        `select now() as now, ${zones.map((tz, i) => `${dayEnd(tz).replace('$1::timestamptz', 'now()')} as z${i}`).join(', ')}`,
      );
      const at = rows[0] as Record<string, Date>;
      const now = (at.now as Date).getTime();
      const events: Array<[string, string, Date, string]> = [
        ['w-started', 'w-misc', new Date(now - 3600_000), 'scheduled'], // not marked live yet
        ['w-live', 'w-misc', new Date(now - 600_000), 'live'],
        ['w-24-in', 'w-24', new Date(now + 24 * 3600_000 - 60_000), 'scheduled'],
        ['w-24-out', 'w-24', new Date(now + 24 * 3600_000 + 60_000), 'scheduled'],
      ];
      zones.forEach((tz, i) => {
        const end = at[`z${i}`] as Date;
        events.push([`w-${tz}-in`, `w-${tz}`, new Date(end.getTime() - 1000), 'scheduled'], [`w-${tz}-at`, `w-${tz}`, end, 'scheduled']);
      });
      for (const [id, league, start, status] of events)
        await fixture.db.db.query(
          `insert into odds_events (id, sport_id, sport, league_id, league, commence_time, status) values ($1, 'windows', 'Windows', $2, $2, $3, $4)`,
          [id, league, start, status],
        );
      expect((await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin })).statusCode).toBe(200);
    });
    afterAll(async () => {
      await fixture.db.db.query(`delete from odds_events where sport_id = 'windows'`);
      await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin });
    });

    it('next_24h: every league counted as SQL counts it from refreshed_at, a game a minute past the 24 hours left out', async () => {
      const sidebar = await fetch(`${base}${paths.sidebar}?window=next_24h`).then(body);
      const refreshedAt = String(sidebar.refreshed_at);
      expect(leaguesOf(sidebar)).toEqual(await windowBySql(`$1::timestamptz + interval '24 hours'`, refreshedAt));
      expect(leaguesOf(sidebar).find(([key]) => key === 'windows/w-24')?.[1]).toBe(1);
      expect(
        leaguesOf(sidebar)
          .find(([key]) => key === 'windows/w-misc')
          ?.slice(1, 3),
      ).toEqual([2, 1]); // started, not yet live: in
      const leagues = leaguesOf(sidebar);
      const totals = [leagues.reduce((n, [, games]) => n + games, 0), leagues.reduce((n, [, , live]) => n + live, 0)];
      expect([sidebar.totals.game_count, sidebar.totals.live_game_count]).toEqual(totals);
    });

    it.each(zones)('today in %s: every league counted as SQL counts it up to the end of the day there; a game exactly at the end is left out', async (tz) => {
      const sidebar = await fetch(`${base}${paths.sidebar}?window=today&tz=${tz}`).then(body);
      const refreshedAt = String(sidebar.refreshed_at);
      expect(leaguesOf(sidebar)).toEqual(await windowBySql(dayEnd(tz), refreshedAt));
      // The day the games were placed around is still the day of refreshed_at (not when the test runs across midnight there): one of the two is in.
      const { rows } = await fixture.db.db.query<{ same: boolean }>(`select ${dayEnd(tz)} = (select commence_time from odds_events where id = $2) as same`, [
        refreshedAt,
        `w-${tz}-at`,
      ]);
      if (rows[0]?.same) expect(leaguesOf(sidebar).find(([key]) => key === `windows/w-${tz}`)?.[1]).toBe(1);
    });

    it("a zone's day differs from UTC's: Kathmandu's today ends at 18:15 UTC, Los Angeles' at 07:00 or 08:00 UTC", async () => {
      const [utc, kathmandu, angeles] = await Promise.all(zones.map((tz) => fetch(`${base}${paths.sidebar}?window=today&tz=${tz}`).then(body)));
      const count = (sidebar: Sidebar | undefined, league: string) =>
        sidebar?.sports.find((s) => s.sport_id === 'windows')?.leagues.find((l) => l.league_id === league)?.game_count ?? 0;
      // Each zone's boundary pair: both in where the day ends later, one where it ends there, none where earlier.
      const ends = await fixture.db.db.query<Record<string, Date>>(`select ${zones.map((tz, i) => `${dayEnd(tz)} as z${i}`).join(', ')}`, [utc?.refreshed_at]);
      const end = ends.rows[0] as Record<string, Date>;
      const expected = (zoneEnd: Date, pairEnd: Date) =>
        pairEnd < zoneEnd ? 2 : pairEnd.getTime() === zoneEnd.getTime() ? 1 : pairEnd.getTime() - 1000 < zoneEnd.getTime() ? 1 : 0;
      const sidebars = [utc, kathmandu, angeles];
      for (const [i] of zones.entries())
        for (const [j, tz] of zones.entries()) expect(count(sidebars[i], `w-${tz}`)).toBe(expected(end[`z${i}`] as Date, end[`z${j}`] as Date));
      expect(new Set(sidebars.map((s) => s?.totals.game_count)).size).toBeGreaterThan(1);
    });

    it('a zone named in any case, and zones whose day ends together, are one variant (same bytes, same tag); tz is ignored by the other windows; a zone that does not exist is a 400 naming tz', async () => {
      const canonical = await fetch(`${base}${paths.sidebar}?window=today&tz=Asia/Tokyo`);
      const lower = await fetch(`${base}${paths.sidebar}?window=today&tz=asia/tokyo`);
      const seoul = await fetch(`${base}${paths.sidebar}?window=today&tz=Asia/Seoul`);
      expect(lower.headers.get('etag')).toBe(canonical.headers.get('etag'));
      expect(seoul.headers.get('etag')).toBe(canonical.headers.get('etag'));
      expect(await seoul.text()).toBe(await canonical.text());
      // UTC+9 all year: Etc/GMT-9 stands for both.
      expect(lower.headers.get('surrogate-key')).toBe('sidebar sidebar:window=today&tz=Etc/GMT-9');
      expect(seoul.headers.get('surrogate-key')).toBe('sidebar sidebar:window=today&tz=Etc/GMT-9');
      const utc = await fetch(`${base}${paths.sidebar}?window=today`);
      expect(utc.headers.get('surrogate-key')).toBe('sidebar sidebar:window=today&tz=UTC');
      const live = await fetch(`${base}${paths.sidebar}?window=live&tz=Asia/Tokyo`);
      expect(live.headers.get('surrogate-key')).toBe('sidebar sidebar:window=live');
      for (const bad of ['Mars/Olympus', '%2B05:30', '..%2Fetc', 'x'.repeat(65)]) {
        const res = await fetch(`${base}${paths.sidebar}?window=today&tz=${bad}`);
        expect(res.status).toBe(400);
        expect(((await res.json()) as { message: string }).message).toMatch(/^querystring\/tz must /);
      }
    });
  });
});
