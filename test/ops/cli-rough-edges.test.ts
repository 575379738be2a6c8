/**
 * The rough edges a newcomer met in the CLI (issue 12), each as the operator
 * meets it, against a real local stack: exit codes of an unconfirmed purge,
 * `tasklanes dlq` alone, `drop` with an unknown type or lane, argument
 * errors, `--interval` without `--watch`, `dlq peek`'s times and what it says
 * about receive counts, and servers that no longer answer.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { main } from '../../src/cli/cli.ts';
import { LocalAlarmEvaluator } from '../../src/local/alarms.ts';
import { recordControlUrl, startDashboard, type Dashboard } from '../../src/local/dashboard/server.ts';
import { OutcomeRecorder } from '../../src/local/outcome-recorder.ts';
import type { DeadLetterView } from '../../src/ops/lanes/dlq-peek.ts';
import type { LaneStatus } from '../../src/ops/lanes/status.ts';
import { writeStateFile } from '../../src/ops/target/state-file.ts';
import { laneDefinition } from '../support/definitions.ts';
import { withLocalStack } from '../support/local-servers.ts';
import { waitFor } from '../support/wait.ts';
import { cli } from './support.ts';

const directory = mkdtempSync(join(tmpdir(), 'tasklanes-cli-edges-'));
const stateFile = join(directory, 'local.json');
const local = (...args: string[]) => cli([...args, '--state-file', stateFile]);
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/** An error's whole story on stderr: one line, no stack trace. */
const oneLine = (stderr: string) => stderr.trimEnd().split('\n');

describe('against a local stack', () => {
  const stack = withLocalStack({ definition: laneDefinition({ alpha: {}, beta: {} }), stateFile });
  let dashboard: Dashboard;
  const createdAt = '2026-11-26T10:00:00.000Z';

  before(async () => {
    const recorder = new OutcomeRecorder();
    dashboard = await startDashboard({ stack: stack(), recorder, alarms: new LocalAlarmEvaluator({ stack: stack(), recorder }), port: 0 });
    await recordControlUrl(stateFile, dashboard);
    const { queueUrl, dlqUrl } = stack().resources.lanes.alpha!;
    const body = JSON.stringify({ v: 1, id: 'waiting-1', type: 'heartbeat.alpha', tenant: 'acme', createdAt, payload: {} });
    await stack().clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    await stack().clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: dlqUrl,
        MessageBody: JSON.stringify({ v: 1, id: 'dead-1', type: 'no.such.type', tenant: 'acme', createdAt, payload: {} }),
        MessageAttributes: {
          'tasklanes-reason': { DataType: 'String', StringValue: 'invalid' },
          'tasklanes-failed-at': { DataType: 'String', StringValue: '2026-11-26T10:00:01.000Z' },
        },
      }),
    );
  });
  after(() => dashboard.stop());

  it('an unconfirmed purge: exit 2 without a terminal, with the help; 130 when the lane name is not typed; nothing purged', async () => {
    const scripted = await local('purge', 'alpha');
    assert.equal(scripted.code, 2);
    assert.match(scripted.stderr, /^Purge lane alpha on local stack \(pid \d+\): delete all 1 waiting message\(s\)/);
    assert.match(
      scripted.stderr,
      /\nNo terminal to confirm on: pass --yes to confirm from a script\.\n\nUsage: tasklanes purge <lane> \[options\]/,
    );

    // On a terminal: the operator types something other than the lane's name.
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let said = '';
    stderr.on('data', (chunk) => (said += chunk));
    const io = { stdin, stdout, stderr } as unknown as Parameters<typeof main>[1];
    const running = main(['purge', 'alpha', '--state-file', stateFile], io);
    await waitFor(() => said.includes('Type the lane name (alpha) to confirm: '), { description: 'the confirmation prompt' });
    stdin.write('beta\n');
    assert.equal(await running, 130);
    assert.match(said, /Not confirmed; nothing purged\.\n$/);

    const [alpha] = JSON.parse((await local('status', '--json')).stdout) as LaneStatus[];
    assert.equal(alpha!.visible, 1);
  });

  it("drop: an unknown type is an error naming the lane's types; an unknown lane errors before any progress line", async () => {
    const unknownType = await local('drop', 'alpha', '--type', 'no.such.type');
    assert.equal(unknownType.code, 1);
    assert.deepEqual(oneLine(unknownType.stderr), [
      'tasklanes drop: lane alpha has no task type "no.such.type" (its types: heartbeat.alpha)',
    ]);

    const unknownLane = await local('drop', 'nolane', '--tenant', 'acme');
    assert.equal(unknownLane.code, 1);
    assert.deepEqual(oneLine(unknownLane.stderr), ['tasklanes drop: unknown lane "nolane" (known: alpha, beta)']);

    const knownType = await local('drop', 'alpha', '--type', 'heartbeat.alpha', '--dry-run');
    assert.equal(knownType.code, 0, knownType.stderr);
    assert.match(knownType.stdout, /^dry run: scanned 1, kept 0, would drop 1 in /m);
  });

  it('dlq peek --json gives every time in ISO-8601; the table says peeking raised the receive count, and it did', async () => {
    const first = JSON.parse((await local('dlq', 'peek', 'alpha', '--json')).stdout) as DeadLetterView[];
    assert.deepEqual(
      first.map((letter) => [letter.id, letter.createdAt, letter.failedAt]),
      [['dead-1', createdAt, '2026-11-26T10:00:01.000Z']],
    );
    const table = await local('dlq', 'peek', 'alpha');
    assert.equal(table.code, 0, table.stderr);
    assert.match(
      table.stdout,
      /^DLQ of lane alpha \(local stack \(pid \d+\)\): showing 1 of 1; they stay in the DLQ, but peeking received them, which raised each one's receive count$/m,
    );
    const third = JSON.parse((await local('dlq', 'peek', 'alpha', '--json')).stdout) as DeadLetterView[];
    assert.ok(
      third[0]!.receiveCount > first[0]!.receiveCount,
      `receive count ${first[0]!.receiveCount}, two peeks later ${third[0]!.receiveCount}`,
    );
    assert.match(third[0]!.createdAt!, ISO);
  });
});

