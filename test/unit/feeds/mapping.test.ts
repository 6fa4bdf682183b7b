import { describe, expect, it } from 'vitest';
import { findRecords } from '../../../src/feeds/extract.js';
import {
  defaultLiveWindows,
  groupFromSportKey,
  inferOddsApiStatus,
  isOddsApiEvent,
  isOddsApiSportsEntry,
  isOddsApiV3,
  liveWindowHours,
  liveWindowsWithDefault,
  mapOddsApiEvent,
  type OddsApiSport,
  readOddsApiSport,
} from '../../../src/feeds/odds-api.js';
import { isOpticFixture, mapOpticFixture } from '../../../src/feeds/optic.js';
import { FeedFileError, parseInput } from '../../../src/feeds/read.js';
import { parseFeedTime, slugify } from '../../../src/feeds/values.js';

const now = new Date('2026-11-25T12:00:00Z');
const hour = 3600_000;

describe('parseFeedTime', () => {
  it.each([
    ['2024-09-06T00:20:00Z', '2024-09-06T00:20:00.000Z'],
    ['2021-08-28T13:00:00-04:00', '2021-08-28T17:00:00.000Z'],
    [1720564560, '2024-07-09T22:36:00.000Z'],
    ['1720564560', '2024-07-09T22:36:00.000Z'],
    [1753101965115, '2025-07-21T12:46:05.115Z'],
    [1893456000.5, '2030-01-01T00:00:00.500Z'],
  ])('%j → %s', (input, iso) => {
    expect(parseFeedTime(input)?.toISOString()).toBe(iso);
  });

  it.each([['next tuesday'], [''], [null], [undefined], [{}], ['2024-13-45T99:99:99Z'], [Number.NaN]])('rejects %j', (input) => {
    expect(parseFeedTime(input)).toBeNull();
  });
});

describe('slugs and groups', () => {
  it('slugs group names', () => {
    expect(slugify('American Football')).toBe('americanfootball');
    expect(slugify('Mixed Martial Arts')).toBe('mixedmartialarts');
    expect(slugify('International - Tours', '_')).toBe('international_tours');
    expect(slugify('Brazil Série A', '_')).toBe('brazil_serie_a');
  });

  it.each([
    ['americanfootball_nfl', 'American Football'],
    ['icehockey_sweden_hockey_league', 'Ice Hockey'],
    ['mma_mixed_martial_arts', 'Mixed Martial Arts'],
    ['aussierules_afl', 'Aussie Rules'],
    ['rugbyleague_nrl', 'Rugby League'],
    ['cricket_ipl', 'Cricket'],
    ['curling_world', 'Curling'],
  ])('derives the group of %s from its prefix: %s', (key, group) => {
    expect(groupFromSportKey(key)).toBe(group);
  });

  it('the longest matching prefix wins, whatever order the windows are listed in', () => {
    const windows = { defaultHours: 3, byKeyPrefix: { a_b_c: 30, a: 10, a_b: 20 } };
    expect(liveWindowHours('a_b_c_d', windows)).toBe(30);
    expect(liveWindowHours('a_b_x', windows)).toBe(20);
    expect(liveWindowHours('a_x', windows)).toBe(10);
    expect(liveWindowHours('b', windows)).toBe(3);
  });

  it('FEED_LIVE_WINDOW_HOURS replaces the general window only', () => {
    expect(liveWindowsWithDefault(6)).toEqual({ defaultHours: 6, byKeyPrefix: defaultLiveWindows.byKeyPrefix });
  });

  it('gives cricket, test cricket and golf longer live windows', () => {
    expect(liveWindowHours('basketball_nba', defaultLiveWindows)).toBe(4);
    expect(liveWindowHours('cricket_ipl', defaultLiveWindows)).toBe(8);
    expect(liveWindowHours('cricket_test_match', defaultLiveWindows)).toBe(120);
    expect(liveWindowHours('golf_masters_tournament_winner', defaultLiveWindows)).toBe(12);
  });
});

describe('The Odds API status', () => {
  it.each([
    ['upcoming', 2, false, 'scheduled', true],
    ['started an hour ago', -1, false, 'live', true],
    ['started 5 hours ago', -5, false, 'completed', true],
    ['completed by a scores record', 2, true, 'completed', false],
    ['starting this instant', 0, false, 'live', true],
    ['exactly at the end of its live window', -4, false, 'completed', true],
    ['a millisecond before the end of its live window', -4 + 1 / 3_600_000, false, 'live', true],
  ])('%s → %s', (_name, hoursFromNow, completed, status, inferred) => {
    expect(inferOddsApiStatus(new Date(now.getTime() + hoursFromNow * hour), completed, 4, now)).toEqual({ status, inferred });
  });
});

