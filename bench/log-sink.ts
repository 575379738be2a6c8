/**
 * Where the consumers' logs and EMF metrics go during a run: a stream that
 * throws the lines away after they were fully serialized and written, and
 * counts their bytes (CloudWatch Logs bills ingestion per GB). Turning
 * logging off would flatter both contenders; stdout would bury the progress.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { JsonLogger } from '../src/runtime/logger.ts';
import type { EmfWriter } from '../src/runtime/metrics.ts';

export class LogSink {
  bytes = 0;
  lines = 0;
  readonly stream = new Writable({
    write: (chunk: Buffer | string, _encoding, callback) => {
      this.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
      this.lines++;
      callback();
    },
  });

  /** The EMF writer of a consumer: what Lambda would ship to CloudWatch, one line per document. */
  readonly emf: EmfWriter = (line) => {
    this.stream.write(`${line}\n`);
  };

  /** tasklanes' consumer logger, writing here: what Lambda would ship, one line per event. */
  jsonLogger(service: string): JsonLogger {
    return new JsonLogger({ service, level: 'INFO', write: this.emf });
  }

  /**
   * The peer's Powertools Logger writing here. Powertools builds its own Console on
   * process.stdout and offers no option for another stream, so its console
   * is replaced after construction.
   */
  logger(serviceName: string): Logger {
    const logger = new Logger({ serviceName });
    (logger as unknown as { console: Console }).console = new Console({ stdout: this.stream, stderr: this.stream });
    return logger;
  }

  reset(): void {
    this.bytes = 0;
    this.lines = 0;
  }
}