describe('usage, before any target', () => {
  it('`tasklanes dlq` alone lists its subcommands (exit 2); with --help on stdout (exit 0); an unknown one is named', async () => {
    const bare = await cli(['dlq']);
    assert.equal(bare.code, 2);
    const subcommands =
      /Usage: tasklanes dlq <subcommand> \[options\]\n\nSubcommands:\n {2}dlq peek <lane> +show a lane's dead letters.*\n {2}dlq redrive <lane> +move a lane's dead letters back/;
    assert.match(bare.stderr, new RegExp(`^tasklanes dlq needs a subcommand\\n\\n${subcommands.source}`));
    const help = await cli(['dlq', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, new RegExp(`^${subcommands.source}`));
    const unknown = await cli(['dlq', 'empty']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, new RegExp(`^unknown command "dlq empty"\\n\\n${subcommands.source}`));
  });

  it('argument errors are one clean line before the help: an unknown option, a missing value, a value on a flag', async () => {
    const cases: Array<[string[], string]> = [
      [['status', '--bogus'], 'unknown option --bogus'],
      [['dlq', 'peek', 'alpha', '-x'], 'unknown option -x'],
      [['drop', 'alpha', '--type'], '--type needs a value'],
      [
        ['drop', 'alpha', '--type', '--dry-run'],
        '--type needs a value, and --dry-run looks like an option: write --type=--dry-run if it is the value',
      ],
      [['status', '--json=yes'], '--json takes no value (got --json=yes)'],
    ];
    for (const [args, message] of cases) {
      const run = await cli(args);
      assert.equal(run.code, 2, args.join(' '));
      const [first, blank, usage] = run.stderr.split('\n');
      assert.deepEqual([first, blank], [message, ''], args.join(' '));
      assert.match(usage!, /^Usage: tasklanes /);
    }
  });

  it('--interval without --watch is a usage error, not ignored', async () => {
    const run = await cli(['status', '--interval', '2']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^--interval sets the pace of --watch: give --watch too, or leave --interval out\n\nUsage: tasklanes status/);
  });
});

describe('an unreachable endpoint is one line, not a stack trace', () => {
  /** A port nothing listens on: the OS's pick, closed again. */
  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  it('local: a run whose servers no longer answer (its process alive), through SQS and through the control API', async () => {
    const port = await closedPort();
    const endpoint = `http://127.0.0.1:${port}`;
    const gone = join(directory, 'gone', 'local.json');
    const queueUrl = `${endpoint}/000000000000/tasklanes-alpha`;
    await writeStateFile(gone, {
      version: 2,
      pid: process.pid,
      startedAt: '2026-11-26T10:00:00.000Z',
      sqsEndpoint: endpoint,
      dynamodbEndpoint: endpoint,
      region: 'us-east-1',
      lanes: {
        alpha: {
          queueUrl,
          queueArn: 'arn:aws:sqs:us-east-1:000000000000:tasklanes-alpha',
          dlqUrl: `${queueUrl}-dlq`,
          dlqArn: 'arn:aws:sqs:us-east-1:000000000000:tasklanes-alpha-dlq',
        },
      },
      dedupTable: 'tasklanes-dedup',
      control: { url: endpoint, token: 'token-of-a-run-gone' },
    });

    const peek = await cli(['dlq', 'peek', 'alpha', '--state-file', gone]);
    assert.equal(peek.code, 1);
    assert.deepEqual(oneLine(peek.stderr), [
      `tasklanes dlq peek: cannot reach the local SQS server at ${endpoint} (connection refused): the local run (pid ${process.pid}, ${gone}) no longer serves it; stop it and start \`tasklanes dev\` (or the demo's \`npm start\`) again`,
    ]);
    const status = await cli(['status', '--state-file', gone]);
    assert.equal(status.code, 1);
    assert.deepEqual(oneLine(status.stderr), [
      `tasklanes status: the local stack's control API at ${endpoint} did not answer (connection refused): the local run in ${gone} no longer serves it; stop it and start \`tasklanes dev\` (or the demo's \`npm start\`) again`,
    ]);
  });

  it('AWS: an endpoint that refuses the connection', async () => {
    const port = await closedPort();
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
    const run = await cli(['status', '--stack', 'tasklanes'], {
      ...env,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_CLOUDFORMATION: `http://127.0.0.1:${port}`,
    });
    assert.equal(run.code, 1);
    assert.deepEqual(oneLine(run.stderr), [
      `tasklanes status: cannot reach AWS cloudformation at 127.0.0.1:${port} (connection refused): check the network, the region (--region, AWS_REGION) and any AWS_ENDPOINT_URL setting`,
    ]);
  });
});
