import type { League, Region, RegionSidebar, RegionSport, Sidebar, SidebarParams, Sport } from '@sportsbook/sidebar-client';
import { ChevronRight, Radio, Trophy } from 'lucide-react';
import { type ReactNode, useId, useState } from 'react';
import { type UseSidebarOptions, useSidebar } from './use-sidebar.js';

/** The words the component shows, for the platform's languages. */
export interface SidebarLabels {
  title: string;
  live: string;
  /** The games count, for screen readers: "12 games, 3 live". */
  games: (games: number, live: number) => string;
  stale: string;
  staleDetail: string;
  loading: string;
  empty: string;
  error: string;
  noRegion: string;
}

export const defaultLabels: SidebarLabels = {
  title: 'Sports',
  live: 'Live',
  games: (games, live) => `${games} ${games === 1 ? 'game' : 'games'}${live > 0 ? `, ${live} live` : ''}`,
  stale: 'Not updating',
  staleDetail: 'The sidebar service cannot be reached: these counts may be out of date.',
  loading: 'Loading sports',
  empty: 'No games open right now.',
  error: 'The sports list is unavailable.',
  noRegion: 'Other',
};

export interface SportsSidebarProps extends Omit<UseSidebarOptions, 'initialData'> {
  /** Which sidebar: window, tz, group, lang, jurisdiction. */
  params?: SidebarParams;
  /** The sidebar of those parameters fetched on the server (getSidebar in a Server Component): in the HTML, and the stream resumes from it. */
  initialData?: Sidebar | RegionSidebar;
  /** A league chosen (a click, or Enter on it). Without it leagues are not actionable. */
  onSelectLeague?: (league: League, sport: Sport | RegionSport) => void;
  /** The href of a league, when leagues are links. */
  leagueHref?: (league: League, sport: Sport | RegionSport) => string;
  /** A sport's icon: default its configured icon (an emoji), else Lucide's trophy. */
  renderIcon?: (sport: Sport | RegionSport) => ReactNode;
  labels?: Partial<SidebarLabels>;
  /** Sports expanded at first (sport_ids). */
  defaultExpanded?: string[];
  className?: string;
}

/**
 * The sports sidebar: sports in the API's order, each a disclosure (WAI-ARIA: a button with
 * aria-expanded controlling its list) of its leagues, or of its regions and their leagues with
 * group=region; game counts, live badges, a skeleton while loading, the last data with a
 * "Not updating" marker when the service cannot be reached, live updates from the stream.
 * Styles: import '@sportsbook/sidebar-react/styles.css' (class names sbs-*), or your own.
 */
export function SportsSidebar({
  params = {},
  onSelectLeague,
  leagueHref,
  renderIcon,
  labels,
  defaultExpanded = [],
  className,
  ...options
}: SportsSidebarProps) {
  const words = { ...defaultLabels, ...labels };
  const { sidebar, isLoading, error, stale } = useSidebar(params, options as UseSidebarOptions);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set(defaultExpanded));
  const titleId = useId();
  const toggle = (sportId: string) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (next.has(sportId)) next.delete(sportId);
      else next.add(sportId);
      return next;
    });

  let body: ReactNode;
  if (isLoading) {
    body = (
      <div className="sbs-skeleton" role="status" aria-label={words.loading}>
        {[0, 1, 2, 3, 4, 5].map((i) => (
          <div key={i} className="sbs-skeleton-row" />
        ))}
      </div>
    );
  } else if (!sidebar) {
    body = (
      <p className="sbs-message" role="alert">
        {words.error}
      </p>
    );
  } else if (sidebar.sports.length === 0) {
    body = <p className="sbs-message">{words.empty}</p>;
  } else {
    body = (
      <ul className="sbs-sports">
        {sidebar.sports.map((sport) => (
          <SportItem
            key={sport.sport_id}
            sport={sport}
            open={expanded.has(sport.sport_id)}
            onToggle={() => toggle(sport.sport_id)}
            icon={renderIcon ? renderIcon(sport) : sport.icon ? <span aria-hidden="true">{sport.icon}</span> : <Trophy aria-hidden="true" size={18} />}
            words={words}
            onSelectLeague={onSelectLeague}
            leagueHref={leagueHref}
          />
        ))}
      </ul>
    );
  }

  return (
    <nav className={['sbs', className].filter(Boolean).join(' ')} aria-labelledby={titleId} aria-busy={isLoading}>
      <div className="sbs-header">
        <h2 id={titleId} className="sbs-title">
          {words.title}
        </h2>
        {stale && (
          <span className="sbs-stale" role="status" title={words.staleDetail} data-error={error?.message}>
            {words.stale}
          </span>
        )}
      </div>
      {body}
    </nav>
  );
}

