/**
 * Every lane's alarms into the one topic, with thresholds from the definition
 * and the alarm options, deliberate missing-data handling and a description
 * an on-call person can act on; and the dashboard that shows what they watch.
 * One synthesis with some options overridden, so defaults and overrides are
 * both checked.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { definition } from '../../demo/definition.ts';
import { DEFAULT_METRICS_NAMESPACE } from '../../src/definition/environment.ts';
import { DURATION_METRIC, FAILURE_OUTCOMES, OUTCOMES, TIMED_OUT, metricName, type Outcome } from '../../src/definition/metrics.ts';
import { DEFAULT_OPTIONS } from '../../src/cdk/options.ts';
import { defaultBacklogThreshold, heartbeatDelayThresholdMs } from '../../src/definition/alarm-thresholds.ts';
import { LATENCY_METRIC } from '../../src/definition/metrics.ts';
import { heartbeatType } from '../../src/definition/schedule.ts';
import type { Lane } from '../../src/cdk/lane.ts';
import { countByType, logicalId, synthesize, type Resource } from './support.ts';

const EMAIL = 'oncall@example.com';
const OVERRIDES = { duplicateRatePercent: 3, backlogMessages: { bulk: 42 } };
const { stack, template } = synthesize({ alarmEmail: EMAIL, alarms: OVERRIDES });
const options = { ...DEFAULT_OPTIONS.alarms, ...OVERRIDES };
const topic = { Ref: logicalId(stack.tasklanes.alarmTopic.topic) };
const resources = template.toJSON().Resources as Record<string, Resource>;

function alarm(lane: string, id: string): Record<string, any> {
  const name = `${stack.stackName}-${lane}-${id}`;
  const found = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.AlarmName === name);
  assert.equal(found.length, 1, `one alarm named ${name}`);
  return found[0].Properties;
}

interface Expected {
  readonly threshold: number;
  readonly comparison?: 'LessThanThreshold';
  readonly treatMissingData: 'ignore' | 'notBreaching' | 'breaching';
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
}

/** The alarms of a lane as the issue lists them, with the numbers they must have. */
function expectedAlarms(lane: Lane): Record<string, Expected> {
  const def = lane.definition;
  const rate = (threshold: number): Expected => ({ threshold, treatMissingData: 'notBreaching', evaluationPeriods: 3, datapointsToAlarm: 2 });
  return {
    QueueAge: { threshold: def.queueAgeAlarmSeconds, treatMissingData: 'ignore', evaluationPeriods: 2, datapointsToAlarm: 2 },
    DeadLetters: { threshold: 0, treatMissingData: 'ignore', evaluationPeriods: 1, datapointsToAlarm: 1 },
    Backlog: {
      threshold: (options.backlogMessages as Record<string, number>)[def.name] ?? defaultBacklogThreshold(def, lane.maxTaskTimeoutSeconds),
      treatMissingData: 'ignore',
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
    },
    ConsumerErrors: { threshold: options.consumerErrors, treatMissingData: 'notBreaching', evaluationPeriods: 1, datapointsToAlarm: 1 },
    ConsumerThrottles: { threshold: options.consumerThrottles, treatMissingData: 'notBreaching', evaluationPeriods: 3, datapointsToAlarm: 2 },
    ExpiredRate: rate(options.expiredRatePercent),
    CoalescedRate: rate(options.coalescedRatePercent),
    DuplicateRate: rate(options.duplicateRatePercent),
    FailureRate: rate(options.failureRatePercent),
    HeartbeatMissing: {
      threshold: 1,
      comparison: 'LessThanThreshold',
      treatMissingData: 'breaching',
      evaluationPeriods: options.heartbeatMissingIntervals,
      datapointsToAlarm: options.heartbeatMissingIntervals,
    },
    HeartbeatDelay: { threshold: heartbeatDelayThresholdMs(def), treatMissingData: 'notBreaching', evaluationPeriods: 2, datapointsToAlarm: 2 },
  };
}

test('one topic; alarms exactly as listed per lane, nothing else', () => {
  const counts = countByType(template);
  assert.equal(counts['AWS::SNS::Topic'], 1);
  assert.equal(counts['AWS::CloudWatch::Alarm'], stack.tasklanes.lanes.reduce((n, lane) => n + Object.keys(expectedAlarms(lane)).length, 0));
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
  assert.equal(alarm('critical', 'ExpiredRate').Threshold, DEFAULT_OPTIONS.alarms.expiredRatePercent);
});

