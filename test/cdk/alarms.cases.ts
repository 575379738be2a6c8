/**
 * Every lane's alarms into the one topic, with deliberate missing-data
 * handling and a description an on-call person can act on; and the dashboard
 * that shows what they watch. One synthesis of the demo's four lanes with
 * two alarm options overridden, so defaults and overrides are both checked.
 * Every number is written out below (worked out by hand from demo/lanes.ts
 * and the documented defaults), never computed by the code under test.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countByType, logicalId, synthesize, type Resource } from './support.ts';

const EMAIL = 'oncall@example.com';
const OVERRIDES = { duplicateRatePercent: 3, backlogMessages: { bulk: 42 } };
const { stack, template } = synthesize({ alarmEmail: EMAIL, alarms: OVERRIDES });
const topic = { Ref: logicalId(stack.tasklanes.alarmTopic.topic) };
const resources = template.toJSON().Resources as Record<string, Resource>;

const LANES = ['critical', 'notifications', 'bulk', 'default'] as const;
type LaneName = (typeof LANES)[number];

function alarm(lane: string, id: string): Record<string, any> {
  const name = `Tasklanes-${lane}-${id}`;
  const found = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.AlarmName === name);
  assert.equal(found.length, 1, `one alarm named ${name}`);
  return found[0].Properties;
}

/** Logical ID of the lane's event source mapping: the one reading the lane's queue. */
function esmLogicalId(lane: (typeof stack.tasklanes.lanes)[number]): string {
  const found = Object.entries(resources).filter(
    ([, r]) =>
      r.Type === 'AWS::Lambda::EventSourceMapping' &&
      JSON.stringify(r.Properties.EventSourceArn) === JSON.stringify({ 'Fn::GetAtt': [logicalId(lane.queue), 'Arn'] }),
  );
  assert.equal(found.length, 1);
  return found[0]![0];
}

const GT = 'GreaterThanThreshold';
const LT = 'LessThanThreshold';
type Row = readonly [
  threshold: number,
  comparison: typeof GT | typeof LT,
  treatMissingData: 'ignore' | 'notBreaching' | 'breaching',
  evaluationPeriods: number,
  datapointsToAlarm: number,
  periodSeconds: number,
];

/**
 * Per lane and alarm. Common to every lane: DeadLetters above 0 (keeping its
 * last state without data), NewDeadLetters above 0 sent in a minute (no data:
 * nothing sent, OK); DeadLetterExpiry when the DLQ's oldest letter is older
 * than 14 days minus the longest a letter SQS moved can have waited in the
 * lane's queue (its longest task max age plus maxReceiveCount visibility
 * timeouts) minus the 48-hour warning, in 5-minute points; consumer
 * errors above 0 per minute and throttles above 0 per 5 minutes; records of
 * failed invocations above 0 per 5 minutes, 2 of 3; any record the mapping
 * filtered out, in one 5-minute window; the rates
 * over 5-minute windows, 2 of 3 breaching: expired 5 %, coalesced 25 %,
 * duplicate 3 % (overridden from 10), failure 10 %, and on notifications
 * alone (sms.send has a rateLimit) deferred 50 % with the deferrals in the
 * total; HeartbeatMissing when
 * fewer than 1 success in each of 3 one-minute intervals. Per lane: QueueAge
 * is the lane's queueAgeAlarmSeconds, HeartbeatDelay the same in ms, and
 * Backlog is maxConcurrency x batchSize x ceil(queueAge / longest task timeout).
 */
