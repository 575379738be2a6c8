import { SendMessageCommand } from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { LaneAlreadyStartedError, startLocalStack } from '../../src/local/stack.ts';
import { readStateFile, writeStateFile } from '../../src/ops/target/state-file.ts';
import { laneDefinition } from '../support/definitions.ts';
import { waitFor } from '../support/wait.ts';

const definition = laneDefinition({ orders: {}, mail: {} });

describe('local stack', () => {
  test('starts, provisions, records itself in the state file, runs a lane, and cleans up on stop', async (t) => {
    const directory = await mkdtemp(join(tmpdir(), 'tasklanes-stack-'));
    t.after(() => rm(directory, { recursive: true, force: true }));
    const stateFile = join(directory, 'local.json');

    const stack = await startLocalStack({ definition, stateFile, provision: { visibilityTimeoutSeconds: 2 } });
    try {
      const state = await readStateFile(stateFile);
      assert.ok(state, 'the state file names the running stack');
      assert.equal(state.pid, process.pid);
      assert.equal(state.sqsEndpoint, stack.servers.sqsEndpoint);
      assert.equal(state.dynamodbEndpoint, stack.servers.dynamodbEndpoint);
      assert.deepEqual(state.lanes, stack.resources.lanes);
      assert.equal(state.dedupTable, stack.resources.dedupTable);

      const bodies: string[] = [];
      const poller = stack.startLane('orders', async (event) => {
        bodies.push(...event.Records.map((record) => record.body));
      });
      assert.equal(stack.pollers.get('orders'), poller);
      assert.throws(() => stack.startLane('orders', async () => {}), LaneAlreadyStartedError);
      assert.throws(() => stack.startLane('nope', async () => {}), { name: 'DefinitionError' });

      await stack.clients.sqs.send(new SendMessageCommand({ QueueUrl: stack.resources.lanes.orders!.queueUrl, MessageBody: 'order-1' }));
      await waitFor(() => poller.counters.deleted === 1, { description: 'the order processed' });
      assert.deepEqual(bodies, ['order-1']);
    } finally {
      await stack.stop();
    }
    assert.equal(stack.pollers.get('orders')?.state, 'stopped');
    assert.equal(await readStateFile(stateFile), undefined, 'the state file is removed on stop');
  });

  test('a state file left by a process that is gone is ignored', async (t) => {
    const directory = await mkdtemp(join(tmpdir(), 'tasklanes-stale-'));
    t.after(() => rm(directory, { recursive: true, force: true }));
    const stateFile = join(directory, 'local.json');
    const gonePid = 2 ** 22 + 1; // above Linux's pid_max
    await writeStateFile(stateFile, {
      version: 2,
      pid: gonePid,
      startedAt: new Date().toISOString(),
      sqsEndpoint: 'http://127.0.0.1:1',
      dynamodbEndpoint: 'http://127.0.0.1:2',
      region: 'us-east-1',
      lanes: {},
      dedupTable: 'tasklanes-dedup',
    });
    assert.equal(await readStateFile(stateFile), undefined);
  });
});
