/**
 * Upgrades keep the message contract: bodies that tasklanes 0.1.0's
 * publisher sent (recorded from it, before the package existed, in
 * fixtures/v1-bodies-0.1.0.json) are accepted by today's consumer and run.
 * The clock is pinned one second after the recording, so the bodies' ages
 * stay what they were when they were sent.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DEMO_WORKER_ENTRY, demoDefinition } from '../../demo/local-definition.ts';
import { withRunningLanes } from '../support/harness.ts';

interface Recorded {
  readonly queue: string;
  readonly groupId: string;
  readonly body: string;
}

const RECORDING = JSON.parse(readFileSync(new URL('./fixtures/v1-bodies-0.1.0.json', import.meta.url), 'utf8')) as { messages: Recorded[] };
const RECORDED_AT = Date.parse('2026-12-02T12:00:01.000Z');

/** First outcome of each recorded task, written out: the webhook's subscriber (port 9) never answers, so it is retried, not refused. */
const EXPECTED = {
  'rec-order-1': 'succeeded',
  'rec-email-1': 'succeeded',
  'rec-email-2': 'succeeded',
  'rec-webhook-1': 'retried',
  'rec-pdf-1': 'succeeded',
  'rec-batch-1': 'succeeded',
  'rec-batch-2': 'succeeded',
};

const lanes = withRunningLanes({ definition: demoDefinition, workerEntry: DEMO_WORKER_ENTRY, now: () => RECORDED_AT });

test("0.1.0's v1 bodies run on today's consumer, none refused as invalid", async () => {
  const harness = lanes();
  assert.equal(RECORDING.messages.length, Object.keys(EXPECTED).length);
  for (const message of RECORDING.messages) await harness.sendRaw(message.queue.replace(/^lane:/, ''), message.body);
  const ids = Object.keys(EXPECTED);
  const first = await harness.waitForOutcomes((event) => ids.includes(event.id ?? '') && event.attempt === 1, ids.length);
  assert.deepEqual(
    Object.fromEntries(first.map((event) => [event.id, event.outcome]).sort()),
    Object.fromEntries(Object.entries(EXPECTED).sort()),
  );
  const webhook = first.find((event) => event.id === 'rec-webhook-1')!;
  assert.doesNotMatch(webhook.reason ?? '', /^invalid/);
});
