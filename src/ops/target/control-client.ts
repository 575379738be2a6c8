/**
 * The CLI's side of the local control API that the dashboard server of
 * `npm start` serves on 127.0.0.1 (local/dashboard/control-routes.ts): queue
 * stats and pausing, done inside the process that runs the pollers.
 */
import type { QueueStats } from '../../local/queue-stats.ts';
import { LocalControlError } from '../errors.ts';
import type { LocalControl } from './local.ts';

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