describe('mapOddsApiEvent', () => {
  const sports = new Map<string, OddsApiSport>([['basketball_nba', { group: 'Basketball', title: 'NBA (listed)' }]]);
  const ctx = { sports, liveWindows: defaultLiveWindows, now };
  const base = { id: 'e1', sport_key: 'basketball_nba', sport_title: 'NBA', commence_time: '2026-11-26T00:00:00Z', home_team: 'A', away_team: 'B' };

  it('takes group and title from the sports list when it has the key', () => {
    expect(mapOddsApiEvent(base, ctx)).toMatchObject({
      id: 'e1',
      sport_id: 'basketball',
      sport: 'Basketball',
      league_id: 'basketball_nba',
      league: 'NBA (listed)',
      home_team: 'A',
      away_team: 'B',
      status: 'scheduled',
      status_inferred: true,
      source: 'the-odds-api',
    });
  });

  it('derives them from the key and sport_title without a list', () => {
    expect(mapOddsApiEvent({ ...base, sport_key: 'icehockey_nhl', sport_title: 'NHL' }, ctx)).toMatchObject({
      sport_id: 'icehockey',
      sport: 'Ice Hockey',
      league: 'NHL',
    });
  });

  it('accepts Unix seconds and missing teams', () => {
    const mapped = mapOddsApiEvent({ id: 'e2', sport_key: 'soccer_epl', commence_time: 1893456000 }, ctx);
    expect(mapped).toMatchObject({ commence_time: new Date('2030-01-01T00:00:00Z'), home_team: null, away_team: null, league: 'soccer_epl' });
  });

  it('reads legacy v3 records (sport_nice, teams)', () => {
    const v3 = {
      id: 'v3',
      sport_key: 'baseball_mlb',
      sport_nice: 'MLB',
      teams: ['Boston Red Sox', 'New York Yankees'],
      home_team: 'New York Yankees',
      commence_time: 1720564560,
    };
    expect(mapOddsApiEvent(v3, ctx)).toMatchObject({ league: 'MLB', home_team: 'New York Yankees', away_team: 'Boston Red Sox', status: 'completed' });
  });

  it('a scores record with completed: true is completed, not inferred; completed: "yes" is not a fact', () => {
    expect(mapOddsApiEvent({ ...base, completed: true }, ctx)).toMatchObject({ status: 'completed', status_inferred: false });
    expect(mapOddsApiEvent({ ...base, completed: 'yes' }, ctx)).toMatchObject({ status: 'scheduled', status_inferred: true });
  });

  it('v3 teams: the away team is the listed team that is not the home team, skipping blanks', () => {
    const v3 = { id: 'v3b', sport_key: 'baseball_mlb', sport_nice: 'MLB', commence_time: 1893456000 };
    expect(mapOddsApiEvent({ ...v3, teams: ['', 'Home', 'Away'], home_team: 'Home' }, ctx)).toMatchObject({ home_team: 'Home', away_team: 'Away' });
    expect(mapOddsApiEvent({ ...v3, teams: ['Home'], home_team: 'Home' }, ctx)).toMatchObject({ home_team: 'Home', away_team: null });
  });

  it('moves start times by shiftMs before inferring the status', () => {
    const mapped = mapOddsApiEvent({ ...base, commence_time: '2020-01-01T00:00:00Z' }, { ...ctx, shiftMs: 8 * 365 * 24 * hour });
    expect(mapped).toMatchObject({ status: 'scheduled' });
  });

  it.each([
    [{ ...base, id: undefined }, 'missing id'],
    [{ ...base, id: '  ' }, 'missing id'],
    [{ ...base, sport_key: undefined }, 'missing sport_key'],
    [{ ...base, commence_time: undefined }, 'missing commence_time'],
    [{ ...base, commence_time: 'soon' }, 'unparseable commence_time "soon"'],
    [{ ...base, commence_time: null }, 'missing commence_time'],
    [{ ...base, sport_key: '___' }, 'unusable sport group ""'],
  ])('rejects %j: %s', (record, reason) => {
    expect(mapOddsApiEvent(record as Record<string, unknown>, ctx)).toEqual({ reject: reason });
  });
});