const EXPECTED: Record<LaneName, Record<string, Row>> = {
  critical: {
    QueueAge: [60, GT, 'ignore', 2, 2, 60],
    DeadLetters: [0, GT, 'ignore', 1, 1, 60],
    NewDeadLetters: [0, GT, 'notBreaching', 1, 1, 60],
    // 14 d - (15 min max age + 3 receives x 240 s visibility) - 48 h
    DeadLetterExpiry: [1_035_180, GT, 'ignore', 1, 1, 300],
    // 50 x 10 x ceil(60 s / 30 s)
    Backlog: [1_000, GT, 'ignore', 5, 5, 60],
    ConsumerErrors: [0, GT, 'notBreaching', 1, 1, 60],
    ConsumerThrottles: [0, GT, 'notBreaching', 3, 2, 300],
    InvokeFailures: [0, GT, 'notBreaching', 3, 2, 300],
    MappingDropped: [0, GT, 'notBreaching', 1, 1, 300],
    ExpiredRate: [5, GT, 'notBreaching', 3, 2, 300],
    CoalescedRate: [25, GT, 'notBreaching', 3, 2, 300],
    DuplicateRate: [3, GT, 'notBreaching', 3, 2, 300],
    FailureRate: [10, GT, 'notBreaching', 3, 2, 300],
    HeartbeatMissing: [1, LT, 'breaching', 3, 3, 60],
    HeartbeatDelay: [60_000, GT, 'notBreaching', 2, 2, 60],
  },
  notifications: {
    QueueAge: [300, GT, 'ignore', 2, 2, 60],
    DeadLetters: [0, GT, 'ignore', 1, 1, 60],
    NewDeadLetters: [0, GT, 'notBreaching', 1, 1, 60],
    // 14 d - (24 h + 8 x 240 s) - 48 h
    DeadLetterExpiry: [948_480, GT, 'ignore', 1, 1, 300],
    // 20 x 10 x ceil(300 s / 30 s)
    Backlog: [2_000, GT, 'ignore', 5, 5, 60],
    ConsumerErrors: [0, GT, 'notBreaching', 1, 1, 60],
    ConsumerThrottles: [0, GT, 'notBreaching', 3, 2, 300],
    InvokeFailures: [0, GT, 'notBreaching', 3, 2, 300],
    MappingDropped: [0, GT, 'notBreaching', 1, 1, 300],
    ExpiredRate: [5, GT, 'notBreaching', 3, 2, 300],
    CoalescedRate: [25, GT, 'notBreaching', 3, 2, 300],
    DuplicateRate: [3, GT, 'notBreaching', 3, 2, 300],
    FailureRate: [10, GT, 'notBreaching', 3, 2, 300],
    // Only this lane has a type with a limit (sms.send's rateLimit): deferred 50 % of all outcomes, deferrals included.
    DeferredRate: [50, GT, 'notBreaching', 3, 2, 300],
    HeartbeatMissing: [1, LT, 'breaching', 3, 3, 60],
    HeartbeatDelay: [300_000, GT, 'notBreaching', 2, 2, 60],
  },
  bulk: {
    QueueAge: [1_800, GT, 'ignore', 2, 2, 60],
    DeadLetters: [0, GT, 'ignore', 1, 1, 60],
    NewDeadLetters: [0, GT, 'notBreaching', 1, 1, 60],
    // 14 d - (24 h + 3 x 882 s) - 48 h. 882 s = 6 x (120 s, pdf.render's timeout, + 15 s thread start-up bound
    // + 2 s answer grace, both outside the timeout in a worker lane since 6a6db1c, + 10 s margin); was 3 x 780 s.
    DeadLetterExpiry: [947_754, GT, 'ignore', 1, 1, 300],
    // Overridden (the formula would give 5 x 5 x ceil(1800 s / 120 s) = 375).
    Backlog: [42, GT, 'ignore', 5, 5, 60],
    ConsumerErrors: [0, GT, 'notBreaching', 1, 1, 60],
    ConsumerThrottles: [0, GT, 'notBreaching', 3, 2, 300],
    InvokeFailures: [0, GT, 'notBreaching', 3, 2, 300],
    MappingDropped: [0, GT, 'notBreaching', 1, 1, 300],
    ExpiredRate: [5, GT, 'notBreaching', 3, 2, 300],
    CoalescedRate: [25, GT, 'notBreaching', 3, 2, 300],
    DuplicateRate: [3, GT, 'notBreaching', 3, 2, 300],
    FailureRate: [10, GT, 'notBreaching', 3, 2, 300],
    HeartbeatMissing: [1, LT, 'breaching', 3, 3, 60],
    HeartbeatDelay: [1_800_000, GT, 'notBreaching', 2, 2, 60],
  },
  default: {
    QueueAge: [600, GT, 'ignore', 2, 2, 60],
    DeadLetters: [0, GT, 'ignore', 1, 1, 60],
    NewDeadLetters: [0, GT, 'notBreaching', 1, 1, 60],
    // 14 d - (20 min, its heartbeat's max age, + 5 x 120 s) - 48 h
    DeadLetterExpiry: [1_035_000, GT, 'ignore', 1, 1, 300],
    // 10 x 10 x ceil(600 s / 10 s): the lane's only type is its heartbeat, whose timeout is 10 s.
    Backlog: [6_000, GT, 'ignore', 5, 5, 60],
    ConsumerErrors: [0, GT, 'notBreaching', 1, 1, 60],
    ConsumerThrottles: [0, GT, 'notBreaching', 3, 2, 300],
    InvokeFailures: [0, GT, 'notBreaching', 3, 2, 300],
    MappingDropped: [0, GT, 'notBreaching', 1, 1, 300],
    ExpiredRate: [5, GT, 'notBreaching', 3, 2, 300],
    CoalescedRate: [25, GT, 'notBreaching', 3, 2, 300],
    DuplicateRate: [3, GT, 'notBreaching', 3, 2, 300],
    FailureRate: [10, GT, 'notBreaching', 3, 2, 300],
    HeartbeatMissing: [1, LT, 'breaching', 3, 3, 60],
    HeartbeatDelay: [600_000, GT, 'notBreaching', 2, 2, 60],
  },
};

