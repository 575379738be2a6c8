/**
 * `tasklanes/local`: a definition running on this machine against embedded
 * SQS- and DynamoDB-compatible servers, with no AWS account. `startLocalRun`
 * is what `tasklanes dev` and the demo's `npm start` run; `startLocalStack`
 * and `startLocalConsumers` are its parts, for an app's own tests.
 */
export {
  indent,
  LOCAL_RUN_ARGS,
  LOCAL_RUN_DEFAULTS,
  LOCAL_RUN_USAGE,
  localRunSettings,
  startLocalRun,
  untilSignalled,
  type LocalRun,
  type LocalRunOptions,
} from './run.ts';
export { startLocalStack, LaneAlreadyStartedError, type LocalStack, type LocalStackOptions } from './stack.ts';
export { startLocalConsumers, type LocalConsumers, type LocalConsumersOptions } from './consumers.ts';
export { OutcomeRecorder } from './outcome-recorder.ts';
export type { OutcomeEvent } from '../runtime/outcome.ts';
export { renderTable } from '../ops/format/table.ts';
export { UsageError } from '../ops/errors.ts';
