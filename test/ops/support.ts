/** Helpers for the ops tests: the harness's stack as an ops target, and waiting on a queue's numbers. */
import { localQueueStats } from '../../src/local/queue-stats.ts';
import type { QueueStats } from '../../src/ops/target/control-client.ts';
import type { LocalStack } from '../../src/local/stack.ts';
import { waitFor, type WaitOptions } from '../support/wait.ts';

/** Waits until the queue's stats satisfy `condition`; returns them. */
export function waitForQueue(
  stack: LocalStack,
  queueUrl: string,
  condition: (stats: QueueStats) => boolean,
  options: WaitOptions = {},
): Promise<QueueStats> {
  return waitFor(
    () => {
      const stats = localQueueStats(stack.servers.sqsService, queueUrl);
      return condition(stats) ? stats : undefined;
    },
    { description: `queue ${queueUrl.split('/').at(-1)} to reach the expected numbers`, ...options },
  );
}
