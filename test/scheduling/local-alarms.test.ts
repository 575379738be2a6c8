/**
 * The local alarm evaluator against real local queues and recorded
 * outcomes, with its clock moved instead of waited on: queue age (read
 * without receiving), dead letters waiting and new, backlog, the outcome rates with their
 * minimum, and heartbeat silence once a whole window has been watched.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import {
  DEFAULT_ALARM_OPTIONS,
  LAMBDA_SERVICE_ALARMS,
  LANE_ALARM_NAMES,
  heartbeatMissingWindowMs,
} from '../../src/definition/alarm-thresholds.ts';
import type { Outcome } from '../../src/definition/metrics.ts';
import { LocalAlarmEvaluator, type LocalAlarmState } from '../../src/local/alarms.ts';
import { OutcomeRecorder } from '../../src/local/outcome-recorder.ts';
import { localQueueStats } from '../../src/local/queue-stats.ts';
import { laneDefinition } from '../support/definitions.ts';
import { withLocalStack } from '../support/local-servers.ts';
import { waitFor } from '../support/wait.ts';

const LANE = 'solo';
const AGE_SECONDS = 30;
const BACKLOG = 2;
const definition = laneDefinition({ [LANE]: { queueAgeAlarmSeconds: AGE_SECONDS } });
const stack = withLocalStack({ definition });

let offsetMs = 0;
const now = () => Date.now() + offsetMs;

function evaluator(recorder = new OutcomeRecorder()) {
  return new LocalAlarmEvaluator({ stack: stack(), recorder, now, alarms: { backlogMessages: { [LANE]: BACKLOG } } });
}

const stateOf = (states: readonly LocalAlarmState[], alarm: LocalAlarmState['alarm']) => states.find((s) => s.alarm === alarm)!;

test("a quiet lane: the stack's alarms by their names, all OK, heartbeats not yet judged", async () => {
  const states = await evaluator().evaluate();
  assert.deepEqual(
    states.map((s) => s.alarm),
    // DeferredRate only on lanes with limits (this one has none).
    LANE_ALARM_NAMES.filter((name) => !LAMBDA_SERVICE_ALARMS.includes(name) && name !== 'DeferredRate'),
  );
  for (const s of states.filter((s) => s.alarm !== 'HeartbeatMissing')) assert.equal(s.state, 'OK', s.alarm);
  assert.equal(stateOf(states, 'HeartbeatMissing').state, 'INSUFFICIENT_DATA');
  assert.equal(stateOf(states, 'HeartbeatDelay').value, undefined);
});

test('queue age, backlog and dead letters from the queues, without receiving a message', async () => {
  const { sqs } = stack().clients;
  const queues = stack().resources.lanes[LANE]!;
  for (const body of ['a', 'b', 'c']) await sqs.send(new SendMessageCommand({ QueueUrl: queues.queueUrl, MessageBody: body }));
  await sqs.send(new SendMessageCommand({ QueueUrl: queues.dlqUrl, MessageBody: 'dead' }));
  // local-aws-sqs counts a message as delayed until one timer tick after it was sent, even without a delay.
  await waitFor(() => localQueueStats(stack().servers.sqsService, queues.dlqUrl).visible === 1, { description: 'the DLQ message visible' });

  offsetMs = (AGE_SECONDS + 5) * 1000;
  const states = await evaluator().evaluate();
  offsetMs = 0;
  assert.equal(stateOf(states, 'QueueAge').state, 'ALARM');
  assert.ok(stateOf(states, 'QueueAge').value! >= AGE_SECONDS + 4);
  assert.deepEqual(
    [stateOf(states, 'Backlog').state, stateOf(states, 'Backlog').value, stateOf(states, 'Backlog').threshold],
    ['ALARM', 3, BACKLOG],
  );
  assert.deepEqual([stateOf(states, 'DeadLetters').state, stateOf(states, 'DeadLetters').value], ['ALARM', 1]);
  assert.deepEqual(
    [stateOf(states, 'NewDeadLetters').state, stateOf(states, 'NewDeadLetters').value],
    ['ALARM', 1],
    'sent 35 s ago: within the minute',
  );

  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queues.queueUrl, MaxNumberOfMessages: 10, AttributeNames: ['All'], WaitTimeSeconds: 0 }),
  );
  assert.equal(Messages.length, 3);
  assert.deepEqual(
    Messages.map((m) => m.Attributes?.ApproximateReceiveCount),
    ['1', '1', '1'],
    'evaluating received nothing',
  );
});

test('a letter older than a minute keeps DeadLetters in ALARM but not NewDeadLetters; a new one fires NewDeadLetters again', async () => {
  const { sqs } = stack().clients;
  const { dlqUrl } = stack().resources.lanes[LANE]!;
  const waiting = localQueueStats(stack().servers.sqsService, dlqUrl).visible;
  await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: 'old letter' }));
  const oldSentBy = Date.now();
  const visible = (count: number) =>
    waitFor(() => localQueueStats(stack().servers.sqsService, dlqUrl).visible === count, { description: `${count} letter(s) visible` });
  await visible(waiting + 1);
  const atMinuteAfter = () =>
    new LocalAlarmEvaluator({ stack: stack(), recorder: new OutcomeRecorder(), now: () => oldSentBy + 60_000 }).evaluate();

  const quiet = await atMinuteAfter();
  assert.deepEqual([stateOf(quiet, 'NewDeadLetters').state, stateOf(quiet, 'NewDeadLetters').value], ['OK', 0]);
  assert.deepEqual([stateOf(quiet, 'DeadLetters').state, stateOf(quiet, 'DeadLetters').value], ['ALARM', waiting + 1]);

  await waitFor(() => Date.now() > oldSentBy, { description: 'the clock past the old letter' });
  await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: 'new letter' }));
  await visible(waiting + 2);
  const again = await atMinuteAfter();
  assert.deepEqual(
    [stateOf(again, 'NewDeadLetters').state, stateOf(again, 'NewDeadLetters').value, stateOf(again, 'NewDeadLetters').threshold],
    ['ALARM', 1, 0],
  );
  assert.deepEqual([stateOf(again, 'DeadLetters').state, stateOf(again, 'DeadLetters').value], ['ALARM', waiting + 2]);
});

test("a dead letter within two days of its retention's end is DeadLetterExpiry ALARM; younger, OK", async () => {
  const { sqs } = stack().clients;
  const { dlqUrl } = stack().resources.lanes[LANE]!;
  await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: 'a letter about to expire' }));
  const sentBy = Date.now();
  await waitFor(() => localQueueStats(stack().servers.sqsService, dlqUrl).visible >= 1, { description: 'the letter visible' });
  // The lane's only task type is its heartbeat: max age 120 s, timeout 10 s, so a 6 x (10 s + 10 s) = 120 s
  // visibility timeout, 5 receives (the default maxReceiveCount); 14 d - (120 s + 600 s) - 48 h = 1,036,080 s.
  const threshold = 1_036_080;
  const at = (ms: number) => new LocalAlarmEvaluator({ stack: stack(), recorder: new OutcomeRecorder(), now: () => ms }).evaluate();

  const young = stateOf(await at(sentBy + 60_000), 'DeadLetterExpiry');
  assert.deepEqual([young.state, young.threshold, young.unit], ['OK', threshold, 'seconds']);
  const old = stateOf(await at(sentBy + (threshold + 60) * 1000), 'DeadLetterExpiry');
  assert.equal(old.state, 'ALARM');
  assert.ok(old.value! >= threshold + 60, `age ${old.value}`);
});

test('outcome rates: from the minimum number of tasks, over the last rate window only', async () => {
  const recorder = new OutcomeRecorder();
  const alarms = evaluator(recorder);
  const record = (outcome: Outcome, at = now()) =>
    recorder.listener({
      lane: LANE,
      type: 'some.type',
      outcome,
      timedOut: false,
      messageId: `${Math.random()}`,
      attempt: 1,
      durationMs: 1,
      at,
    });

  for (const outcome of [
    'expired',
    'expired',
    'expired',
    'succeeded',
    'succeeded',
    'succeeded',
    'succeeded',
    'succeeded',
    'succeeded',
  ] as const)
    record(outcome);
  const belowMinimum = stateOf(await alarms.evaluate(), 'ExpiredRate');
  assert.deepEqual(
    [belowMinimum.state, belowMinimum.value],
    ['OK', 0],
    `${DEFAULT_ALARM_OPTIONS.rateMinimumTasks - 1} tasks read as rate 0`,
  );

  record('succeeded');
  const states = await alarms.evaluate();
  assert.deepEqual([stateOf(states, 'ExpiredRate').state, stateOf(states, 'ExpiredRate').value], ['ALARM', 30]);
  assert.deepEqual([stateOf(states, 'FailureRate').state, stateOf(states, 'DuplicateRate').state], ['OK', 'OK']);

  offsetMs = DEFAULT_ALARM_OPTIONS.ratePeriodMinutes * 60_000 + 1;
  const later = stateOf(await alarms.evaluate(), 'ExpiredRate');
  offsetMs = 0;
  assert.deepEqual([later.state, later.value], ['OK', 0], 'older outcomes leave the window');
});

test('no heartbeat through a whole watched window is HeartbeatMissing ALARM', async () => {
  const alarms = evaluator();
  offsetMs = heartbeatMissingWindowMs(DEFAULT_ALARM_OPTIONS, definition.lane(LANE)) + 1;
  const missing = stateOf(await alarms.evaluate(), 'HeartbeatMissing');
  offsetMs = 0;
  assert.deepEqual([missing.state, missing.value, missing.threshold], ['ALARM', 0, 1]);
});
