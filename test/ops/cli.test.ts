/**
 * `tasklanes` as the operator runs it: a child process, finding a local
 * stack through its state file and control API, with exit codes and
 * messages for the things that go wrong (unknown lane, no stack, missing
 * stack, missing credentials or region, no terminal to confirm a purge on).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { LocalAlarmEvaluator } from '../../src/local/alarms.ts';
import { recordControlUrl, startDashboard, type Dashboard } from '../../src/local/dashboard/server.ts';
import { OutcomeRecorder } from '../../src/local/outcome-recorder.ts';
import type { DeadLetterView } from '../../src/ops/lanes/dlq-peek.ts';
import type { LaneStatus } from '../../src/ops/lanes/status.ts';
import { dedupTableRecordStore, sendToDeadLetterQueue } from '../../src/runtime/dead-letter.ts';
import { COMMANDS } from '../../src/cli/cli.ts';
import { laneDefinition } from '../support/definitions.ts';
import { drainDeadLetters } from '../support/dlq.ts';
import { withLocalStack } from '../support/local-servers.ts';
import { sqsRecordFactory } from '../unit/helpers/factories.ts';
import { cli } from './support.ts';

const stateFile = join(mkdtempSync(join(tmpdir(), 'tasklanes-cli-')), 'local.json');

const local = (...args: string[]) => cli([...args, '--state-file', stateFile]);

describe('against the local stack', () => {
  const stack = withLocalStack({ definition: laneDefinition({ alpha: {}, beta: {} }), stateFile });
  let dashboard: Dashboard;

  before(async () => {
    const recorder = new OutcomeRecorder();
    // beta is consumed (a handler that accepts everything); alpha is not, so its messages stay.
    stack().startLane('beta', async () => ({ batchItemFailures: [] }));
    dashboard = await startDashboard({ stack: stack(), recorder, alarms: new LocalAlarmEvaluator({ stack: stack(), recorder }), port: 0 });
    await recordControlUrl(stateFile, dashboard);
    await stack().clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: stack().resources.lanes.alpha!.queueUrl,
        Entries: ['acme', 'acme', 'noisy'].map((tenant, index) => ({
          Id: String(index),
          MessageBody: JSON.stringify({ v: 1, id: `t-${index}`, type: 'x.y', tenant, createdAt: new Date().toISOString(), payload: {} }),
        })),
      }),
    );
  });
  after(() => dashboard.stop());

  it('status prints one table row per lane', async () => {
    const run = await local('status');
    assert.equal(run.code, 0, run.stderr);
    const rows = run.stdout
      .split('\n')
      .filter((line) => /^(alpha|beta)\s/.test(line))
      .map((line) => line.split(/\s{2,}/));
    assert.deepEqual(
      rows.map((row) => [row[0], row[1], row[6]]),
      [
        ['alpha', '3', 'PAUSED'],
        ['beta', '0', 'enabled'],
      ],
    );
    assert.match(run.stdout, /^lane\s+visible\s+in flight\s+delayed\s+oldest\s+dlq\s+consumer$/m);
  });

  it('status --json is valid JSON with every lane', async () => {
    const run = await local('status', '--json');
    assert.equal(run.code, 0, run.stderr);
    const rows = JSON.parse(run.stdout) as LaneStatus[];
    assert.deepEqual(
      rows.map((row) => [row.lane, row.visible, row.dlqVisible, row.consumerEnabled]),
      [
        ['alpha', 3, 0, false],
        ['beta', 0, 0, true],
      ],
    );
    assert.equal(typeof rows[0]!.oldestAgeSeconds, 'number');
  });

  it('drop --dry-run prints the final count and changes nothing', async () => {
    const run = await local('drop', 'alpha', '--tenant', 'noisy', '--dry-run');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^dry run: scanned 3, kept 2, would drop 1 in /m);
    const after = JSON.parse((await local('status', '--json')).stdout) as LaneStatus[];
    assert.equal(after[0]!.visible, 3);
  });

  it("pause and resume reach the poller inside the stack's process", async () => {
    assert.match((await local('pause', 'beta')).stdout, /lane beta: consumer paused/);
    assert.equal(stack().pollers.get('beta')!.state, 'paused');
    assert.match((await local('resume', 'beta')).stdout, /lane beta: consumer enabled/);
    assert.equal(stack().pollers.get('beta')!.state, 'running');
  });

  it('purge without a terminal and without --yes refuses as a usage error, and purges nothing', async () => {
    const run = await local('purge', 'alpha');
    assert.equal(run.code, 2);
    assert.match(run.stderr, /Purge lane alpha .*delete all 3 waiting/);
    assert.match(run.stderr, /pass --yes/);
    assert.equal((JSON.parse((await local('status', '--json')).stdout) as LaneStatus[])[0]!.visible, 3);
  });

  it('dlq peek shows reason and attempts of a 1 MiB dead letter, kept in the dedup table because its attributes did not fit', async () => {
    const { dlqUrl } = stack().resources.lanes.beta!;
    const envelope = { v: 1, id: 'big-1', type: 'x.y', tenant: 'acme', createdAt: new Date().toISOString(), payload: { pad: '' } };
    const body = JSON.stringify({ ...envelope, payload: { pad: 'x'.repeat(1_048_576 - Buffer.byteLength(JSON.stringify(envelope))) } });
    const record = { ...sqsRecordFactory(body), messageId: 'original-delivery-1' };
    const destination = {
      sqs: stack().clients.sqs,
      dlqUrl,
      records: dedupTableRecordStore(stack().clients.dynamodb, stack().resources.dedupTable),
    };
    const sent = await sendToDeadLetterQueue(destination, {
      record,
      lane: 'beta',
      reason: 'invalid',
      error: 'unknown task type "x.y"',
      attempts: 1,
      at: Date.now(),
    });
    assert.equal(sent.leftOff.length, 6, 'no reason attribute fits beside a 1 MiB body');

    const run = await local('dlq', 'peek', 'beta');
    assert.equal(run.code, 0, run.stderr);
    const row = run.stdout
      .split('\n')
      .find((line) => line.startsWith('x.y'))!
      .split(/\s{2,}/);
    assert.deepEqual(
      [row[0], row[1], row[2], row[3], row.at(-2), row.at(-1)],
      ['x.y', 'acme', 'big-1', '1', 'invalid', 'unknown task type "x.y"'],
    );
    const [letter] = JSON.parse((await local('dlq', 'peek', 'beta', '--json')).stdout) as DeadLetterView[];
    assert.deepEqual(
      [letter!.reason, letter!.attempts, letter!.originalMessageId, letter!.reasonFrom],
      ['invalid', 1, 'original-delivery-1', 'dedupTable'],
    );
    assert.equal(letter!.body, body);
    assert.equal((await drainDeadLetters(stack().clients.sqs, dlqUrl)).length, 1);
  });

  it('an unknown lane names the known ones', async () => {
    const run = await local('dlq', 'peek', 'nope');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /unknown lane "nope" \(known: alpha, beta\)/);
  });
});

describe('errors before any target', () => {
  it('no running local stack and no --stack', async () => {
    const run = await cli(['status', '--state-file', join(tmpdir(), 'no-such-dir', 'local.json')]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no local stack is running .*no --stack was given/);
  });

  it('--help on every command, and usage errors exit 2', async () => {
    for (const command of COMMANDS) {
      const run = await cli([...command.name.split(' '), '--help']);
      assert.equal(run.code, 0, command.name);
      assert.match(run.stdout, new RegExp(`^Usage: tasklanes ${command.name}`), command.name);
    }
    assert.equal((await cli(['status', '--bogus'])).code, 2);
    assert.equal((await cli(['frobnicate'])).code, 2);
    assert.equal((await local('drop', 'alpha')).code, 2, 'drop without a filter');
  });
});

describe('AWS target errors', () => {
  /** An environment with no AWS credentials or region anywhere the SDK looks. */
  const bare = (): NodeJS.ProcessEnv => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
    const none = join(tmpdir(), 'tasklanes-no-aws-config');
    return { ...env, AWS_CONFIG_FILE: none, AWS_SHARED_CREDENTIALS_FILE: none, AWS_EC2_METADATA_DISABLED: 'true' };
  };

  it('missing credentials', async () => {
    const run = await cli(['status', '--stack', 'tasklanes', '--region', 'eu-west-1'], bare());
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no AWS credentials found/);
  });

  it('missing region', async () => {
    const run = await cli(['status', '--stack', 'tasklanes'], bare());
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no AWS region/);
  });

  it('a stack that does not exist', async () => {
    const { startMissingStackCloudFormation } = await import('./fake-cloudformation.ts');
    const cloudformation = await startMissingStackCloudFormation();
    try {
      const env = {
        ...bare(),
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: 'eu-west-1',
        AWS_ENDPOINT_URL_CLOUDFORMATION: cloudformation.endpoint,
      };
      const run = await cli(['status', '--stack', 'no-such-stack'], env);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /stack no-such-stack not found: Stack with id no-such-stack does not exist/);
    } finally {
      await cloudformation.close();
    }
  });
});