/** The outcomes the rate alarms divide by and their count metrics, in the order the alarms and the dashboard list them. */
const OUTCOME_METRICS = [
  ['succeeded', 'TaskSucceeded'],
  ['retried', 'TaskRetried'],
  ['deadLettered', 'TaskDeadLettered'],
  ['expired', 'TaskExpired'],
  ['duplicate', 'TaskDuplicate'],
  ['coalesced', 'TaskCoalesced'],
  ['overlapSkipped', 'TaskOverlapSkipped'],
] as const;
/** The dashboard graphs deferrals too: they are outside the rates' total (a deferred task ends in an outcome of its own later). */
const GRAPHED_OUTCOME_METRICS = [...OUTCOME_METRICS, ['deferred', 'TaskDeferred']] as const;

/** Seconds per datapoint: the alarm's own Period, or the one period of every metric its expression reads. */
function periodOf(a: Record<string, any>): number {
  if (a.Period !== undefined) return a.Period;
  const periods = new Set((a.Metrics as Record<string, any>[]).filter((q) => q.MetricStat).map((q) => q.MetricStat.Period));
  assert.equal(periods.size, 1, 'one period for every metric of the alarm');
  return [...periods][0];
}

test("the demo's four lanes; one topic; exactly the 61 alarms listed, nothing else", () => {
  assert.deepEqual(
    stack.tasklanes.lanes.map((lane) => lane.definition.name),
    LANES,
  );
  assert.equal(countByType(template)['AWS::SNS::Topic'], 1);
  const names = Object.values(resources)
    .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
    .map((r) => r.Properties.AlarmName as string);
  const expected = Object.entries(EXPECTED).flatMap(([lane, alarms]) => Object.keys(alarms).map((id) => `Tasklanes-${lane}-${id}`));
  assert.equal(expected.length, 61);
  assert.deepEqual(names.sort(), expected.sort());
});

test('the topic takes publishes over TLS only, and mails the on-call address from props', () => {
  template.hasResourceProperties('AWS::SNS::TopicPolicy', {
    Topics: [topic],
    PolicyDocument: { Statement: [{ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] },
  });
  template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: EMAIL, TopicArn: topic });
});

test('overrides apply, the rest keeps its defaults', () => {
  assert.equal(alarm('critical', 'DuplicateRate').Threshold, 3);
  assert.equal(alarm('bulk', 'Backlog').Threshold, 42);
  assert.equal(alarm('critical', 'ExpiredRate').Threshold, 5);
});