describe('mapOpticFixture', () => {
  const base = {
    id: 'F1',
    start_date: '2026-11-26T01:00:00Z',
    home_team_display: 'Home',
    away_team_display: 'Away',
    status: 'unplayed',
    is_live: false,
    sport: { id: 'basketball', name: 'Basketball' },
    league: { id: 'nba', name: 'NBA' },
  };

  it.each([
    ['unplayed', 'scheduled'],
    ['Unplayed', 'scheduled'],
    ['delayed', 'scheduled'],
    ['live', 'live'],
    ['LIVE', 'live'],
    ['half', 'live'],
    ['suspended', 'live'],
    ['completed', 'completed'],
    ['cancelled', 'cancelled'],
  ])('status %s → %s', (status, expected) => {
    expect(mapOpticFixture({ ...base, status })).toMatchObject({ status: expected, status_inferred: false });
  });

  it('is_live makes an unplayed fixture live', () => {
    expect(mapOpticFixture({ ...base, is_live: true })).toMatchObject({ status: 'live' });
  });

  it('maps ids, names and teams', () => {
    expect(mapOpticFixture(base)).toMatchObject({
      id: 'F1',
      sport_id: 'basketball',
      sport: 'Basketball',
      league_id: 'nba',
      league: 'NBA',
      home_team: 'Home',
      away_team: 'Away',
      source: 'optic-odds',
    });
  });

  it('reads legacy OddsJam games: numeric ids, plain-string sport and league, no status', () => {
    const legacy = {
      id: 1687,
      sport: 'football',
      league: 'NCAA',
      start_date: '2021-08-28T13:00:00-04:00',
      away_team: 'Nebraska',
      home_team: 'Illinois',
      is_live: false,
    };
    expect(mapOpticFixture(legacy)).toMatchObject({
      id: '1687',
      sport_id: 'americanfootball',
      sport: 'American Football',
      league_id: 'ncaa',
      league: 'NCAA',
      home_team: 'Illinois',
      away_team: 'Nebraska',
      status: 'scheduled',
      commence_time: new Date('2021-08-28T17:00:00Z'),
    });
  });

  it('falls back to competitors for team names', () => {
    const { home_team_display: _h, away_team_display: _a, ...rest } = base;
    expect(mapOpticFixture({ ...rest, home_competitors: [{ name: 'H' }], away_competitors: [{ name: 'A' }] })).toMatchObject({
      home_team: 'H',
      away_team: 'A',
    });
  });

  it.each([
    [{ ...base, id: undefined }, 'missing id'],
    [{ ...base, start_date: undefined }, 'missing start_date'],
    [{ ...base, start_date: 'tomorrow' }, 'unparseable start_date "tomorrow"'],
    [{ ...base, sport: undefined }, 'missing sport'],
    [{ ...base, league: undefined }, 'missing league'],
    [{ ...base, status: 'abandoned' }, 'unknown status "abandoned"'],
  ])('rejects %j: %s', (record, reason) => {
    expect(mapOpticFixture(record as Record<string, unknown>)).toEqual({ reject: reason });
  });
});

