/**
 * SDK clients whose requests never leave the process: every request is
 * signed, serialized and its answer deserialized as usual, but the HTTP
 * exchange is replaced by a canned `200 {}` (a successful write, an empty
 * receive). Figure 4 measures CPU with these, so the SDK's own work per
 * request counts and the network and the servers do not.
 */
import { Readable } from 'node:stream';
import { createDynamoDbClient, createSqsClient } from '../local/clients.ts';
import type { ContenderResources } from './contenders.ts';

const REGION = 'us-east-1';
const NOWHERE = 'http://canned.invalid';

const cannedHandler = {
  metadata: { handlerProtocol: 'canned' },
  async handle() {
    return {
      response: {
        statusCode: 200,
        reason: 'OK',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'canned' },
        body: Readable.from([Buffer.from('{}')]),
      },
    };
  },
  updateHttpClientConfig() {},
  httpHandlerConfigs: () => ({}),
  destroy() {},
};

export function cannedResources(): ContenderResources {
  // The SDK's HttpHandler type wants smithy's HttpResponse class; the plain shape is what it reads.
  const requestHandler = cannedHandler as never;
  return {
    sqs: createSqsClient(NOWHERE, REGION, { requestHandler }),
    dynamodb: createDynamoDbClient(NOWHERE, REGION, { requestHandler }),
    dlqUrl: `${NOWHERE}/123456789012/bench-dlq`,
    dedupTable: 'bench-dedup',
    peerTable: 'bench-peer',
  };
}
