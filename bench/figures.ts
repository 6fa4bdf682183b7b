/** Rounding and percentiles for the benchmarks' tables. */

export const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The p-th percentile (nearest rank) of values sorted ascending; NaN for none. */
export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
