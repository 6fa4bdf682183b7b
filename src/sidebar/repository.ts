import type { RefreshLog, RefreshTrigger } from '../contract/index.js';
import type { Queryable } from '../db/index.js';

/** One (sport, league) row of sidebar_data or sidebar_source, already ranked by the SQL. */
export interface SidebarRow {
  sport_id: string;
  sport: string;
  sport_icon: string | null;
  sport_priority: number | null;
  league_id: string;
  league: string;
  league_icon: string | null;
  league_priority: number | null;
  game_count: number;
  live_game_count: number;
  next_start: Date | null;
  sport_rank: number;
  league_rank: number;
  /**
   * The league's games not yet live starting within 26 hours of the refresh, as [epoch seconds
   * (rounded down), games] in time order (sidebar_league_windows): what the time windows sum.
   */
  starts: Array<[number, number]>;
  /** The league's region (sidebar_league_regions): its id, display name and priority; null when it has none. */
  region_id: string | null;
  region: string | null;
  region_priority: number | null;
  /** Names per language, {lang: name} (sidebar_names); null when there are none. */
  sport_names: Record<string, string> | null;
  league_names: Record<string, string> | null;
  region_names: Record<string, string> | null;
  /**
   * What each jurisdiction hides of the league (sidebar_rows), every jurisdiction a key:
   * 'hidden' the whole league, null nothing, else the games its team rules hide.
   */
  jurisdictions: Record<string, 'hidden' | HiddenGamesRow | null>;
}

/** The games of a league a jurisdiction's team rules hide (sidebar_hidden_leagues), as the database gives them: next_start and starts in epoch seconds. */
export interface HiddenGamesRow {
  game_count: number;
  live_game_count: number;
  /** The league's next start among the games the jurisdiction still shows. */
  next_start: number | null;
  starts: Array<[number, number]>;
}

/** A row of sidebar_refresh_log as the driver returns it (the API's RefreshLog, with Dates). */
export type RefreshLogRow = Omit<RefreshLog, 'started_at' | 'finished_at' | 'trigger'> & {
  started_at: Date;
  finished_at: Date;
  trigger: RefreshTrigger;
};

/** The version of sidebar_data: the id of the refresh that made it (sidebar_data_version()). */
export interface ViewVersion {
  version: number;
  refreshed_at: Date;
}

/** sidebar_data at one version, read in one statement so rows and version agree. */
export interface VersionedRows {
  /** null when the view was populated without refresh_sidebar_data() (no success logged). */
  version: ViewVersion | null;
  rows: SidebarRow[];
}

export interface RefreshSummary {
  refreshes: number;
  failures: number;
  avg_duration_ms: number | null;
  p95_duration_ms: number | null;
  alerts: number;
}

export interface ViewState {
  populated: boolean;
  last_success_at: Date | null;
}

// sidebar_data and sidebar_source have the same columns (both select sidebar_rows).
const sidebarColumns = `sport_id, sport, sport_icon, sport_priority, league_id, league, league_icon,
  league_priority, game_count, live_game_count, next_start, sport_rank, league_rank, starts, region_id, region, region_priority,
  sport_names, league_names, region_names, jurisdictions`;

// One statement, so one snapshot: the version is the one whose refresh produced these rows.
// The outer "one" row keeps the version when the view is empty (no open events anywhere).
const selectSidebarDataVersioned = `
  select v.version, v.refreshed_at, d.*
  from (select 1) as one
  left join sidebar_data_version() as v on true
  left join (select ${sidebarColumns} from sidebar_data) as d on true
  order by d.sport_rank, d.league_rank`;

// Through sidebar_source_rows(): the view, without JIT compilation.
const selectSidebarSource = `select ${sidebarColumns} from sidebar_source_rows() order by sport_rank, league_rank`;

const selectViewVersion = 'select version, refreshed_at from sidebar_data_version()';

const selectViewState = `
  select
    coalesce((select relispopulated from pg_class where oid = to_regclass('sidebar_data')), false) as populated,
    (select refreshed_at from sidebar_data_version()) as last_success_at`;

