/**
 * node:test fixtures for the local servers: each registers before/after hooks
 * in the calling suite (or file) and returns accessors valid inside tests.
 */
import { after, before } from 'node:test';
import {
  createLocalClients,
  createDynamoDbClient,
  type LocalClientOverrides,
  type LocalClients,
} from '../../src/ops/target/local-clients.ts';
import { startDynamoDbLocal, type DynamoDbLocal, type DynamoDbLocalOptions } from '../../src/local/dynamodb-local.ts';
import { startLocalServers, type LocalServers, type LocalServersOptions } from '../../src/local/servers.ts';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../src/local/stack.ts';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export class FixtureNotStartedError extends Error {
  override readonly name = 'FixtureNotStartedError';
}

/** Runs `start` before the suite and `stop` after it; `get()` returns the started value. */
function fixture<T>(start: () => Promise<T>, stop: (value: T) => Promise<void> | void): () => T {
  let value: T | undefined;
  before(async () => {
    value = await start();
  });
  after(async () => {
    if (value !== undefined) await stop(value);
  });
  return () => {
    if (value === undefined) throw new FixtureNotStartedError('fixture used outside a test of its suite');
    return value;
  };
}

export interface LocalServersFixture {
  readonly servers: LocalServers;
  readonly clients: LocalClients;
}

export function withLocalServers(
  options: LocalServersOptions & { readonly clients?: LocalClientOverrides } = {},
): () => LocalServersFixture {
  return fixture(
    async () => {
      const servers = await startLocalServers(options);
      return { servers, clients: createLocalClients(servers, options.clients) };
    },
    async ({ servers, clients }) => {
      clients.destroy();
      await servers.stop();
    },
  );
}

export interface DynamoDbLocalFixture {
  readonly server: DynamoDbLocal;
  readonly dynamodb: DynamoDBClient;
}

/** DynamoDB Local for the suite; without Java the suite fails with JavaUnavailableError, saying what to install. */
export function withDynamoDbLocal(options: DynamoDbLocalOptions = {}): () => DynamoDbLocalFixture {
  return fixture(
    async () => {
      const server = await startDynamoDbLocal(options);
      return { server, dynamodb: createDynamoDbClient(server.endpoint, server.region) };
    },
    async ({ server, dynamodb }) => {
      dynamodb.destroy();
      await server.stop();
    },
  );
}

/** A provisioned local stack; state file off unless the options set one. */
export function withLocalStack(options: LocalStackOptions): () => LocalStack {
  return fixture(
    () => startLocalStack({ stateFile: false, ...options }),
    (stack) => stack.stop(),
  );
}