for (const lane of stack.tasklanes.lanes) {
  const name = lane.definition.name;
  describe(`lane ${name}`, () => {
    for (const [id, expected] of Object.entries(expectedAlarms(lane))) {
      test(`${id}: threshold ${expected.threshold}, treatMissingData ${expected.treatMissingData}, into the topic, with a runbook`, () => {
        const a = alarm(name, id);
        assert.equal(a.Threshold, expected.threshold);
        assert.equal(a.ComparisonOperator, expected.comparison ?? 'GreaterThanThreshold');
        assert.equal(a.TreatMissingData, expected.treatMissingData);
        assert.equal(a.EvaluationPeriods, expected.evaluationPeriods);
        assert.equal(a.DatapointsToAlarm, expected.datapointsToAlarm);
        assert.deepEqual(a.AlarmActions, [topic]);
        assert.deepEqual(a.OKActions, [topic]);
        assert.equal(typeof a.AlarmDescription, 'string', 'plain text, no references');
        assert.ok(a.AlarmDescription.length <= 1024, 'CloudWatch limit');
        assert.match(a.AlarmDescription, new RegExp(`^Lane ${name}: `));
        assert.match(a.AlarmDescription, /First: /, 'says what to do first');
        assert.match(a.AlarmDescription, /Missing data /, 'says why missing data is treated so');
      });
    }

    test('SQS alarms watch this lane\'s queue and DLQ', () => {
      const queueName = { 'Fn::GetAtt': [logicalId(lane.queue), 'QueueName'] };
      const dlqName = { 'Fn::GetAtt': [logicalId(lane.deadLetterQueue), 'QueueName'] };
      const sqs = (id: string, metric: string, queue: unknown) => {
        const a = alarm(name, id);
        assert.deepEqual(
          { Namespace: a.Namespace, MetricName: a.MetricName, Dimensions: a.Dimensions, Statistic: a.Statistic, Period: a.Period },
          { Namespace: 'AWS/SQS', MetricName: metric, Dimensions: [{ Name: 'QueueName', Value: queue }], Statistic: 'Maximum', Period: 60 },
        );
      };
      sqs('QueueAge', 'ApproximateAgeOfOldestMessage', queueName);
      sqs('Backlog', 'ApproximateNumberOfMessagesVisible', queueName);
      sqs('DeadLetters', 'ApproximateNumberOfMessagesVisible', dlqName);
    });

    test('Lambda alarms watch this lane\'s consumer', () => {
      for (const [id, metric] of [['ConsumerErrors', 'Errors'], ['ConsumerThrottles', 'Throttles']]) {
        const a = alarm(name, id);
        assert.equal(a.Namespace, 'AWS/Lambda');
        assert.equal(a.MetricName, metric);
        assert.equal(a.Statistic, 'Sum');
        assert.deepEqual(a.Dimensions, [{ Name: 'FunctionName', Value: { Ref: logicalId(lane.consumer) } }]);
      }
    });

    test('heartbeat alarms watch this lane\'s heartbeat type: its successes per interval, its latency', () => {
      const period = lane.definition.heartbeatIntervalMinutes * 60;
      const dimensions = [
        { Name: 'lane', Value: name },
        { Name: 'outcome', Value: 'succeeded' },
        { Name: 'type', Value: heartbeatType(name) },
      ];
      // A labelled metric is rendered as one MetricStat query rather than the flat fields.
      const watched = (id: string) => {
        const queries = alarm(name, id).Metrics as Record<string, any>[];
        assert.equal(queries.length, 1);
        const { Metric, Stat, Period } = queries[0].MetricStat;
        return { Namespace: Metric.Namespace, MetricName: Metric.MetricName, Dimensions: Metric.Dimensions, Statistic: Stat, Period };
      };
      assert.deepEqual(watched('HeartbeatMissing'), {
        Namespace: DEFAULT_METRICS_NAMESPACE,
        MetricName: metricName('succeeded'),
        Dimensions: dimensions,
        Statistic: 'Sum',
        Period: period,
      });
      assert.deepEqual(watched('HeartbeatDelay'), {
        Namespace: DEFAULT_METRICS_NAMESPACE,
        MetricName: LATENCY_METRIC,
        Dimensions: dimensions,
        Statistic: 'Maximum',
        Period: period,
      });
    });

    const rates: [string, readonly Outcome[]][] = [
      ['ExpiredRate', ['expired']],
      ['CoalescedRate', ['coalesced']],
      ['DuplicateRate', ['duplicate']],
      ['FailureRate', FAILURE_OUTCOMES],
    ];
    for (const [id, numerator] of rates) {
      test(`${id}: percent of ${numerator.join('+')} among all outcomes of the lane's EMF metrics`, () => {
        const queries = alarm(name, id).Metrics as Record<string, any>[];
        const stats = queries.filter((q) => q.MetricStat);
        const expressions = queries.filter((q) => q.Expression);
        assert.ok(stats.length <= 10 && expressions.length <= 10, 'PutMetricAlarm allows 10 metrics and 10 expressions');
        assert.deepEqual(
          stats.map((q) => ({ id: q.Id, metric: q.MetricStat.Metric, stat: q.MetricStat.Stat, period: q.MetricStat.Period, unit: q.MetricStat.Unit })),
          OUTCOMES.map((outcome) => ({
            id: outcome,
            metric: {
              Namespace: DEFAULT_METRICS_NAMESPACE,
              MetricName: metricName(outcome),
              Dimensions: [{ Name: 'lane', Value: name }, { Name: 'outcome', Value: outcome }],
            },
            stat: 'Sum',
            period: options.ratePeriodMinutes * 60,
            unit: undefined,
          })),
        );
        const fill = (names: readonly string[]) => names.map((n) => `FILL(${n}, 0)`).join(' + ');
        const total = expressions.find((q) => q.Id === 'total');
        assert.equal(total?.Expression, fill(OUTCOMES));
        assert.ok(!OUTCOMES.includes(TIMED_OUT as Outcome), 'timeouts are counted beside an outcome, so not in the total');
        const watched = expressions.filter((q) => q.ReturnData !== false);
        assert.equal(watched.length, 1);
        assert.equal(watched[0].Expression, `IF(total >= ${options.rateMinimumTasks}, 100 * (${fill(numerator)}) / total, 0)`);
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
    test(`lane ${name}: depth, age, DLQ depth, throughput by outcome, duration percentiles, errors`, () => {
      const queue = marker({ 'Fn::GetAtt': [logicalId(lane.queue), 'QueueName'] });
      const dlq = marker({ 'Fn::GetAtt': [logicalId(lane.deadLetterQueue), 'QueueName'] });
      const fn = marker({ Ref: logicalId(lane.consumer) });
      assert.deepEqual(metrics(graph(`${name}: queue depth`)), [
        `AWS/SQS ApproximateNumberOfMessagesVisible QueueName ${queue}`,
        `AWS/SQS ApproximateNumberOfMessagesNotVisible QueueName ${queue}`,
      ]);
      const age = graph(`${name}: age of oldest task (s)`);
      assert.deepEqual(metrics(age), [`AWS/SQS ApproximateAgeOfOldestMessage QueueName ${queue}`]);
      assert.equal(age.annotations.horizontal[0].value, lane.definition.queueAgeAlarmSeconds);
      assert.deepEqual(metrics(graph(`${name}: dead letters`)), [`AWS/SQS ApproximateNumberOfMessagesVisible QueueName ${dlq}`]);
      const outcomes = graph(`${name}: tasks by outcome`);
      assert.deepEqual(metrics(outcomes), OUTCOMES.map((o) => `${DEFAULT_METRICS_NAMESPACE} ${metricName(o)} lane ${name} outcome ${o}`));
      assert.equal(outcomes.stacked, true);
      const duration = graph(`${name}: duration of succeeded tasks (ms)`);
      assert.deepEqual(
        (duration.metrics as unknown[][]).map((row) => [row[1], (row.at(-1) as { stat: string }).stat]),
        [[DURATION_METRIC, 'p50'], [DURATION_METRIC, 'p90'], [DURATION_METRIC, 'p99']],
      );
      assert.deepEqual(metrics(graph(`${name}: errors and timeouts`)), [
        `AWS/Lambda Errors FunctionName ${fn}`,
        `AWS/Lambda Throttles FunctionName ${fn}`,
        `${DEFAULT_METRICS_NAMESPACE} ${metricName(TIMED_OUT)} lane ${name} outcome ${TIMED_OUT}`,
      ]);
    });

    test(`lane ${name}: heartbeat successes (left) and latency (right), with the delay alarm's threshold`, () => {
      const heartbeat = graph(`${name}: heartbeat`);
      const type = heartbeatType(name);
      assert.deepEqual(metrics(heartbeat), [
        `${DEFAULT_METRICS_NAMESPACE} ${metricName('succeeded')} lane ${name} outcome succeeded type ${type}`,
        `${DEFAULT_METRICS_NAMESPACE} ${LATENCY_METRIC} lane ${name} outcome succeeded type ${type}`,
      ]);
      assert.equal((heartbeat.metrics as unknown[][])[1].at(-1) && ((heartbeat.metrics as unknown[][])[1].at(-1) as { yAxis?: string }).yAxis, 'right');
      assert.equal(heartbeat.annotations.horizontal[0].value, heartbeatDelayThresholdMs(lane.definition));
      assert.equal(heartbeat.annotations.horizontal[0].yAxis, 'right');
    });
  }

  test('every lane of the definition has its section', () => {
    assert.deepEqual(
      body.widgets.filter((w) => w.type === 'text').map((w) => w.properties.markdown.split('\n')[0]),
      definition.lanes.map((lane) => `## Lane \`${lane.name}\``),
    );
  });
});
