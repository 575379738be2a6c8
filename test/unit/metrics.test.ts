/**
 * BatchMetrics: the EMF documents one batch writes, exactly as CloudWatch
 * will read them: one per (type, outcome) with the count and every value,
 * a timed-out task counted beside its outcome, no latency for a body that
 * never parsed, EMF's 100-value limit, and nothing left over after a flush.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchMetrics, stdoutEmfWriter } from '../../src/runtime/metrics.ts';
import type { OutcomeEvent } from '../../src/runtime/outcome.ts';
import { T0 } from './helpers/factories.ts';

const DIMENSIONS = [
  ['lane', 'type', 'outcome'],
  ['lane', 'outcome'],
];

function event(fields: Partial<OutcomeEvent> = {}): OutcomeEvent {
  return {
    lane: 'work',
    type: 'unit.work',
    outcome: 'succeeded',
    timedOut: false,
    messageId: 'msg-1',
    attempt: 1,
    durationMs: 10,
    latencyMs: 100,
    at: T0,
    ...fields,
  };
}

function prepare() {
  const lines: string[] = [];
  return { lines, metrics: new BatchMetrics('tasklanes', (line) => lines.push(line)) };
}

/** The EMF document of one (type, outcome) bucket. */
function document(type: string, outcome: string, name: string, durations: number[], latencies: number[]) {
  return {
    _aws: {
      Timestamp: T0,
      CloudWatchMetrics: [
        {
          Namespace: 'tasklanes',
          Dimensions: DIMENSIONS,
          Metrics: [
            { Name: name, Unit: 'Count' },
            { Name: 'TaskDuration', Unit: 'Milliseconds' },
            ...(latencies.length ? [{ Name: 'TaskLatency', Unit: 'Milliseconds' }] : []),
          ],
        },
      ],
    },
    lane: 'work',
    type,
    outcome,
    [name]: durations.length,
    TaskDuration: durations,
    ...(latencies.length ? { TaskLatency: latencies } : {}),
  };
}

test('one document per type and outcome the batch saw, with the count and every duration and latency', () => {
  // Prepare
  const { lines, metrics } = prepare();
  metrics.add(event({ durationMs: 10, latencyMs: 100 }));
  metrics.add(event({ outcome: 'retried', durationMs: 30, latencyMs: 300 }));
  metrics.add(event({ durationMs: 20, latencyMs: 200 }));
  metrics.add(event({ type: 'unit.keyed', durationMs: 40, latencyMs: 400 }));
  // Act
  metrics.flush('work', T0);
  // Assess
  assert.deepEqual(
    lines.map((line) => JSON.parse(line)),
    [
      document('unit.work', 'succeeded', 'TaskSucceeded', [10, 20], [100, 200]),
      document('unit.work', 'retried', 'TaskRetried', [30], [300]),
      document('unit.keyed', 'succeeded', 'TaskSucceeded', [40], [400]),
    ],
  );
  assert.ok(
    lines.every((line) => !line.includes('\n')),
    'one log line per document',
  );
});

test('a timed-out task is counted in its outcome and again as TaskTimedOut', () => {
  // Prepare
  const { lines, metrics } = prepare();
  metrics.add(event({ outcome: 'retried', timedOut: true, durationMs: 5_000, latencyMs: 5_100 }));
  // Act
  metrics.flush('work', T0);
  // Assess
  assert.deepEqual(
    lines.map((line) => JSON.parse(line)),
    [
      document('unit.work', 'retried', 'TaskRetried', [5_000], [5_100]),
      document('unit.work', 'timedOut', 'TaskTimedOut', [5_000], [5_100]),
    ],
  );
});

test('a body that never parsed has no latency: the document has no TaskLatency', () => {
  // Prepare
  const { lines, metrics } = prepare();
  metrics.add(event({ type: 'unknown', outcome: 'deadLettered', durationMs: 2, latencyMs: undefined }));
  // Act
  metrics.flush('work', T0);
  // Assess
  assert.deepEqual(
    lines.map((line) => JSON.parse(line)),
    [document('unknown', 'deadLettered', 'TaskDeadLettered', [2], [])],
  );
});

test("more than 100 values (EMF's limit per metric): documents of 100, 100 and 50", () => {
  // Prepare
  const { lines, metrics } = prepare();
  for (let n = 0; n < 250; n++) metrics.add(event({ durationMs: n, latencyMs: 1_000 + n }));
  // Act
  metrics.flush('work', T0);
  // Assess
  const documents = lines.map((line) => JSON.parse(line));
  // [count, durations, first duration, latencies, first latency] per document
  const shape = documents.map((d) => [d.TaskSucceeded, d.TaskDuration.length, d.TaskDuration[0], d.TaskLatency.length, d.TaskLatency[0]]);
  assert.deepEqual(shape, [
    [100, 100, 0, 100, 1_000],
    [100, 100, 100, 100, 1_100],
    [50, 50, 200, 50, 1_200],
  ]);
});

test('a flush forgets the batch: the next flush writes nothing', () => {
  // Prepare
  const { lines, metrics } = prepare();
  metrics.add(event());
  metrics.flush('work', T0);
  // Act
  metrics.flush('work', T0 + 1_000);
  // Assess
  assert.equal(lines.length, 1);
});

test('the default writer puts each document on its own stdout line', (t) => {
  // Prepare
  const write = t.mock.method(process.stdout, 'write', () => true);
  // Act
  stdoutEmfWriter('{"_aws":{}}');
  write.mock.restore();
  // Assess
  assert.deepEqual(
    write.mock.calls.map((call) => call.arguments),
    [['{"_aws":{}}\n']],
  );
});
