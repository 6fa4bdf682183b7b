/**
 * The demo catalogue: 15 sports and 44 leagues, with relative volumes of events, shaped like a
 * real sportsbook (soccer and US sports dominate; individual sports have fewer, bigger events).
 */
export interface CatalogLeague {
  id: string;
  name: string;
  /** Relative share of events. */
  weight: number;
}

export interface CatalogSport {
  id: string;
  name: string;
  /** 'teams' sports pair city + nickname teams; 'players' sports pair individual names. */
  kind: 'teams' | 'players';
  nicknames?: readonly string[];
  leagues: readonly CatalogLeague[];
}

export const demoCatalog: readonly CatalogSport[] = [
  {
    id: 'americanfootball',
    name: 'American Football',
    kind: 'teams',
    nicknames: ['Eagles', 'Bears', 'Chiefs', 'Rams', 'Titans', 'Wolves', 'Knights', 'Stallions'],
    leagues: [
      { id: 'nfl', name: 'NFL', weight: 16 },
      { id: 'ncaaf', name: 'NCAAF', weight: 40 },
      { id: 'cfl', name: 'CFL', weight: 4 },
    ],
  },
  {
    id: 'basketball',
    name: 'Basketball',
    kind: 'teams',
    nicknames: ['Lakers', 'Hawks', 'Suns', 'Heat', 'Bulls', 'Storm', 'Sparks', 'Wizards'],
    leagues: [
      { id: 'nba', name: 'NBA', weight: 45 },
      { id: 'ncaab', name: 'NCAAB', weight: 60 },
      { id: 'wnba', name: 'WNBA', weight: 8 },
      { id: 'euroleague', name: 'EuroLeague', weight: 10 },
    ],
  },
  {
    id: 'baseball',
    name: 'Baseball',
    kind: 'teams',
    nicknames: ['Sox', 'Pirates', 'Giants', 'Tigers', 'Mariners', 'Royals'],
    leagues: [
      { id: 'mlb', name: 'MLB', weight: 45 },
      { id: 'npb', name: 'NPB', weight: 12 },
      { id: 'kbo', name: 'KBO', weight: 10 },
    ],
  },
  {
    id: 'icehockey',
    name: 'Ice Hockey',
    kind: 'teams',
    nicknames: ['Bruins', 'Flames', 'Penguins', 'Kings', 'Sharks', 'Lightning'],
    leagues: [
      { id: 'nhl', name: 'NHL', weight: 40 },
      { id: 'khl', name: 'KHL', weight: 15 },
      { id: 'shl', name: 'SHL', weight: 8 },
    ],
  },
  {
    id: 'soccer',
    name: 'Soccer',
    kind: 'teams',
    nicknames: ['United', 'City', 'Athletic', 'Rovers', 'FC', 'Wanderers', 'Sporting'],
    leagues: [
      { id: 'epl', name: 'English Premier League', weight: 30 },
      { id: 'la_liga', name: 'La Liga', weight: 30 },
      { id: 'serie_a', name: 'Serie A', weight: 30 },
      { id: 'bundesliga', name: 'Bundesliga', weight: 25 },
      { id: 'ligue_1', name: 'Ligue 1', weight: 25 },
      { id: 'uefa_champions_league', name: 'UEFA Champions League', weight: 16 },
      { id: 'mls', name: 'MLS', weight: 20 },
      { id: 'eredivisie', name: 'Eredivisie', weight: 15 },
    ],
  },
  {
    id: 'tennis',
    name: 'Tennis',
    kind: 'players',
    leagues: [
      { id: 'atp', name: 'ATP', weight: 30 },
      { id: 'wta', name: 'WTA', weight: 30 },
      { id: 'itf', name: 'ITF', weight: 20 },
    ],
  },
  {
    id: 'golf',
    name: 'Golf',
    kind: 'players',
    leagues: [
      { id: 'pga', name: 'PGA Tour', weight: 6 },
      { id: 'lpga', name: 'LPGA Tour', weight: 4 },
      { id: 'liv', name: 'LIV Golf', weight: 3 },
    ],
  },
  {
    id: 'mma',
    name: 'MMA',
    kind: 'players',
    leagues: [
      { id: 'ufc', name: 'UFC', weight: 12 },
      { id: 'pfl', name: 'PFL', weight: 5 },
      { id: 'bellator', name: 'Bellator', weight: 4 },
    ],
  },
  { id: 'boxing', name: 'Boxing', kind: 'players', leagues: [{ id: 'boxing', name: 'Boxing', weight: 8 }] },
  {
    id: 'cricket',
    name: 'Cricket',
    kind: 'teams',
    nicknames: ['Strikers', 'Scorchers', 'Kings', 'Titans'],
    leagues: [
      { id: 'ipl', name: 'IPL', weight: 10 },
      { id: 'test_matches', name: 'Test Matches', weight: 3 },
      { id: 'big_bash', name: 'Big Bash League', weight: 8 },
    ],
  },
  {
    id: 'rugbyunion',
    name: 'Rugby Union',
    kind: 'teams',
    nicknames: ['Saracens', 'Warriors', 'Crusaders', 'Lions'],
    leagues: [
      { id: 'six_nations', name: 'Six Nations', weight: 3 },
      { id: 'super_rugby', name: 'Super Rugby', weight: 8 },
      { id: 'premiership_rugby', name: 'Premiership Rugby', weight: 8 },
    ],
  },
  {
    id: 'rugbyleague',
    name: 'Rugby League',
    kind: 'teams',
    nicknames: ['Broncos', 'Roosters', 'Rhinos', 'Storm'],
    leagues: [
      { id: 'nrl', name: 'NRL', weight: 8 },
      { id: 'super_league', name: 'Super League', weight: 6 },
    ],
  },
  {
    id: 'aussierules',
    name: 'Aussie Rules',
    kind: 'teams',
    nicknames: ['Magpies', 'Swans', 'Cats', 'Demons'],
    leagues: [{ id: 'afl', name: 'AFL', weight: 9 }],
  },
  {
    id: 'esports',
    name: 'Esports',
    kind: 'teams',
    nicknames: ['Gaming', 'Esports', 'Gen', 'Squad'],
    leagues: [
      { id: 'lol', name: 'League of Legends', weight: 10 },
      { id: 'cs2', name: 'Counter-Strike 2', weight: 12 },
      { id: 'dota2', name: 'Dota 2', weight: 8 },
    ],
  },
  { id: 'darts', name: 'Darts', kind: 'players', leagues: [{ id: 'pdc', name: 'PDC', weight: 6 }] },
];

export const demoCities = [
  'Boston',
  'Chicago',
  'Denver',
  'Dallas',
  'Seattle',
  'Miami',
  'Atlanta',
  'Phoenix',
  'Toronto',
  'Madrid',
  'Milano',
  'München',
  'Lyon',
  'Porto',
  'London',
  'Manchester',
  'Sydney',
  'Melbourne',
  'Osaka',
  'Seoul',
  'São Paulo',
  'Zürich',
  'Kraków',
  'Mumbai',
] as const;

export const demoFirstNames = [
  'Carlos',
  'Novak',
  'Iga',
  'Coco',
  'Jannik',
  'Aryna',
  'Scottie',
  'Rory',
  'Jon',
  'Israel',
  'Luke',
  'Michael',
  'Zhang',
  'Ons',
  'Søren',
  'Chloé',
] as const;
export const demoLastNames = [
  'Alcaraz',
  'Djokovic',
  'Świątek',
  'Gauff',
  'Sinner',
  'Sabalenka',
  'Scheffler',
  'McIlroy',
  'Jones',
  'Adesanya',
  'Humphries',
  'van Gerwen',
  'Wei',
  'Jabeur',
  'Kjær',
  'Dubois',
] as const;
