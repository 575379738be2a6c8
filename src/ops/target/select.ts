/**
 * Which target a command works on: the stack named with `--stack` (AWS),
 * otherwise the local stack that `tasklanes dev` (or the demo's `npm start`)
 * is running, found through its
 * state file. Never silently AWS: without `--stack` and without a local
 * stack, it is an error. The state file is refused when other users can
 * read or write it (it holds the control token).
 */
import { createDynamoDbClient, createSqsClient } from './local-clients.ts';
import { DEFAULT_STATE_FILE, readStateFile } from './state-file.ts';
import { NoTargetError } from '../errors.ts';
import { createAwsTarget } from './aws.ts';
import { httpControl } from './control-client.ts';
import { createLocalTarget } from './local.ts';
import { reportUnreachable, type ConnectionFailure } from './unreachable.ts';
import type { OpsTarget } from './target.ts';

export interface TargetSelection {
  /** CloudFormation stack name: target AWS. */
  readonly stack?: string;
  readonly region?: string;
  /** Local state file. Default `DEFAULT_STATE_FILE`. */
  readonly stateFile?: string;
}

export async function selectTarget(selection: TargetSelection): Promise<OpsTarget> {
  if (selection.stack) {
    return createAwsTarget({ stackName: selection.stack, region: selection.region });
  }
  const path = selection.stateFile ?? DEFAULT_STATE_FILE;
  const state = await readStateFile(path);
  if (!state) {
    throw new NoTargetError(
      `no local stack is running (no live ${path}; start one with \`tasklanes dev\`), and no --stack was given for AWS`,
    );
  }
  if (!state.control) {
    throw new NoTargetError(
      `the local stack (pid ${state.pid}) serves no control API: it was started without the dashboard; use \`tasklanes dev\``,
    );
  }
  const sqs = createSqsClient(state.sqsEndpoint, state.region);
  const dynamodb = createDynamoDbClient(state.dynamodbEndpoint, state.region);
  const gone = (server: string, endpoint: string) => (failure: ConnectionFailure) =>
    `cannot reach the local ${server} at ${endpoint} (${failure.what}): the local run (pid ${state.pid}, ${path}) no longer serves it; stop it and start \`tasklanes dev\` (or the demo's \`npm start\`) again`;
  reportUnreachable(sqs, gone('SQS server', state.sqsEndpoint));
  reportUnreachable(dynamodb, gone('DynamoDB server', state.dynamodbEndpoint));
  return createLocalTarget({
    description: `local stack (pid ${state.pid})`,
    sqs,
    dynamodb,
    dedupTable: state.dedupTable,
    lanes: state.lanes,
    taskTypes: state.taskTypes,
    control: httpControl(state.control, path),
    onClose: () => {
      sqs.destroy();
      dynamodb.destroy();
    },
  });
}
