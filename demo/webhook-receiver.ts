/**
 * A webhook subscriber on loopback for the demo: answers 503 to the first
 * delivery of each event id and 200 afterwards, so `webhook.deliver` shows a
 * retry followed by success; answers 410 for `/gone`, a permanent rejection.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookReceiver {
  readonly url: string;
  /** Deliveries received, by task id. */
  readonly deliveries: ReadonlyMap<string, number>;
  stop(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const deliveries = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    const id = String(request.headers['x-tasklanes-id'] ?? '');
    const count = (deliveries.get(id) ?? 0) + 1;
    deliveries.set(id, count);
    request.resume();
    request.on('end', () => {
      if (request.url === '/gone') response.writeHead(410).end();
      else response.writeHead(count === 1 ? 503 : 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    deliveries,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
