/**
 * The CLI's side of the local control API that the dashboard server of
 * `tasklanes dev` and `npm start` serve on 127.0.0.1 (src/local/dashboard/control-routes.ts): queue
 * stats, pausing and a task's recorded outcomes, from inside the process that runs the pollers. Every
 * request carries the run's control token (from the state file); the
 * server refuses a state-changing one without it.
 */
import { LocalControlError } from '../errors.ts';
import { connectionFailure } from './unreachable.ts';
import type { LocalControl } from './local.ts';
import type { TaskOutcome } from './target.ts';

/** A local queue's numbers as CloudWatch reports them for SQS (src/local/queue-stats.ts reads them). */
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
  /** GET with `id`, `recordKey` and `messageId` (repeatable): any of them matches. */
  taskOutcomes: '/api/control/task-outcomes',
} as const;

/** Query parameters of the task-outcomes route, one per OutcomeMatch field. */
export const TASK_OUTCOME_PARAMS = { id: 'id', recordKey: 'recordKey', messageId: 'messageId' } as const;

/** Answer of the task-outcomes route. */
export interface RecordedOutcomes {
  /** Oldest first. */
  readonly outcomes: readonly TaskOutcome[];
  /** Epoch ms from which the run's history is complete: its start, or its oldest kept outcome once the history is full. */
  readonly since: number;
}

/**
 * Header carrying the control token. A custom header also makes any
 * cross-origin browser request a CORS preflight, which the server never
 * approves.
 */
export const CONTROL_TOKEN_HEADER = 'x-tasklanes-token';

/** Where a run's control API is and the token it accepts, as the state file keeps them. */
export interface ControlAccess {
  /** Base URL, e.g. http://127.0.0.1:4680. */
  readonly url: string;
  /** Random per run (32 bytes, base64url). */
  readonly token: string;
}

/** Which check refused a request: its Host, its Origin, or its control token. */
export type RefusedCheck = 'host' | 'origin' | 'token';

/** Body of a 403 from the dashboard server. */
export interface RefusalBody {
  /** One line: what was wrong with the request. */
  readonly error: string;
  readonly refused: RefusedCheck;
}

/** Answer of the consumer, pause and resume routes. */
export interface ConsumerState {
  readonly lane: string;
  readonly enabled: boolean;
}

/** `stateFile` is where `access` was read, for the message when the token is refused. */
export function httpControl(access: ControlAccess, stateFile: string): LocalControl {
  const call = async <T>(method: 'GET' | 'POST', path: string): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(new URL(path, access.url), { method, headers: { [CONTROL_TOKEN_HEADER]: access.token } });
    } catch (error) {
      const why = connectionFailure(error)?.what ?? (error as Error).message;
      throw new LocalControlError(
        `the local stack's control API at ${access.url} did not answer (${why}): the local run in ${stateFile} no longer serves it; stop it and start \`tasklanes dev\` (or the demo's \`npm start\`) again`,
        { cause: error },
      );
    }
    const text = await response.text();
    if (response.status === 403 && refusedCheck(text) === 'token') {
      throw new LocalControlError(
        `the local stack at ${access.url} refused the control token from ${stateFile}: the token did not match, so the file belongs to another run; ` +
          `restart the local run (\`tasklanes dev\`, \`npm start\`), or pass --state-file of the run you mean`,
      );
    }
    if (!response.ok) throw new LocalControlError(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  };
  return {
    queueStats: (queueUrl) => call<QueueStats>('GET', `${CONTROL_PATHS.queueStats}?queue=${encodeURIComponent(queueUrl)}`),
    consumerEnabled: async (lane) => (await call<ConsumerState>('GET', CONTROL_PATHS.consumer(lane))).enabled,
    pause: async (lane) => void (await call<ConsumerState>('POST', CONTROL_PATHS.pause(lane))),
    resume: async (lane) => void (await call<ConsumerState>('POST', CONTROL_PATHS.resume(lane))),
    taskOutcomes: (match) => {
      const params = new URLSearchParams();
      if (match.id !== undefined) params.set(TASK_OUTCOME_PARAMS.id, match.id);
      if (match.recordKey !== undefined) params.set(TASK_OUTCOME_PARAMS.recordKey, match.recordKey);
      for (const messageId of match.messageIds ?? []) params.append(TASK_OUTCOME_PARAMS.messageId, messageId);
      return call<RecordedOutcomes>('GET', `${CONTROL_PATHS.taskOutcomes}?${params}`);
    },
  };
}

/** The check a 403's body names; undefined when the body is not a refusal (another server on that port). */
function refusedCheck(text: string): RefusedCheck | undefined {
  try {
    return (JSON.parse(text) as Partial<RefusalBody>).refused;
  } catch {
    return undefined;
  }
}