describe('mapOpticFixture, edges', () => {
  const base = {
    id: 'F2',
    start_date: '2026-11-26T01:00:00Z',
    status: 'unplayed',
    sport: { id: 'basketball', name: 'Basketball' },
    league: { id: 'nba', name: 'NBA' },
  };

  it.each([
    [{ ...base, start_date: undefined }, 'missing start_date'],
    [{ ...base, start_date: null }, 'missing start_date'],
    [{ ...base, start_date: 'later' }, 'unparseable start_date "later"'],
    [{ ...base, sport: undefined }, 'missing sport'],
    [{ ...base, sport: {} }, 'missing sport'],
    [{ ...base, league: { id: '' } }, 'missing league'],
    [{ ...base, status: 'postponed-ish' }, 'unknown status "postponed-ish"'],
    [{ ...base, status: 3 }, 'unknown status 3'],
    [{ ...base, sport: { id: '!!!', name: 'Bangs' } }, 'unusable sport id "!!!"'],
    [{ ...base, league: { id: '???', name: 'Marks' } }, 'unusable league id "???"'],
  ])('rejects %j: %s', (record, reason) => {
    expect(mapOpticFixture(record as Record<string, unknown>)).toEqual({ reject: reason });
  });

  it('legacy games without a status: is_live true is live, anything else scheduled', () => {
    const legacy = { ...base, status: undefined };
    expect(mapOpticFixture({ ...legacy, is_live: true })).toMatchObject({ status: 'live' });
    expect(mapOpticFixture({ ...legacy, is_live: 'true' })).toMatchObject({ status: 'scheduled' });
    expect(mapOpticFixture({ ...legacy, status: null })).toMatchObject({ status: 'scheduled' });
  });

  it('is_live does not turn a completed fixture live, and status is read trimmed', () => {
    expect(mapOpticFixture({ ...base, status: 'completed', is_live: true })).toMatchObject({ status: 'completed' });
    expect(mapOpticFixture({ ...base, status: ' Live ' })).toMatchObject({ status: 'live' });
  });

  it('moves the start by shiftMs', () => {
    expect(mapOpticFixture(base, 3_600_000)).toMatchObject({ commence_time: new Date('2026-11-26T02:00:00Z') });
  });

  it('sport ids: aliases map onto the sidebar slugs, others lose underscores; a name equal to the id is title-cased', () => {
    expect(mapOpticFixture({ ...base, sport: { id: 'ice_hockey', name: 'Ice Hockey' } })).toMatchObject({ sport_id: 'icehockey', sport: 'Ice Hockey' });
    expect(mapOpticFixture({ ...base, sport: { id: 'table_tennis', name: 'Ping Pong' } })).toMatchObject({ sport_id: 'tabletennis', sport: 'Ping Pong' });
    expect(mapOpticFixture({ ...base, sport: 'table tennis' })).toMatchObject({ sport_id: 'tabletennis', sport: 'Table Tennis' });
    expect(mapOpticFixture({ ...base, league: { id: 'euro_league', name: 'EuroLeague' } })).toMatchObject({ league_id: 'euro_league' });
  });

  it('an aliased sport takes the sidebar name, whatever name the feed gives it, so both feeds show one sport', () => {
    expect(mapOpticFixture({ ...base, sport: { id: 'ice_hockey', name: 'Hockey sur glace' } })).toMatchObject({ sport_id: 'icehockey', sport: 'Ice Hockey' });
    expect(mapOpticFixture({ ...base, sport: { id: 'American Football', name: 'NFL Football' } })).toMatchObject({
      sport_id: 'americanfootball',
      sport: 'American Football',
    });
  });

  it('a sport or league object whose id has nothing to name it by is missing, not an empty name', () => {
    expect(mapOpticFixture({ ...base, sport: { id: '_' } })).toEqual({ reject: 'missing sport' });
  });

  it('an object without id takes its name as id; without a name, a title-cased id', () => {
    expect(mapOpticFixture({ ...base, league: { name: 'Liga ACB' } })).toMatchObject({ league_id: 'liga_acb', league: 'Liga ACB' });
    expect(mapOpticFixture({ ...base, league: { id: 'liga_acb' } })).toMatchObject({ league_id: 'liga_acb', league: 'Liga Acb' });
  });

  it('team names: display names first, then plain names, then the first competitor', () => {
    expect(mapOpticFixture({ ...base, home_team_display: 'D', home_team: 'P' })).toMatchObject({ home_team: 'D' });
    expect(mapOpticFixture({ ...base, home_team: 'P' })).toMatchObject({ home_team: 'P' });
    expect(mapOpticFixture({ ...base, away_competitors: [{ name: 'C1' }, { name: 'C2' }] })).toMatchObject({ away_team: 'C1' });
    expect(mapOpticFixture({ ...base, away_competitors: ['C1'] })).toMatchObject({ away_team: null });
    expect(mapOpticFixture({ ...base, away_competitors: { name: 'C1' } })).toMatchObject({ away_team: null });
  });

  it.each([
    [{ start_date: 'x', sport: 's' }, true],
    [{ home_team_display: 'x', league: 'l' }, true],
    [{ start_date: 'x', id: 1 }, true],
    [{ start_date: 'x' }, false],
    [{ sport: 's', league: 'l', id: 1 }, false],
  ])('is a fixture %j: %s', (value, expected) => {
    expect(isOpticFixture(value)).toBe(expected);
  });
});

