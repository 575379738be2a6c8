/**
 * The local control, in the process that runs the stack: queue stats read
 * from the embedded SQS service, pausing through the lane pollers, a task's
 * outcomes from the run's recorder. The dashboard server serves it to the
 * CLI; tests and the dashboard use it directly.
 */
import type { OutcomeRecorder } from '../outcome-recorder.ts';
import { localQueueStats } from '../queue-stats.ts';
import { taskTypesByLane, type LocalStack } from '../stack.ts';
import { createLocalTarget, type LocalControl } from '../../ops/target/local.ts';
import { matchesOutcome, taskOutcomeOf } from '../../ops/target/task-trail.ts';
import type { OpsTarget } from '../../ops/target/target.ts';
import { LocalControlError } from '../../ops/errors.ts';

/** `recorder`: the run's outcomes, for the task lookup; without one, asking for them is a LocalControlError. */
export function inProcessControl(stack: LocalStack, recorder?: OutcomeRecorder): LocalControl {
  const poller = (lane: string) => {
    const found = stack.pollers.get(lane);
    if (!found) throw new LocalControlError(`lane "${lane}" has no consumer in this local stack`);
    return found;
  };
  return {
    queueStats: async (queueUrl) => localQueueStats(stack.servers.sqsService, queueUrl),
    consumerEnabled: async (lane) => stack.pollers.get(lane)?.state === 'running',
    pause: (lane) => poller(lane).pause(),
    resume: async (lane) => poller(lane).resume(),
    async taskOutcomes(match) {
      if (!recorder) throw new LocalControlError('this local stack keeps no outcomes (it runs without an OutcomeRecorder)');
      return { outcomes: recorder.history((event) => matchesOutcome(match, event)).map(taskOutcomeOf), since: recorder.historySince };
    },
  };
}

/** The running local stack as an ops target, sharing its SQS and DynamoDB clients. */
export function inProcessTarget(stack: LocalStack, recorder?: OutcomeRecorder): OpsTarget {
  return createLocalTarget({
    description: `local stack (pid ${process.pid})`,
    sqs: stack.clients.sqs,
    dynamodb: stack.clients.dynamodb,
    dedupTable: stack.resources.dedupTable,
    lanes: stack.resources.lanes,
    taskTypes: taskTypesByLane(stack.definition),
    control: inProcessControl(stack, recorder),
  });
}
