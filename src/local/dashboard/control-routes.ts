/**
 * The local control API (`/api/control/...`): how the ops CLI, in its own
 * process, reaches the pollers, the in-process queue stats and the outcome
 * recorder of the `npm start` process. Paths are shared with the client
 * (src/ops/target/control-client.ts); the request guard has checked every
 * request before it gets here.
 */
import type { IncomingMessage } from 'node:http';
import { CONTROL_PATHS, TASK_OUTCOME_PARAMS, type ConsumerState } from '../../ops/target/control-client.ts';
import type { LocalControl } from '../../ops/target/local.ts';

const LANE_ROUTE = /^\/api\/control\/lanes\/([^/]+)\/(consumer|pause|resume)$/;

export type JsonReply = (status: number, body: unknown) => void;

/** Handles the request if it is a control route; false otherwise. */
export async function handleControl(request: IncomingMessage, url: URL, control: LocalControl, reply: JsonReply): Promise<boolean> {
  if (request.method === 'GET' && url.pathname === CONTROL_PATHS.queueStats) {
    const queue = url.searchParams.get('queue');
    if (!queue) reply(400, { error: 'query parameter "queue" (a queue URL or name) is required' });
    else reply(200, await control.queueStats(queue));
    return true;
  }
  if (request.method === 'GET' && url.pathname === CONTROL_PATHS.taskOutcomes) {
    const id = url.searchParams.get(TASK_OUTCOME_PARAMS.id) ?? undefined;
    const recordKey = url.searchParams.get(TASK_OUTCOME_PARAMS.recordKey) ?? undefined;
    const messageIds = url.searchParams.getAll(TASK_OUTCOME_PARAMS.messageId);
    if (id === undefined && recordKey === undefined && messageIds.length === 0) {
      reply(400, {
        error: `query parameter "${TASK_OUTCOME_PARAMS.id}", "${TASK_OUTCOME_PARAMS.recordKey}" or "${TASK_OUTCOME_PARAMS.messageId}" is required`,
      });
    } else reply(200, await control.taskOutcomes({ id, recordKey, messageIds }));
    return true;
  }
  const match = LANE_ROUTE.exec(url.pathname);
  if (!match) return false;
  const lane = decodeURIComponent(match[1]!);
  const action = match[2]!;
  const expected = action === 'consumer' ? 'GET' : 'POST';
  if (request.method !== expected) {
    reply(405, { error: `${url.pathname} takes ${expected}` });
    return true;
  }
  if (action === 'pause') await control.pause(lane);
  if (action === 'resume') await control.resume(lane);
  const state: ConsumerState = { lane, enabled: await control.consumerEnabled(lane) };
  reply(200, state);
  return true;
}
