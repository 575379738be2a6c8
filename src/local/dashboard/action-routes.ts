/**
 * The page's on-call routes (`/api/console/...`): what the CLI's `dlq peek`,
 * `dlq redrive`, `drop` and `task` do, through the same ops library
 * (src/ops/lanes), against the running stack. GETs read (a peek still raises
 * each shown letter's receive count, see dlq-peek.ts); POSTs change the
 * stack and, like every non-GET, carry the run's token (request-guard.ts).
 */
import type { IncomingMessage } from 'node:http';
import { UsageError } from '../../ops/errors.ts';
import { peekDeadLetters } from '../../ops/lanes/dlq-peek.ts';
import { redriveDeadLetters } from '../../ops/lanes/dlq-redrive.ts';
import { dropTasks, type DropFilter } from '../../ops/lanes/drop.ts';
import { lookupJson } from '../../ops/commands/task.ts';
import { lookupTask } from '../../ops/lanes/task-lookup.ts';
import type { OpsTarget, TaskQuery } from '../../ops/target/target.ts';
import type { JsonReply } from './control-routes.ts';

export const CONSOLE_PATHS = {
  /** GET `?lane=`: the lane's dead letters, as `dlq peek --json` shows them. */
  deadLetters: '/api/console/dead-letters',
  /** GET `?id=`, or `?tenant=&type=&dedupKey=`: what `tasklanes task --json` prints. */
  task: '/api/console/task',
  /** POST `?lane=`: moves the lane's dead letters back to its queue. */
  redrive: '/api/console/redrive',
  /** POST `?lane=` with a JSON DropBody: `tasklanes drop`. */
  drop: '/api/console/drop',
} as const;

/** What the page posts to the drop route. */
export interface DropBody extends DropFilter {
  /** Count only (the page's confirmation step shows this count before the real drop). */
  readonly dryRun?: boolean;
}

/** A request body larger than this is no drop filter. */
const MAX_BODY_BYTES = 16 * 1024;

/** Handles the request if it is a console route; false otherwise. */
export async function handleConsole(request: IncomingMessage, url: URL, target: OpsTarget, reply: JsonReply): Promise<boolean> {
  const route = Object.entries(CONSOLE_PATHS).find(([, path]) => path === url.pathname)?.[0] as keyof typeof CONSOLE_PATHS | undefined;
  if (!route) return false;
  const expected = route === 'deadLetters' || route === 'task' ? 'GET' : 'POST';
  if (request.method !== expected) {
    reply(405, { error: `${url.pathname} takes ${expected}` });
    return true;
  }
  const param = (name: string) => url.searchParams.get(name) ?? undefined;
  const lane = () => {
    const value = param('lane');
    if (!value) throw new UsageError('query parameter "lane" is required');
    return value;
  };
  if (route === 'deadLetters') reply(200, await peekDeadLetters(target, lane()));
  else if (route === 'task') reply(200, lookupJson(await lookupTask(target, taskQuery(param))));
  else if (route === 'redrive') reply(200, await redriveDeadLetters(target, lane()));
  else {
    const body = (await readJson(request)) as DropBody;
    const filter: DropFilter = { type: body.type || undefined, tenant: body.tenant || undefined, olderThanSeconds: body.olderThanSeconds };
    reply(200, await dropTasks(target, lane(), { filter, dryRun: body.dryRun === true }));
  }
  return true;
}

function taskQuery(param: (name: string) => string | undefined): TaskQuery {
  const id = param('id');
  if (id) return { id };
  const [tenant, type, dedupKey] = [param('tenant'), param('type'), param('dedupKey')];
  if (tenant && type && dedupKey) return { tenant, type, dedupKey };
  throw new UsageError('a task lookup needs "id", or "tenant", "type" and "dedupKey"');
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of request) {
    text += chunk;
    if (text.length > MAX_BODY_BYTES) throw new UsageError(`request body over ${MAX_BODY_BYTES} bytes`);
  }
  try {
    const parsed: unknown = JSON.parse(text || '{}');
    if (typeof parsed !== 'object' || parsed === null) throw new UsageError('the request body must be a JSON object');
    return parsed;
  } catch (error) {
    if (error instanceof SyntaxError) throw new UsageError(`the request body is not JSON: ${error.message}`);
    throw error;
  }
}