const callRefresh = 'select * from refresh_sidebar_data($1, $2, $3)';

// No row: nothing pending, a refresh within the gap, or one running elsewhere (refresh_sidebar_data_if_changed()).
const callRefreshIfChanged = 'select * from refresh_sidebar_data_if_changed($1, $2)';

const selectRecentRefreshes = 'select * from sidebar_refresh_log order by started_at desc, id desc limit $1';

// Skipped calls did no work, so they are counted apart and left out of the durations.
const selectRefreshSummary = `
  select
    (count(*) filter (where status <> 'skipped'))::integer                   as refreshes,
    (count(*) filter (where status = 'error'))::integer                      as failures,
    avg(duration_ms) filter (where status = 'success')                       as avg_duration_ms,
    percentile_cont(0.95) within group (order by duration_ms)
      filter (where status = 'success')                                      as p95_duration_ms,
    (count(*) filter (where alert_triggered))::integer                       as alerts
  from sidebar_refresh_log
  where started_at > now() - make_interval(hours => $1)`;

type VersionedRow = Partial<SidebarRow> & { version: number | null; refreshed_at: Date | null };

/**
 * SQL only: one function per query, parameters always bound. The sidebar's reads (the view,
 * the fallback, the version) go to `reads` (a read replica, or the same database); refreshes,
 * the refresh log and the view's state to `db`, the primary.
 */
export function createSidebarRepository(db: Queryable, options: { refreshTimeoutMs?: number; reads?: Queryable } = {}) {
  const reads = options.reads ?? db;
  return {
    /** sidebar_data and its version. Throws when the view is missing or not yet populated. */
    async readView(): Promise<VersionedRows> {
      const { rows } = await reads.query<VersionedRow>(selectSidebarDataVersioned);
      const first = rows[0];
      const version = first?.version != null && first.refreshed_at ? { version: first.version, refreshed_at: first.refreshed_at } : null;
      const data = rows.filter((r) => r.sport_id != null).map(({ version: _v, refreshed_at: _r, ...row }) => row as SidebarRow);
      return { version, rows: data };
    },

    /** The same aggregation, computed from odds_events now. */
    async readSource(): Promise<SidebarRow[]> {
      return (await reads.query<SidebarRow>(selectSidebarSource)).rows;
    },

    /** The current version: one row from a partial index, cheap enough to ask every second. */
    async readVersion(): Promise<ViewVersion | null> {
      const { rows } = await reads.query<ViewVersion>(selectViewVersion);
      return rows[0] ?? null;
    },

    async viewState(): Promise<ViewState> {
      const { rows } = await db.query<ViewState>(selectViewState);
      return rows[0] ?? { populated: false, last_success_at: null };
    },

    async refresh(trigger: RefreshTrigger, alertSeconds: number, minIntervalSeconds: number | null = null): Promise<RefreshLogRow> {
      const { rows } = await db.query<RefreshLogRow>(callRefresh, [trigger, alertSeconds, minIntervalSeconds], { timeoutMs: options.refreshTimeoutMs });
      const row = rows[0];
      if (!row) throw new Error('refresh_sidebar_data() returned no row');
      return row;
    },

    /** Refreshes when writes are pending and the last refresh is older than minGapSeconds; null when it did nothing. */
    async refreshIfChanged(minGapSeconds: number, alertSeconds: number): Promise<RefreshLogRow | null> {
      const { rows } = await db.query<RefreshLogRow>(callRefreshIfChanged, [minGapSeconds, alertSeconds], { timeoutMs: options.refreshTimeoutMs });
      return rows[0] ?? null;
    },

    async recentRefreshes(limit: number): Promise<RefreshLogRow[]> {
      return (await db.query<RefreshLogRow>(selectRecentRefreshes, [limit])).rows;
    },

    async refreshSummary(hours: number): Promise<RefreshSummary> {
      const { rows } = await db.query<RefreshSummary>(selectRefreshSummary, [hours]);
      return rows[0] as RefreshSummary;
    },
  };
}

export type SidebarRepository = ReturnType<typeof createSidebarRepository>;