function Counts({ games, live, words }: { games: number; live: number; words: SidebarLabels }) {
  return (
    <span className="sbs-counts">
      {live > 0 && (
        <span className="sbs-live" aria-hidden="true">
          <Radio size={12} />
          {live}
        </span>
      )}
      <span className="sbs-count" aria-hidden="true">
        {games}
      </span>
      <span className="sbs-sr">{words.games(games, live)}</span>
    </span>
  );
}

interface SportItemProps {
  sport: Sport | RegionSport;
  open: boolean;
  onToggle: () => void;
  icon: ReactNode;
  words: SidebarLabels;
  onSelectLeague?: SportsSidebarProps['onSelectLeague'];
  leagueHref?: SportsSidebarProps['leagueHref'];
}

function SportItem({ sport, open, onToggle, icon, words, onSelectLeague, leagueHref }: SportItemProps) {
  const panelId = useId();
  const leagues = (list: League[]) => (
    <ul className="sbs-leagues">
      {list.map((league) => (
        <li key={league.league_id} className="sbs-league" data-league-id={league.league_id}>
          <LeagueEntry league={league} sport={sport} words={words} onSelectLeague={onSelectLeague} leagueHref={leagueHref} />
        </li>
      ))}
    </ul>
  );
  return (
    <li className="sbs-sport" data-sport-id={sport.sport_id}>
      <button type="button" className="sbs-sport-button" aria-expanded={open} aria-controls={panelId} onClick={onToggle}>
        <ChevronRight aria-hidden="true" size={16} className="sbs-chevron" />
        <span className="sbs-icon">{icon}</span>
        <span className="sbs-name">{sport.sport}</span>
        <Counts games={sport.game_count} live={sport.live_game_count} words={words} />
      </button>
      <div id={panelId} className="sbs-panel" hidden={!open}>
        {'regions' in sport
          ? sport.regions.map((region: Region) => (
              <section key={region.region_id ?? ''} className="sbs-region" aria-label={region.region ?? words.noRegion}>
                <h3 className="sbs-region-name">
                  <span className="sbs-name">{region.region ?? words.noRegion}</span>
                  <Counts games={region.game_count} live={region.live_game_count} words={words} />
                </h3>
                {leagues(region.leagues)}
              </section>
            ))
          : leagues(sport.leagues)}
      </div>
    </li>
  );
}

function LeagueEntry({
  league,
  sport,
  words,
  onSelectLeague,
  leagueHref,
}: {
  league: League;
  sport: Sport | RegionSport;
  words: SidebarLabels;
  onSelectLeague?: SportsSidebarProps['onSelectLeague'];
  leagueHref?: SportsSidebarProps['leagueHref'];
}) {
  const content = (
    <>
      <span className="sbs-name">{league.league}</span>
      <Counts games={league.game_count} live={league.live_game_count} words={words} />
    </>
  );
  if (leagueHref) {
    return (
      <a
        className="sbs-league-entry"
        href={leagueHref(league, sport)}
        onClick={
          onSelectLeague &&
          ((event) => {
            event.preventDefault();
            onSelectLeague(league, sport);
          })
        }
      >
        {content}
      </a>
    );
  }
  if (onSelectLeague) {
    return (
      <button type="button" className="sbs-league-entry" onClick={() => onSelectLeague(league, sport)}>
        {content}
      </button>
    );
  }
  return <span className="sbs-league-entry">{content}</span>;
}