describe('findRecords', () => {
  const event = { id: 'e', sport_key: 'soccer_epl', commence_time: '2030-01-01T00:00:00Z', bookmakers: [{ key: 'b', markets: [] }] };
  const fixture = { id: 'f', start_date: '2030-01-01T00:00:00Z', sport: { id: 's', name: 'S' }, league: { id: 'l', name: 'L' }, odds: [{ id: 'o' }] };
  const positions = (value: unknown) => [...findRecords(value)].map((r) => `${r.kind === 'event' ? r.format : 'sport'} ${r.position}`);

  it.each([
    ['a bare array', [event, event], ['the-odds-api $[0]', 'the-odds-api $[1]']],
    ['a single event', event, ['the-odds-api $']],
    ['a data wrapper', { success: true, data: [fixture] }, ['optic-odds $.data[0]']],
    ['a timestamped snapshot', { timestamp: 1, previous_timestamp: 0, data: [event] }, ['the-odds-api $.data[0]']],
    ['an object keyed by sport', { nfl: [event], nba: [], 'soccer epl': { data: [event] } }, ['the-odds-api $.nfl[0]', 'the-odds-api $["soccer epl"].data[0]']],
    ['a sports list', [{ key: 'k', group: 'G', title: 'T', active: true }], ['sport $[0]']],
    ['fixtures and events side by side', { fixtures: [fixture], events: [event] }, ['optic-odds $.fixtures[0]', 'the-odds-api $.events[0]']],
  ])('finds records in %s', (_name, value, expected) => {
    expect(positions(value)).toEqual(expected);
  });

  it('does not look for events inside a record (bookmakers, odds)', () => {
    expect(positions({ ...fixture, odds: [event] })).toEqual(['optic-odds $']);
  });

  it('a named format reads only that format', () => {
    expect([...findRecords([event, fixture], '$', 'optic-odds')].map((r) => r.position)).toEqual(['$[1]']);
  });
});

describe('parseInput', () => {
  it('reads NDJSON, reporting bad lines without failing the file', () => {
    const parsed = parseInput({ name: 'feed.ndjson', text: '{"a":1}\n\nnot json\n{"b":2}\n' });
    expect(parsed.values.map((v) => v.position)).toEqual(['line 1', 'line 4']);
    expect(parsed.badLines).toEqual([{ position: 'line 3', reason: expect.stringMatching(/not valid JSON/) }]);
  });

  it('detects NDJSON without the extension', () => {
    expect(parseInput({ name: 'body', text: '{"a":1}\n{"b":2}' }).values).toHaveLength(2);
  });

  it('names the file of a malformed document', () => {
    expect(() => parseInput({ name: 'broken.json', text: '{"data": [ {"id": "x", ' })).toThrow(FeedFileError);
    expect(() => parseInput({ name: 'broken.json', text: '{"data": [' })).toThrow(/^broken\.json: not valid JSON/);
    expect(() => parseInput({ name: 'empty.json', text: '  ' })).toThrow(/empty\.json: empty input/);
  });
});

describe('The Odds API shapes', () => {
  it('reads a sports list entry only when key, group and title are all there', () => {
    expect(readOddsApiSport({ key: 'soccer_epl', group: 'Soccer', title: 'EPL' })).toEqual({ key: 'soccer_epl', sport: { group: 'Soccer', title: 'EPL' } });
    expect(readOddsApiSport({ key: 'soccer_epl', group: 'Soccer' })).toBeNull();
    expect(readOddsApiSport({ key: 'soccer_epl', title: 'EPL' })).toBeNull();
    expect(readOddsApiSport({ group: 'Soccer', title: 'EPL' })).toBeNull();
  });

  it.each([
    [{ key: 'k', group: 'g', title: 't' }, true],
    [{ key: 'k', group: 'g' }, false],
    [{ key: 'k', title: 't' }, false],
    [{ group: 'g', title: 't' }, false],
  ])('sports entry %j: %s', (value, expected) => {
    expect(isOddsApiSportsEntry(value)).toBe(expected);
  });

  it.each([
    [{ sport_key: 'k', commence_time: 1 }, true],
    [{ sport_key: 'k', id: 'x' }, true],
    [{ sport_key: 'k', home_team: 'A' }, true],
    [{ sport_key: 'k', teams: ['A', 'B'] }, true],
    [{ sport_key: 'k' }, false],
    [{ id: 'x', commence_time: 1 }, false],
  ])('event %j: %s', (value, expected) => {
    expect(isOddsApiEvent(value)).toBe(expected);
  });

  it.each([
    [{ sport_nice: 'MLB' }, true],
    [{ teams: ['A', 'B'] }, true],
    [{ teams: ['A', 'B'], away_team: 'B' }, false],
    [{ teams: 'A' }, false],
    [{}, false],
  ])('legacy v3 %j: %s', (value, expected) => {
    expect(isOddsApiV3(value)).toBe(expected);
  });
});
