/** Records the command names a DynamoDB client sends, in order, so tests can assert how many requests a path costs. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export function recordCommands(client: DynamoDBClient): string[] {
  const sent: string[] = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      sent.push(context.commandName ?? 'unknown');
      return next(args);
    },
    { step: 'initialize' },
  );
  return sent;
}
