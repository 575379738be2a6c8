/**
 * Which claim path a consumer actually took, read off the wire of its
 * DynamoDB client: PartiQL batches that were answered, batches the server
 * refused for want of PartiQL, and single conditional claims (PutItem with a
 * condition: done marks have none). A test asserts the mode its backend
 * must give, so a silent fall back to single claims fails it.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** One claim request: `batch` answered, `refused` (no PartiQL), `batchFailed` (not answered: network, throttling), `single`. */
export type ClaimWrite = 'batch' | 'refused' | 'batchFailed' | 'single';

/** What a run's claim writes show: batched (PartiQL), single (no answered batch), none, or both (a batch answered and one refused). */
export type ClaimMode = 'batch' | 'single' | 'none' | 'mixed';

/** What dedup.ts's store sees from a server without PartiQL. */
const NO_PARTIQL = 'UnknownOperationException';

/** Reports every claim request `client` sends from now on, with how it ended. */
export function watchClaimWrites(client: DynamoDBClient, onWrite: (write: ClaimWrite) => void): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { ConditionExpression?: string };
      if (context.commandName === 'PutItemCommand' && input.ConditionExpression) onWrite('single');
      if (context.commandName !== 'BatchExecuteStatementCommand') return next(args);
      try {
        const result = await next(args);
        onWrite('batch');
        return result;
      } catch (error) {
        onWrite(error instanceof Error && error.name === NO_PARTIQL ? 'refused' : 'batchFailed');
        throw error;
      }
    },
    // Outermost: sees what the store sees, including faults a test injects further in.
    { step: 'initialize', priority: 'high', name: 'watchClaimWrites' },
  );
}

export function claimModeOf(writes: readonly ClaimWrite[]): ClaimMode {
  const answered = writes.includes('batch');
  if (answered) return writes.includes('refused') ? 'mixed' : 'batch';
  return writes.includes('single') ? 'single' : 'none';
}
