/**
 * An HTTP listener that can go away and come back on the same port while the
 * server state behind its request handler lives on. Fault-injection tests
 * use it for "DynamoDB (or SQS) is unreachable for a while": clients get real
 * connection errors (refused, reset), and after `resume()` the same tables,
 * queues and messages are there again.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class ListenerStateError extends Error {
  override readonly name = 'ListenerStateError';
}

/** The port was taken by someone else while the listener was paused. */
export class PortUnavailableError extends Error {
  override readonly name = 'PortUnavailableError';
}

export class PausableListener {
  readonly #server: Server;
  readonly #host: string;
  #port: number | undefined;
  #listening = false;

  constructor(handler: RequestListener, host: string) {
    this.#server = createServer(handler);
    this.#host = host;
  }

  get listening(): boolean {
    return this.#listening;
  }

  /** `http://host:port`; only after `listen()`. */
  get endpoint(): string {
    if (this.#port === undefined) throw new ListenerStateError('listener has not been started');
    return `http://${this.#host}:${this.#port}`;
  }

  get port(): number {
    if (this.#port === undefined) throw new ListenerStateError('listener has not been started');
    return this.#port;
  }

  /** Binds `port` (0: the OS picks one, kept for every later `resume()`). */
  async listen(port: number): Promise<void> {
    if (this.#port !== undefined) throw new ListenerStateError('listener was already started');
    await this.#bind(port);
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  /** Closes the port and drops open connections, including idle keep-alive sockets of clients. */
  async pause(): Promise<void> {
    if (!this.#listening) return;
    this.#listening = false;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  /** Listens on the same port again. */
  async resume(): Promise<void> {
    if (this.#listening) return;
    await this.#bind(this.port);
  }

  close(): Promise<void> {
    return this.pause();
  }

  #bind(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        reject(
          error.code === 'EADDRINUSE'
            ? new PortUnavailableError(`${this.#host}:${port} is in use by another process`, { cause: error })
            : error,
        );
      };
      this.#server.once('error', onError);
      this.#server.listen(port, this.#host, () => {
        this.#server.off('error', onError);
        this.#listening = true;
        resolve();
      });
    });
  }
}
