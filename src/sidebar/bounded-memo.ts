/**
 * A function's results remembered by its arguments, at most `max` of them (all forgotten at once
 * when full: what is asked for again is computed again). For pure computations asked for again
 * and again with a bounded set of usual arguments but no bound on what a client may send.
 */
export function boundedMemo<A extends Array<string | number>, T>(max: number, compute: (...args: A) => T): (...args: A) => T {
  const values = new Map<string, T>();
  return (...args) => {
    // Stryker disable next-line StringLiteral: any separator no zone name or number holds keeps the keys apart.
    const key = args.join(' ');
    if (values.has(key)) return values.get(key) as T;
    const value = compute(...args);
    if (values.size >= max) values.clear();
    values.set(key, value);
    return value;
  };
}
