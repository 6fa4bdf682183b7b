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
}

export type RefreshTrigger = 'scheduler' | 'manual' | 'startup' | 'import';

/** A row of sidebar_refresh_log. */
export interface RefreshLogRow {
  id: number;
  started_at: Date;
  finished_at: Date;
  duration_ms: number;
  row_count: number | null;
  status: 'success' | 'error' | 'skipped';
  error_message: string | null;
  trigger: RefreshTrigger;
  alert_triggered: boolean;
  alert_threshold_ms: number;
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

// sidebar_data and sidebar_source have the same columns: the matview is `select * from sidebar_source`.
const sidebarColumns = `sport_id, sport, sport_icon, sport_priority, league_id, league, league_icon,
  league_priority, game_count, live_game_count, next_start, sport_rank, league_rank`;

const selectSidebarData = `select ${sidebarColumns} from sidebar_data order by sport_rank, league_rank`;
const selectSidebarSource = `select ${sidebarColumns} from sidebar_source order by sport_rank, league_rank`;

const selectViewState = `
  select
    coalesce((select relispopulated from pg_class where oid = to_regclass('sidebar_data')), false) as populated,
    (select max(finished_at) from sidebar_refresh_log where status = 'success') as last_success_at`;

const callRefresh = 'select * from refresh_sidebar_data($1, $2, $3)';

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

/** SQL only: one function per query, parameters always bound. */
export function createSidebarRepository(db: Queryable) {
  return {
    /** Throws when sidebar_data is missing or not yet populated. */
    async readView(): Promise<SidebarRow[]> {
      return (await db.query<SidebarRow>(selectSidebarData)).rows;
    },

    /** The same aggregation, computed from odds_events now. */
    async readSource(): Promise<SidebarRow[]> {
      return (await db.query<SidebarRow>(selectSidebarSource)).rows;
    },

    async viewState(): Promise<ViewState> {
      const { rows } = await db.query<ViewState>(selectViewState);
      return rows[0] ?? { populated: false, last_success_at: null };
    },

    async refresh(trigger: RefreshTrigger, alertSeconds: number, minIntervalSeconds: number | null = null): Promise<RefreshLogRow> {
      const { rows } = await db.query<RefreshLogRow>(callRefresh, [trigger, alertSeconds, minIntervalSeconds]);
      const row = rows[0];
      if (!row) throw new Error('refresh_sidebar_data() returned no row');
      return row;
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
