/**
 * Connection failures as one line. The AWS SDK passes Node's own socket
 * error through (`Error: connect ECONNREFUSED 127.0.0.1:4566` and its
 * stack), and fetch wraps it as `fetch failed`; both carry the system error
 * code, which is what this reads, never the message.
 */
import { EndpointUnreachableError } from '../errors.ts';

/** System error codes of a connection that could not be made or was cut, as people read them. */
const CONNECTION_FAILURES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

export interface ConnectionFailure {
  /** `connection refused`. */
  readonly what: string;
  /** `127.0.0.1:4566`, or the host name that did not resolve. */
  readonly where?: string;
}

/** The connection failure in `error` or its causes; undefined for any other error. */
export function connectionFailure(error: unknown): ConnectionFailure | undefined {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    const { code, address, port, hostname } = cause as NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string };
    const what = code === undefined ? undefined : CONNECTION_FAILURES[code];
    if (what) return { what, where: address ? `${address}${port ? `:${port}` : ''}` : hostname };
  }
  return undefined;
}

/** What this needs of an SDK v3 client (its middleware stack), without naming a @smithy type. */
type Handler = (args: { input: object }) => Promise<unknown>;
interface MiddlewareClient {
  readonly middlewareStack: {
    add(middleware: (next: unknown) => Handler, options: { step: 'initialize'; name: string; priority: 'high' }): void;
  };
}

/**
 * Makes every request of `client` that cannot connect (after the SDK's own
 * retries) fail with an EndpointUnreachableError whose message `describe`
 * words for the target: which server, and what to do.
 */
export function reportUnreachable(client: MiddlewareClient, describe: (failure: ConnectionFailure) => string): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await (next as Handler)(args);
      } catch (error) {
        const failure = connectionFailure(error);
        if (failure) throw new EndpointUnreachableError(describe(failure), { cause: error });
        throw error;
      }
    },
    { step: 'initialize', name: 'tasklanesReportUnreachable', priority: 'high' },
  );
}
