export const eventStatuses = ['scheduled', 'live', 'completed', 'cancelled', 'postponed'] as const;
export type EventStatus = (typeof eventStatuses)[number];

/** One row of odds_events, as written by generators and feeds. */
export interface OddsEvent {
  id: string;
  sport_id: string;
  sport: string;
  league_id: string;
  league: string;
  home_team: string | null;
  away_team: string | null;
  commence_time: Date;
  status: EventStatus;
  source: string;
  /** True when the status was guessed from the start time rather than stated by the feed. */
  status_inferred?: boolean;
}
