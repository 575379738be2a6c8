/**
 * The CLI's side of the local control API that the dashboard server of
 * `npm start` serves on 127.0.0.1 (local/dashboard/control-routes.ts): queue
 * stats and pausing, done inside the process that runs the pollers.
 */
import { LocalControlError } from '../errors.ts';
import type { LocalControl } from './local.ts';

/** A local queue's numbers as CloudWatch reports them for SQS (local/queue-stats.ts reads them). */
export interface QueueStats {
  /** Ready to be received (CloudWatch's ApproximateNumberOfMessagesVisible). */
  readonly visible: number;
  /** Received and neither deleted nor back yet (ApproximateNumberOfMessagesNotVisible). */
  readonly inFlight: number;
  /**
   * Sent with a delay that has not passed (ApproximateNumberOfMessagesDelayed).
   * local-aws-sqs also counts a message sent without delay here until one
   * timer tick after its SendMessage.
   */
  readonly delayed: number;
  /**
   * Seconds since the oldest message still in the queue (visible or in
   * flight; delayed ones not yet) was sent; 0 for an empty queue, as
   * ApproximateAgeOfOldestMessage reads.
   */
  readonly oldestAgeSeconds: number;
}

/** Paths of the control API, shared by the server and this client. */
export const CONTROL_PATHS = {
  queueStats: '/api/control/queue-stats',
  consumer: (lane: string) => `/api/control/lanes/${encodeURIComponent(lane)}/consumer`,
  pause: (lane: string) => `/api/control/lanes/${encodeURIComponent(lane)}/pause`,
  resume: (lane: string) => `/api/control/lanes/${encodeURIComponent(lane)}/resume`,
} as const;

/** Answer of the consumer, pause and resume routes. */
export interface ConsumerState {
  readonly lane: string;
  readonly enabled: boolean;
}

export function httpControl(baseUrl: string): LocalControl {
  const call = async <T>(method: 'GET' | 'POST', path: string): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(new URL(path, baseUrl), { method });
    } catch (error) {
      throw new LocalControlError(`the local stack's control API at ${baseUrl} did not answer (${(error as Error).message})`, { cause: error });
    }
    const text = await response.text();
    if (!response.ok) throw new LocalControlError(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  };
  return {
    queueStats: (queueUrl) => call<QueueStats>('GET', `${CONTROL_PATHS.queueStats}?queue=${encodeURIComponent(queueUrl)}`),
    consumerEnabled: async (lane) => (await call<ConsumerState>('GET', CONTROL_PATHS.consumer(lane))).enabled,
    pause: async (lane) => void (await call<ConsumerState>('POST', CONTROL_PATHS.pause(lane))),
    resume: async (lane) => void (await call<ConsumerState>('POST', CONTROL_PATHS.resume(lane))),
  };
}
