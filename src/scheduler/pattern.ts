/**
 * A croner schedule for "every N seconds". When N divides a minute, an hour or a day, the
 * pattern is aligned to wall-clock boundaries (every 300 s fires at :00, :05, :10, …), so every
 * instance of the service ticks at the same moment and the advisory lock in
 * refresh_sidebar_data() lets exactly one of them refresh. Other intervals fall back to a
 * minimum-interval schedule, which is not aligned across instances.
 */
export function schedulePattern(seconds: number): { pattern: string; interval?: number } {
  if (!Number.isInteger(seconds) || seconds < 1) throw new RangeError(`interval must be a positive integer, got ${seconds}`);
  if (seconds < 60 && 60 % seconds === 0) return { pattern: `*/${seconds} * * * * *` };
  const minutes = seconds / 60;
  if (Number.isInteger(minutes) && minutes < 60 && 60 % minutes === 0) return { pattern: `0 */${minutes} * * * *` };
  const hours = seconds / 3600;
  if (Number.isInteger(hours) && 24 % hours === 0) return { pattern: `0 0 */${hours} * * *` };
  return { pattern: '* * * * * *', interval: seconds };
}
