/**
 * Faults a DynamoDB server cannot be made to produce on demand (a batch
 * request failing whole, an answer lost after the writes landed, one
 * statement of a batch throttled, a read left unprocessed), injected into a
 * client as SDK middleware: the next request of a command goes through a
 * fault function, which may change what is sent, send it or not, and change
 * or replace the answer. It sits inside the claim-write watcher
 * (claim-writes.ts) and outside the SDK's retries, so the code under test
 * sees the fault as it would after the SDK gave up.
 */
import type {
  BatchExecuteStatementCommandInput,
  BatchExecuteStatementCommandOutput,
  BatchGetItemCommandInput,
  BatchGetItemCommandOutput,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

/** The commands a fault can be armed for: their input and output. */
interface FaultableCommands {
  readonly BatchExecuteStatementCommand: readonly [BatchExecuteStatementCommandInput, BatchExecuteStatementCommandOutput];
  readonly BatchGetItemCommand: readonly [BatchGetItemCommandInput, BatchGetItemCommandOutput];
}
type FaultableCommand = keyof FaultableCommands;

/** Instead of the request: `send` passes an input on to the server and returns its answer. */
export type Fault<C extends FaultableCommand> = (
  input: FaultableCommands[C][0],
  send: (input: FaultableCommands[C][0]) => Promise<FaultableCommands[C][1]>,
) => Promise<FaultableCommands[C][1]>;

/** A fault with its command's types erased, as the middleware holds it. */
type ArmedFault = (input: unknown, send: (input: unknown) => Promise<unknown>) => Promise<unknown>;

export class FaultAlreadyArmedError extends Error {
  override readonly name = 'FaultAlreadyArmedError';
}

/** What the SDK's HTTP handler throws when a request outlives its timeout. */
export class InjectedTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

export interface FaultInjector {
  /** The next request of `command` goes through `fault`; resolves once it has run (whether it threw or answered). */
  arm<C extends FaultableCommand>(command: C, fault: Fault<C>): Promise<void>;
}

export function injectFaults(client: DynamoDBClient): FaultInjector {
  const armed = new Map<string, { fault: ArmedFault; ran: () => void }>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const entry = armed.get(context.commandName ?? '');
      if (!entry) return next(args);
      armed.delete(context.commandName!);
      let sent: Awaited<ReturnType<typeof next>> | undefined;
      try {
        const output = await entry.fault(args.input, async (input) => {
          sent = await next({ ...args, input: input as typeof args.input });
          return sent.output;
        });
        return { response: sent?.response, output } as Awaited<ReturnType<typeof next>>;
      } finally {
        entry.ran();
      }
    },
    { step: 'initialize', name: 'injectFaults' },
  );
  return {
    arm(command, fault) {
      if (armed.has(command)) throw new FaultAlreadyArmedError(`a fault is already armed for ${command}`);
      return new Promise((ran) => armed.set(command, { fault: fault as unknown as ArmedFault, ran }));
    },
  };
}
