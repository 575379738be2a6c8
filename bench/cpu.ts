/**
 * Figure 4: CPU microseconds per task that the handler itself spends
 * (validation, deadline, dedup requests built and parsed, outcome, metrics,
 * log line) with I/O taken out: clients answer from memory
 * (canned-clients.ts). Batches are invoked one after another on one thread,
 * so process.cpuUsage() over a sample, less what the canned server metered
 * for its answers, is the handler's own cost.
 */
import type { Message } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { lambdaContext, toSqsRecord } from '../src/local/lambda-shapes.ts';
import { cannedServer } from './canned-clients.ts';
import { contenderHandler, type Contender } from './contenders.ts';
import { LogSink } from './log-sink.ts';
import { median } from './stats.ts';
import { buildWorkload } from './workload.ts';
import { BENCH_LANE } from './definition.ts';

export interface CpuFigure {
  readonly contender: Contender;
  readonly batchSize: number;
  /** Median over samples of user+system CPU per task. */
  readonly microsPerTask: number;
  readonly samples: readonly number[];
}

const QUEUE_ARN = `arn:aws:sqs:us-east-1:123456789012:tasklanes-${BENCH_LANE}`;

/** Lambda-shaped events of `records` fresh tasks (unique dedup keys), `batchSize` per event. */
function events(records: number, batchSize: number, runId: string): SQSEvent[] {
  const { entries } = buildWorkload({ tasks: records, duplicateShare: 0, duplicateDistance: 0, runId });
  const now = String(Date.now());
  const result: SQSEvent[] = [];
  for (let start = 0; start < entries.length; start += batchSize) {
    const Records = entries.slice(start, start + batchSize).map((entry, offset) => {
      const body = JSON.stringify({
        v: 1,
        id: `${runId}-${start + offset}`,
        type: entry.type,
        tenant: entry.options.tenant,
        dedupKey: entry.options.dedupKey,
        createdAt: new Date().toISOString(),
        payload: entry.payload,
      });
      const message: Message = {
        MessageId: `${runId}-${start + offset}`,
        ReceiptHandle: `rh-${runId}-${start + offset}`,
        Body: body,
        MD5OfBody: createHash('md5').update(body).digest('hex'),
        Attributes: { ApproximateReceiveCount: '1', SentTimestamp: now, SenderId: 'bench', ApproximateFirstReceiveTimestamp: now },
      };
      return toSqsRecord(message, { queueArn: QUEUE_ARN, region: 'us-east-1' });
    });
    result.push({ Records });
  }
  return result;
}

const CPU_CONTENDERS = ['tasklanes', 'peer'] as const satisfies readonly Contender[];

/**
 * Both contenders' figures at one batch size. Their samples alternate, so a
 * neighbour's burst on the shared machine lands on both alike (as the
 * contenders of figure 1 alternate within a repeat).
 */
export async function measureCpu(batchSize: number, records: number, repeats: number, warmup: number): Promise<CpuFigure[]> {
  const context = () => lambdaContext({ functionName: 'bench', queueArn: QUEUE_ARN, deadline: Date.now() + 60_000, memoryLimitInMB: 1024 });
  const contenders = CPU_CONTENDERS.map((contender) => {
    const server = cannedServer();
    return { contender, server, handler: contenderHandler(contender, server.resources, new LogSink()), samples: [] as number[] };
  });
  try {
    // The first samples warm the JIT and the SDK's lazy paths and are not kept.
    for (let sample = 0; sample < warmup + repeats; sample++) {
      for (const { contender, server, handler, samples } of contenders) {
        const batches = events(records, batchSize, `cpu-${contender}-${batchSize}-${sample}`);
        const serverBefore = server.cpuMicros();
        const before = process.cpuUsage();
        for (const event of batches) await handler.handler(event, context());
        const used = process.cpuUsage(before);
        const serverUsed = server.cpuMicros() - serverBefore;
        if (sample >= warmup) samples.push((used.user + used.system - serverUsed) / records);
      }
    }
  } finally {
    await Promise.all(contenders.map(({ handler }) => handler.close()));
  }
  return contenders.map(({ contender, samples }) => ({ contender, batchSize, microsPerTask: median(samples), samples }));
}
