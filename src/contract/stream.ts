import { type Static, Type } from '@sinclair/typebox';
import { League, RegionSport, Sidebar, Sport } from './sidebar.js';

/** The fields of a sport that a delta sets; `truncated: null` removes the mark. */
export const SportFields = Type.Partial(
  Type.Object({
    sport: Sport.properties.sport,
    icon: Sport.properties.icon,
    priority: Sport.properties.priority,
    game_count: Sport.properties.game_count,
    live_game_count: Sport.properties.live_game_count,
    truncated: Type.Union([Type.Literal(true), Type.Null()]),
  }),
);
export type SportFields = Static<typeof SportFields>;

/** A sport present before and after whose fields or leagues changed. */
export const SportChange = Type.Object({
  sport_id: Type.String(),
  set: Type.Optional(SportFields),
  leagues: Type.Optional(
    Type.Object({
      order: Type.Array(Type.String(), { description: 'Every league_id of the sport, in the new order; leagues not listed are gone.' }),
      upsert: Type.Array(League, { description: 'Leagues new or changed, in full.' }),
    }),
  ),
});
export type SportChange = Static<typeof SportChange>;

/**
 * What changed from one sidebar to the next, as the stream sends it: a client that applies it to
 * the previous sidebar holds the next one. Sports not in `order` are gone; the top-level fields
 * are always sent (they are small).
 */
export const SidebarDelta = Type.Object({
  order: Type.Array(Type.String(), { description: 'Every sport_id, in the new order.' }),
  added: Type.Array(Sport, { description: 'Sports new in this version, in full.' }),
  changed: Type.Array(SportChange),
  totals: Sidebar.properties.totals,
  refreshed_at: Sidebar.properties.refreshed_at,
  source: Sidebar.properties.source,
});
export type SidebarDelta = Static<typeof SidebarDelta>;

/**
 * The delta of a group=region stream: a sport whose regions or fields changed is sent whole
 * (its regions and their leagues), with the new ones; a client replaces each sport it names.
 */
export const RegionSidebarDelta = Type.Object({
  ...Type.Omit(SidebarDelta, ['added', 'changed']).properties,
  added: Type.Array(RegionSport, { description: 'Sports new or changed in this version, in full.' }),
  changed: Type.Array(SportChange, { maxItems: 0, description: 'Always empty: a changed sport is in added, whole.' }),
});
export type RegionSidebarDelta = Static<typeof RegionSidebarDelta>;

/** What every `delta` event carries besides the delta: the versions it goes between, and the new ETag. */
export const DeltaVersions = Type.Object({
  from: Type.Integer({ description: 'The version the delta applies to: a client holding another resynchronises.' }),
  to: Type.Integer({ description: 'The version it leads to (also the event id).' }),
  etag: Type.String({ description: 'The ETag GET /sidebar answers the new version with.' }),
});
export type DeltaVersions = Static<typeof DeltaVersions>;
