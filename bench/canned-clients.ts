/**
 * SDK clients whose requests never leave the process: every request is
 * signed, serialized and its answer deserialized as usual, but the HTTP
 * exchange is replaced by a canned `200 {}` (a successful write, an empty
 * receive); a PartiQL batch gets one empty (successful) response per
 * statement, as DynamoDB answers. Figure 4 measures CPU with these, so the
 * SDK's own work per request counts and the network and the servers do not:
 * the canned server's own CPU (decoding a PartiQL batch to answer each of its
 * statements, building the response stream) is metered so figure 4 can take
 * it out.
 */
import { Readable } from 'node:stream';
import { createDynamoDbClient, createSqsClient } from '../src/ops/target/local-clients.ts';
import type { ContenderResources } from './contenders.ts';

const REGION = 'us-east-1';
const NOWHERE = 'http://canned.invalid';

const BATCH_EXECUTE_STATEMENT = 'DynamoDB_20120810.BatchExecuteStatement';

function cannedBody(request: { headers: Record<string, string>; body?: unknown }): string {
  if (request.headers['x-amz-target'] !== BATCH_EXECUTE_STATEMENT) return '{}';
  const body = request.body;
  // The SDK's JSON body is a Uint8Array that warns when read as a string: decode its bytes.
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body as Uint8Array);
  const { Statements } = JSON.parse(text) as { Statements: unknown[] };
  return JSON.stringify({ Responses: Statements.map(() => ({})) });
}

export interface CannedServer {
  readonly resources: ContenderResources;
  /** user+system CPU microseconds the canned server has spent answering, since it was made. */
  cpuMicros(): number;
}

export function cannedServer(): CannedServer {
  let cpuMicros = 0;
  const handler = {
    metadata: { handlerProtocol: 'canned' },
    async handle(request: { headers: Record<string, string>; body?: unknown }) {
      const before = process.cpuUsage();
      const response = {
        statusCode: 200,
        reason: 'OK',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'canned' },
        body: Readable.from([Buffer.from(cannedBody(request))]),
      };
      const used = process.cpuUsage(before);
      cpuMicros += used.user + used.system;
      return { response };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
  // The SDK's HttpHandler type wants smithy's HttpResponse class; the plain shape is what it reads.
  const requestHandler = handler as never;
  return {
    resources: {
      sqs: createSqsClient(NOWHERE, REGION, { requestHandler }),
      dynamodb: createDynamoDbClient(NOWHERE, REGION, { requestHandler }),
      dlqUrl: `${NOWHERE}/123456789012/bench-dlq`,
      dedupTable: 'bench-dedup',
      peerTable: 'bench-peer',
    },
    cpuMicros: () => cpuMicros,
  };
}
