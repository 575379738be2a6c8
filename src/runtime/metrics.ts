/**
 * Outcome metrics as CloudWatch Embedded Metric Format, aggregated per batch.
 *
 * Why not Powertools Metrics: it keeps one dimension set per flush, while a
 * batch mixes task types and outcomes; emitting a single metric per record
 * would write one log line per outcome per record. Here a batch writes one
 * EMF document per (type, outcome) it saw, with the count and every duration
 * value, and both dimension sets from `definition/metrics.ts`.
 */
import { DIMENSION_SETS, DURATION_METRIC, LATENCY_METRIC, TIMED_OUT, metricName } from '../definition/metrics.ts';
import type { OutcomeEvent } from './outcome.ts';

/** EMF allows at most 100 values per metric in one document. */
const MAX_VALUES_PER_DOCUMENT = 100;

export type EmfWriter = (line: string) => void;

export const stdoutEmfWriter: EmfWriter = (line) => {
  process.stdout.write(`${line}\n`);
};

interface Bucket {
  readonly type: string;
  readonly outcome: string;
  readonly durations: number[];
  readonly latencies: number[];
}

export class BatchMetrics {
  private readonly namespace: string;
  private readonly write: EmfWriter;
  private readonly buckets = new Map<string, Bucket>();

  constructor(namespace: string, write: EmfWriter) {
    this.namespace = namespace;
    this.write = write;
  }

  add(event: OutcomeEvent): void {
    this.push(this.bucket(event.type, event.outcome), event);
    if (event.timedOut) this.push(this.bucket(event.type, TIMED_OUT), event);
  }

  /** Writes the batch's documents and forgets them. */
  flush(lane: string, timestamp: number): void {
    for (const { type, outcome, durations, latencies } of this.buckets.values()) {
      const name = metricName(outcome as Parameters<typeof metricName>[0]);
      for (let start = 0; start < durations.length; start += MAX_VALUES_PER_DOCUMENT) {
        const values = durations.slice(start, start + MAX_VALUES_PER_DOCUMENT);
        const latencyValues = latencies.slice(start, start + MAX_VALUES_PER_DOCUMENT);
        this.write(
          JSON.stringify({
            _aws: {
              Timestamp: timestamp,
              CloudWatchMetrics: [
                {
                  Namespace: this.namespace,
                  Dimensions: DIMENSION_SETS,
                  Metrics: [
                    { Name: name, Unit: 'Count' },
                    { Name: DURATION_METRIC, Unit: 'Milliseconds' },
                    ...(latencyValues.length ? [{ Name: LATENCY_METRIC, Unit: 'Milliseconds' }] : []),
                  ],
                },
              ],
            },
            lane,
            type,
            outcome,
            [name]: values.length,
            [DURATION_METRIC]: values,
            ...(latencyValues.length ? { [LATENCY_METRIC]: latencyValues } : {}),
          }),
        );
      }
    }
    this.buckets.clear();
  }

  private push(bucket: Bucket, event: OutcomeEvent): void {
    bucket.durations.push(event.durationMs);
    if (event.latencyMs !== undefined) bucket.latencies.push(event.latencyMs);
  }

  private bucket(type: string, outcome: string): Bucket {
    const key = `${type}\u0000${outcome}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { type, outcome, durations: [], latencies: [] };
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}
