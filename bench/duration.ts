/**
 * What Lambda bills as duration: each invocation's wall time, from the
 * handler's call to its settled promise, rounded up to whole milliseconds.
 * An SDK middleware on the rig's clients also records every request an
 * invocation sends (found by AsyncLocalStorage, so the poller's own receives
 * and deletes, which Lambda's event source mapping makes outside the
 * function, are not counted) with its time on the wire. From these, cost.ts
 * estimates the same invocation with AWS's round-trip latencies in place of
 * the rig's, which run from under a millisecond to tens of milliseconds
 * (DynamoDB Local is slow on some requests, and the machine is shared).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { LaneHandler } from '../src/local/poller.ts';

export type Service = 'sqs' | 'dynamodb';

/** One request of an invocation: milliseconds from the invocation's start until it went out and until its answer was parsed. */
export interface TimedRequest {
  readonly service: Service;
  readonly startMs: number;
  readonly endMs: number;
}

export interface InvocationTiming {
  readonly wallMs: number;
  readonly requests: readonly TimedRequest[];
}

interface OpenInvocation {
  readonly startedAt: number;
  readonly requests: TimedRequest[];
}

/** Lambda's billing granularity: duration is rounded up to the next millisecond. */
export const BILLING_GRANULARITY_MS = 1;

export const billedMs = (ms: number) => Math.max(1, Math.ceil(ms / BILLING_GRANULARITY_MS)) * BILLING_GRANULARITY_MS;

export class InvocationClock {
  readonly #current = new AsyncLocalStorage<OpenInvocation>();
  #invocations: InvocationTiming[] = [];

  /** Times the client's requests made inside a timed invocation, from now on. */
  attach(client: SQSClient | DynamoDBClient, service: Service): void {
    (client as DynamoDBClient).middlewareStack.add(
      (next) => async (args) => {
        const invocation = this.#current.getStore();
        if (!invocation) return next(args);
        const startMs = performance.now() - invocation.startedAt;
        try {
          return await next(args);
        } finally {
          invocation.requests.push({ service, startMs, endMs: performance.now() - invocation.startedAt });
        }
      },
      // After retries and signing: each attempt's round trip and parse, not the request's building.
      { step: 'finalizeRequest', priority: 'low', name: 'benchInvocationClock' },
    );
  }

  /** The handler, with each call timed and its requests attributed to it. */
  wrap(handler: LaneHandler): LaneHandler {
    return (event, context) => {
      const invocation: OpenInvocation = { startedAt: performance.now(), requests: [] };
      return this.#current.run(invocation, async () => {
        try {
          return await handler(event, context);
        } finally {
          this.#invocations.push({ wallMs: performance.now() - invocation.startedAt, requests: invocation.requests });
        }
      });
    };
  }

  reset(): void {
    this.#invocations = [];
  }

  snapshot(): readonly InvocationTiming[] {
    return [...this.#invocations];
  }
}

/** Milliseconds with at least one of the invocation's requests on the wire. */
export function wireMs(requests: readonly TimedRequest[]): number {
  let total = 0;
  let openEnd = Number.NEGATIVE_INFINITY;
  for (const { startMs, endMs } of [...requests].sort((a, b) => a.startMs - b.startMs)) {
    if (startMs > openEnd) total += endMs - startMs;
    else if (endMs > openEnd) total += endMs - openEnd;
    openEnd = Math.max(openEnd, endMs);
  }
  return total;
}

/**
 * The round trips an invocation waits for in series at the given latencies:
 * the longest chain of its requests each sent after the one before it was
 * answered. That is an upper bound on the real dependencies (a request sent
 * later need not have waited for the earlier one).
 */
export function seriesMs(requests: readonly TimedRequest[], latencyMs: Readonly<Record<Service, number>>): number {
  const sorted = [...requests].sort((a, b) => a.startMs - b.startMs);
  const chain: number[] = [];
  sorted.forEach((request, index) => {
    let before = 0;
    for (let earlier = 0; earlier < index; earlier++) {
      if (sorted[earlier]!.endMs <= request.startMs) before = Math.max(before, chain[earlier]!);
    }
    chain.push(before + latencyMs[request.service]);
  });
  return Math.max(0, ...chain);
}