for (const lane of stack.tasklanes.lanes) {
  const name = lane.definition.name;
  describe(`lane ${name}`, () => {
    for (const [id, row] of Object.entries(EXPECTED[name as LaneName] ?? {})) {
      const [threshold, comparison, treatMissingData, evaluationPeriods, datapointsToAlarm, period] = row;
      const title = `${id}: ${comparison} ${threshold}, ${datapointsToAlarm} of ${evaluationPeriods} x ${period} s, ${treatMissingData}`;
      test(`${title}, into the topic, with a runbook`, () => {
        const a = alarm(name, id);
        assert.deepEqual(
          [a.Threshold, a.ComparisonOperator, a.TreatMissingData, a.EvaluationPeriods, a.DatapointsToAlarm, periodOf(a)],
          [threshold, comparison, treatMissingData, evaluationPeriods, datapointsToAlarm, period],
        );
        assert.deepEqual(a.AlarmActions, [topic]);
        assert.deepEqual(a.OKActions, [topic]);
        assert.equal(typeof a.AlarmDescription, 'string', 'plain text, no references');
        assert.ok(a.AlarmDescription.length <= 1024, 'CloudWatch limit');
        assert.match(a.AlarmDescription, new RegExp(`^Lane ${name}: `));
        assert.match(a.AlarmDescription, /First: /, 'says what to do first');
        assert.match(a.AlarmDescription, /Missing data /, 'says why missing data is treated so');
      });
    }

    test("SQS alarms watch this lane's queue and DLQ", () => {
      const queueName = { 'Fn::GetAtt': [logicalId(lane.queue), 'QueueName'] };
      const dlqName = { 'Fn::GetAtt': [logicalId(lane.deadLetterQueue), 'QueueName'] };
      const sqs = (id: string, metric: string, queue: unknown, statistic = 'Maximum', period = 60) => {
        const a = alarm(name, id);
        assert.deepEqual(
          { Namespace: a.Namespace, MetricName: a.MetricName, Dimensions: a.Dimensions, Statistic: a.Statistic, Period: a.Period },
          {
            Namespace: 'AWS/SQS',
            MetricName: metric,
            Dimensions: [{ Name: 'QueueName', Value: queue }],
            Statistic: statistic,
            Period: period,
          },
        );
      };
      sqs('QueueAge', 'ApproximateAgeOfOldestMessage', queueName);
      sqs('Backlog', 'ApproximateNumberOfMessagesVisible', queueName);
      sqs('DeadLetters', 'ApproximateNumberOfMessagesVisible', dlqName);
      // Inflow: every letter the consumer dead-letters is its own SendMessage to the DLQ.
      sqs('NewDeadLetters', 'NumberOfMessagesSent', dlqName, 'Sum');
      // Retention: the oldest letter's age in the DLQ, in 5-minute points.
      sqs('DeadLetterExpiry', 'ApproximateAgeOfOldestMessage', dlqName, 'Maximum', 300);
    });

    test("Lambda alarms watch this lane's consumer", () => {
      for (const [id, metric] of [
        ['ConsumerErrors', 'Errors'],
        ['ConsumerThrottles', 'Throttles'],
      ]) {
        const a = alarm(name, id);
        assert.equal(a.Namespace, 'AWS/Lambda');
        assert.equal(a.MetricName, metric);
        assert.equal(a.Statistic, 'Sum');
        assert.deepEqual(a.Dimensions, [{ Name: 'FunctionName', Value: { Ref: logicalId(lane.consumer) } }]);
      }
    });

    test("mapping alarms watch this lane's event source mapping: failed invokes beyond the consumer's retries, filtered-out records", () => {
      const esm = { Ref: esmLogicalId(lane) };
      // A labelled metric is rendered as one MetricStat query rather than the flat fields.
      const dropped = alarm(name, 'MappingDropped').Metrics as Record<string, any>[];
      assert.deepEqual(
        dropped.map((q) => q.MetricStat),
        [
          {
            Metric: {
              Namespace: 'AWS/Lambda',
              MetricName: 'FilteredOutEventCount',
              Dimensions: [{ Name: 'EventSourceMappingUUID', Value: esm }],
            },
            Stat: 'Sum',
            Period: 300,
          },
        ],
      );

      const queries = alarm(name, 'InvokeFailures').Metrics as Record<string, any>[];
      const stats = Object.fromEntries(queries.filter((q) => q.MetricStat).map((q) => [q.Id, q.MetricStat]));
      assert.deepEqual(stats, {
        failedInvoke: {
          Metric: {
            Namespace: 'AWS/Lambda',
            MetricName: 'FailedInvokeEventCount',
            Dimensions: [{ Name: 'EventSourceMappingUUID', Value: esm }],
          },
          Stat: 'Sum',
          Period: 300,
        },
        retried: {
          Metric: {
            Namespace: 'tasklanes',
            MetricName: 'TaskRetried',
            Dimensions: [
              { Name: 'lane', Value: name },
              { Name: 'outcome', Value: 'retried' },
            ],
          },
          Stat: 'Sum',
          Period: 300,
        },
      });
      const expressions = Object.fromEntries(queries.filter((q) => q.Expression).map((q) => [q.Id, [q.Expression, q.ReturnData ?? true]]));
      assert.deepEqual(expressions, {
        difference: ['FILL(failedInvoke, 0) - FILL(retried, 0)', false],
        expr_1: ['IF(difference > 0, difference, 0)', true],
      });
    });

    test("heartbeat alarms watch this lane's heartbeat type: its successes per one-minute interval, its latency", () => {
      const period = 60;
      const dimensions = [
        { Name: 'lane', Value: name },
        { Name: 'outcome', Value: 'succeeded' },
        { Name: 'type', Value: `heartbeat.${name}` },
      ];
      // A labelled metric is rendered as one MetricStat query rather than the flat fields.
      const watched = (id: string) => {
        const queries = alarm(name, id).Metrics as Record<string, any>[];
        assert.equal(queries.length, 1);
        const { Metric, Stat, Period } = queries[0].MetricStat;
        return { Namespace: Metric.Namespace, MetricName: Metric.MetricName, Dimensions: Metric.Dimensions, Statistic: Stat, Period };
      };
      assert.deepEqual(watched('HeartbeatMissing'), {
        Namespace: 'tasklanes',
        MetricName: 'TaskSucceeded',
        Dimensions: dimensions,
        Statistic: 'Sum',
        Period: period,
      });
      assert.deepEqual(watched('HeartbeatDelay'), {
        Namespace: 'tasklanes',
        MetricName: 'TaskLatency',
        Dimensions: dimensions,
        Statistic: 'Maximum',
        Period: period,
      });
    });

    const rates: [string, readonly string[]][] = [
      ['ExpiredRate', ['expired']],
      ['CoalescedRate', ['coalesced']],
      ['DuplicateRate', ['duplicate']],
      ['FailureRate', ['retried', 'deadLettered']],
    ];
    for (const [id, numerator] of rates) {
      test(`${id}: percent of ${numerator.join('+')} among all outcomes of the lane's EMF metrics`, () => {
        const queries = alarm(name, id).Metrics as Record<string, any>[];
        const stats = queries.filter((q) => q.MetricStat);
        const expressions = queries.filter((q) => q.Expression);
        assert.ok(stats.length <= 10 && expressions.length <= 10, 'PutMetricAlarm allows 10 metrics and 10 expressions');
        assert.deepEqual(
          stats.map(({ Id, MetricStat }) => ({
            id: Id,
            metric: MetricStat.Metric,
            stat: MetricStat.Stat,
            period: MetricStat.Period,
            unit: MetricStat.Unit,
          })),
          OUTCOME_METRICS.map(([outcome, metric]) => ({
            id: outcome,
            metric: {
              Namespace: 'tasklanes',
              MetricName: metric,
              Dimensions: [
                { Name: 'lane', Value: name },
                { Name: 'outcome', Value: outcome },
              ],
            },
            stat: 'Sum',
            period: 300,
            unit: undefined,
          })),
        );
        const fill = (names: readonly string[]) => names.map((n) => `FILL(${n}, 0)`).join(' + ');
        const total = expressions.find((q) => q.Id === 'total');
        // Timeouts are counted beside an outcome, so they are not in the total.
        assert.equal(
          total?.Expression,
          'FILL(succeeded, 0) + FILL(retried, 0) + FILL(deadLettered, 0) + FILL(expired, 0) + FILL(duplicate, 0) + FILL(coalesced, 0)' +
            ' + FILL(overlapSkipped, 0)',
        );
        const watched = expressions.filter((q) => q.ReturnData !== false);
        assert.equal(watched.length, 1);
        // Fewer than 10 tasks in a window reads as rate 0.
        assert.equal(watched[0].Expression, `IF(total >= 10, 100 * (${fill(numerator)}) / total, 0)`);
      });
    }
  });
}

