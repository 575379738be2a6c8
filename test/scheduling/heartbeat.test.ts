/**
 * Heartbeats end to end on the local stack: every lane's heartbeat fired by
 * the fast-forwarded local scheduler through its queue and consumer, and the
 * local alarm evaluator watching. Pausing one lane's poller takes that lane,
 * and only that lane, to HeartbeatMissing ALARM; resuming it brings the
 * piled-up heartbeats in late (HeartbeatDelay) and then back to OK.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LocalAlarmEvaluator, type LocalAlarmState } from '../../src/local/alarms.ts';
import { startLocalConsumers, type LocalConsumers } from '../../src/local/consumers.ts';
import { JsonLogger } from '../../src/runtime/logger.ts';
import { OutcomeRecorder } from '../../src/local/outcome-recorder.ts';
import { startLocalScheduler, type LocalScheduler } from '../../src/local/scheduler.ts';
import { startLocalStack, type LocalStack } from '../../src/local/stack.ts';
import { waitFor } from '../support/wait.ts';
import { heartbeatDefinition } from './definitions.ts';

/** One scheduled minute per 2 real seconds: HeartbeatMissing's 3 intervals are 6 s, long beside a loaded machine's hiccups. */
const HEARTBEAT_SPEED = 30;
const PAUSED = 'beta';

const recorder = new OutcomeRecorder();
let running: LocalStack | undefined;
let consumers: LocalConsumers | undefined;
let scheduler: LocalScheduler | undefined;
let evaluator: LocalAlarmEvaluator;
const stack = () => running!;

// One hook: top-level hooks of a file start as they are registered, so a second one would not wait for the first.
before(async () => {
  running = await startLocalStack({
    definition: heartbeatDefinition,
    stateFile: false,
    provision: { visibilityTimeoutSeconds: 10 },
    poller: { waitTimeSeconds: 1 },
    log: { warn: () => {}, error: () => {} },
  });
  consumers = startLocalConsumers(running, {
    onOutcome: recorder.listener,
    logger: new JsonLogger({ level: 'SILENT' }),
  });
  scheduler = startLocalScheduler(running, { speed: HEARTBEAT_SPEED });
  evaluator = new LocalAlarmEvaluator({ stack: running, recorder, clock: scheduler.clock });
});
after(async () => {
  await scheduler?.stop();
  await consumers?.stop();
  await running?.stop();
});

const stateOf = (states: readonly LocalAlarmState[], lane: string, alarm: LocalAlarmState['alarm']) =>
  states.find((s) => s.lane === lane && s.alarm === alarm)!;

/** Waits until the evaluator's states satisfy `condition`, and returns them. */
const evaluateUntil = (condition: (states: LocalAlarmState[]) => boolean, description: string) =>
  waitFor(
    async () => {
      const states = await evaluator.evaluate();
      return condition(states) ? states : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100, description },
  );

const lanes = heartbeatDefinition.lanes.map((lane) => lane.name);

test('a paused lane, and only it, goes to HeartbeatMissing ALARM; resumed, its late heartbeats show as HeartbeatDelay, then OK', async (t) => {
  const initial = await evaluator.evaluate();
  assert.ok(
    lanes.every((lane) => stateOf(initial, lane, 'HeartbeatMissing').state !== 'ALARM'),
    'no alarm before a window has been watched',
  );

  const alive = await evaluateUntil(
    (states) => lanes.every((lane) => stateOf(states, lane, 'HeartbeatMissing').state === 'OK'),
    'every lane alive',
  );
  assert.ok(lanes.every((lane) => stateOf(alive, lane, 'HeartbeatMissing').value! >= 1));

  await stack().pollers.get(PAUSED)!.pause();
  const pausedAt = Date.now();
  const dead = await evaluateUntil(
    (states) => stateOf(states, PAUSED, 'HeartbeatMissing').state === 'ALARM',
    `${PAUSED} HeartbeatMissing ALARM`,
  );
  const timeToAlarm = Date.now() - pausedAt;
  t.diagnostic(
    `HeartbeatMissing of the paused lane went to ALARM ${timeToAlarm} ms after the pause (window: 3 intervals = ${(3 * 60_000) / HEARTBEAT_SPEED} ms real at speed ${HEARTBEAT_SPEED})`,
  );
  assert.equal(stateOf(dead, PAUSED, 'HeartbeatMissing').value, 0);
  for (const lane of lanes.filter((l) => l !== PAUSED))
    assert.equal(stateOf(dead, lane, 'HeartbeatMissing').state, 'OK', `${lane} stays alive`);
  // The ticks keep arriving and wait: the queue's age says so too.
  assert.equal(stateOf(dead, PAUSED, 'QueueAge').state, 'ALARM');
  assert.ok(stateOf(dead, PAUSED, 'QueueAge').value! > stateOf(dead, PAUSED, 'QueueAge').threshold);

  stack().pollers.get(PAUSED)!.resume();
  const late = await evaluateUntil(
    (states) => stateOf(states, PAUSED, 'HeartbeatDelay').state === 'ALARM',
    `${PAUSED} HeartbeatDelay ALARM`,
  );
  t.diagnostic(
    `after resuming: the waiting heartbeats arrived up to ${Math.round(stateOf(late, PAUSED, 'HeartbeatDelay').value!)} ms late`,
  );
  await evaluateUntil(
    (states) => stateOf(states, PAUSED, 'HeartbeatMissing').state === 'OK' && stateOf(states, PAUSED, 'HeartbeatDelay').state === 'OK',
    `${PAUSED} back to OK`,
  );
  const fired = scheduler!.counters;
  t.diagnostic(`heartbeat ticks fired: ${JSON.stringify(Object.fromEntries(Object.entries(fired).map(([type, c]) => [type, c.fired])))}`);
  assert.ok(Object.values(fired).every((c) => c.failed === 0));
});
