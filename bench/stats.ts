/**
 * The statistics the bench reports: medians, robust to a neighbour's burst on
 * a shared machine, and the spread (min–max) of a figure over `--runs`, so a
 * reader sees how far one run's number can be trusted.
 */

export class EmptySampleError extends Error {
  override readonly name = 'EmptySampleError';
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new EmptySampleError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}