describe('dashboard', () => {
  const dashboards = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
  // The body is a Fn::Join of JSON text and references; render the references as readable markers.
  const body = JSON.parse(
    (dashboards[0].Properties.DashboardBody['Fn::Join'][1] as unknown[])
      .map((part) => (typeof part === 'string' ? part : `<${JSON.stringify(part).replace(/"/g, "'")}>`))
      .join(''),
  ) as { widgets: { type: string; properties: Record<string, any> }[] };
  const marker = (ref: unknown) => `<${JSON.stringify(ref).replace(/"/g, "'")}>`;
  const graph = (title: string) => {
    const found = body.widgets.filter((w) => w.properties.title === title);
    assert.equal(found.length, 1, `one widget titled ${title}`);
    return found[0].properties;
  };
  /** Metric rows as `namespace/name` plus dimension values, ignoring rendering options. */
  const metrics = (widget: Record<string, any>) =>
    (widget.metrics as unknown[][]).map((row) => row.filter((cell) => typeof cell === 'string').join(' '));

  test('one dashboard, named after the stack, with every alarm on top', () => {
    assert.equal(dashboards.length, 1);
    assert.equal(dashboards[0].Properties.DashboardName, stack.stackName);
    const status = body.widgets[0];
    assert.equal(status.type, 'alarm');
    assert.equal(status.properties.alarms.length, countByType(template)['AWS::CloudWatch::Alarm']);
  });

  for (const lane of stack.tasklanes.lanes) {
    const name = lane.definition.name;
    test(`lane ${name}: depth, age, DLQ depth, throughput by outcome, duration percentiles, errors, the mapping's records`, () => {
      const queue = marker({ 'Fn::GetAtt': [logicalId(lane.queue), 'QueueName'] });
      const dlq = marker({ 'Fn::GetAtt': [logicalId(lane.deadLetterQueue), 'QueueName'] });
      const fn = marker({ Ref: logicalId(lane.consumer) });
      assert.deepEqual(metrics(graph(`${name}: queue depth`)), [
        `AWS/SQS ApproximateNumberOfMessagesVisible QueueName ${queue}`,
        `AWS/SQS ApproximateNumberOfMessagesNotVisible QueueName ${queue}`,
      ]);
      const age = graph(`${name}: age of oldest task (s)`);
      assert.deepEqual(metrics(age), [`AWS/SQS ApproximateAgeOfOldestMessage QueueName ${queue}`]);
      assert.equal(age.annotations.horizontal[0].value, EXPECTED[name as LaneName].QueueAge![0]);
      assert.deepEqual(metrics(graph(`${name}: dead letters`)), [`AWS/SQS ApproximateNumberOfMessagesVisible QueueName ${dlq}`]);
      const outcomes = graph(`${name}: tasks by outcome`);
      assert.deepEqual(
        metrics(outcomes),
        GRAPHED_OUTCOME_METRICS.map(([outcome, metric]) => `tasklanes ${metric} lane ${name} outcome ${outcome}`),
      );
      assert.equal(outcomes.stacked, true);
      const duration = graph(`${name}: duration of succeeded tasks (ms)`);
      assert.deepEqual(
        (duration.metrics as unknown[][]).map((row) => [row[1], (row.at(-1) as { stat: string }).stat]),
        [
          ['TaskDuration', 'p50'],
          ['TaskDuration', 'p90'],
          ['TaskDuration', 'p99'],
        ],
      );
      assert.deepEqual(metrics(graph(`${name}: errors and timeouts`)), [
        `AWS/Lambda Errors FunctionName ${fn}`,
        `AWS/Lambda Throttles FunctionName ${fn}`,
        `tasklanes TaskTimedOut lane ${name} outcome timedOut`,
      ]);
      const esm = marker({ Ref: esmLogicalId(lane) });
      assert.deepEqual(
        metrics(graph(`${name}: event source mapping (records)`)),
        ['PolledEventCount', 'InvokedEventCount', 'DeletedEventCount', 'FailedInvokeEventCount', 'FilteredOutEventCount'].map(
          (metric) => `AWS/Lambda ${metric} EventSourceMappingUUID ${esm}`,
        ),
      );
    });

    test(`lane ${name}: heartbeat successes (left) and latency (right), with the delay alarm's threshold`, () => {
      const heartbeat = graph(`${name}: heartbeat`);
      assert.deepEqual(metrics(heartbeat), [
        `tasklanes TaskSucceeded lane ${name} outcome succeeded type heartbeat.${name}`,
        `tasklanes TaskLatency lane ${name} outcome succeeded type heartbeat.${name}`,
      ]);
      assert.equal(((heartbeat.metrics as unknown[][])[1]!.at(-1) as { yAxis?: string }).yAxis, 'right');
      assert.equal(heartbeat.annotations.horizontal[0].value, EXPECTED[name as LaneName].HeartbeatDelay![0]);
      assert.equal(heartbeat.annotations.horizontal[0].yAxis, 'right');
    });
  }

  test('every lane of the definition has its section', () => {
    assert.deepEqual(
      body.widgets.filter((w) => w.type === 'text').map((w) => w.properties.markdown.split('\n')[0]),
      LANES.map((lane) => `## Lane \`${lane}\``),
    );
  });
});
