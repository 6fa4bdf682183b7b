import type { Db } from '../db/index.js';
import { generateEvents } from './generator.js';
import { countEvents, writeEvents } from './writer.js';

export const demoEventCount = 3000;

/** Loads demo events into an empty database so a fresh `npm start` shows a sidebar at once. Returns how many. */
export async function seedDemoDataIfEmpty(db: Db): Promise<number> {
  if ((await countEvents(db)) > 0) return 0;
  const totals = await writeEvents(db, generateEvents({ count: demoEventCount, seed: Date.now() % 1e9 }));
  return totals.inserted;
}
