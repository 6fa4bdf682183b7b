import { describe, expect, it } from 'vitest';
import { findRecords } from '../../src/feeds/extract.js';
import { defaultLiveWindows, groupFromSportKey, inferOddsApiStatus, liveWindowHours, mapOddsApiEvent, type OddsApiSport } from '../../src/feeds/odds-api.js';
import { mapOpticFixture } from '../../src/feeds/optic.js';
import { FeedFileError, parseInput } from '../../src/feeds/read.js';
import { parseFeedTime, slugify } from '../../src/feeds/values.js';

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
