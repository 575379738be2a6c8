/**
 * Captures the consumers' real metric output (CloudWatch EMF documents, one
 * JSON line each) and sums the Count metric per outcome, so a ledger can
 * compare what CloudWatch would graph with what actually happened.
 */
import { OUTCOMES, TIMED_OUT, metricName, type Outcome } from '../../src/definition/metrics.ts';
import type { EmfWriter } from '../../src/runtime/metrics.ts';
import { emptyCounts, type OutcomeCounts } from '../../src/local/outcome-recorder.ts';

export class MalformedEmfError extends Error {
  override readonly name = 'MalformedEmfError';
}

const COUNTED: readonly (Outcome | typeof TIMED_OUT)[] = [...OUTCOMES, TIMED_OUT];

export class EmfCapture {
  private readonly captured: string[] = [];

  /** Pass as the consumers' `emitMetrics`. */
  readonly writer: EmfWriter = (line) => {
    this.captured.push(line);
  };

  /** Position to read from later: documents written after this call. */
  mark(): number {
    return this.captured.length;
  }

  since(mark: number): string[] {
    return this.captured.slice(mark);
  }
}

/** True for a line that is an EMF document (child processes mix them with other output). */
export const isEmfLine = (line: string): boolean => line.startsWith('{"_aws":');

/** Sums each outcome's Count metric over EMF documents, checking each declares the metric it carries. */
export function sumEmfCounts(lines: readonly string[]): OutcomeCounts {
  const counts = emptyCounts();
  for (const line of lines) {
    const document = JSON.parse(line) as Record<string, unknown> & {
      _aws?: { CloudWatchMetrics?: Array<{ Metrics: Array<{ Name: string }> }> };
    };
    const outcome = document.outcome as Outcome | typeof TIMED_OUT;
    if (!COUNTED.includes(outcome)) throw new MalformedEmfError(`EMF document with unknown outcome ${JSON.stringify(outcome)}`);
    const name = metricName(outcome);
    const declared = document._aws?.CloudWatchMetrics?.[0]?.Metrics.some((metric) => metric.Name === name);
    const value = document[name];
    if (!declared || typeof value !== 'number') throw new MalformedEmfError(`EMF document does not carry ${name}: ${line.slice(0, 200)}`);
    counts[outcome] += value;
  }
  return counts;
}
