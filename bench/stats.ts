/** The one statistic the bench reports: medians, robust to a neighbour's burst on a shared machine. */

export class EmptySampleError extends Error {
  override readonly name = 'EmptySampleError';
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new EmptySampleError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
