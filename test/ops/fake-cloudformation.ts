/**
 * A loopback HTTP server that answers every CloudFormation call the way AWS
 * answers DescribeStacks for a stack that does not exist, so the real SDK
 * client parses a real error response (no AWS account here).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeCloudFormation {
  readonly endpoint: string;
  close(): Promise<void>;
}

export async function startMissingStackCloudFormation(): Promise<FakeCloudFormation> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const stackName = new URLSearchParams(body).get('StackName') ?? '';
      response.writeHead(400, { 'content-type': 'text/xml' });
      response.end(
        `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type>` +
          `<Code>ValidationError</Code><Message>Stack with id ${stackName} does not exist</Message></Error>` +
          `<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
