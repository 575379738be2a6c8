/**
 * The local dashboard's HTTP server, started by `npm start` on 127.0.0.1:
 * the page (`/`), its data (`/api/status`), and the control API the ops CLI
 * uses (`/api/control/...`). It records its URL in the local state file so
 * that `npx tasklanes` finds it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalControlError, UnknownLaneError } from '../../ops/errors.ts';
import type { LocalAlarmEvaluator } from '../alarms.ts';
import type { OutcomeRecorder } from '../outcome-recorder.ts';
import { QueueStatsUnavailableError } from '../queue-stats.ts';
import type { LocalStack } from '../stack.ts';
import { readStateFile, writeStateFile } from '../../ops/target/state-file.ts';
import { inProcessControl, inProcessTarget } from './control.ts';
import { handleControl, type JsonReply } from './control-routes.ts';
import { StatusHistory, type HistoryOptions } from './history.ts';
import { dashboardPage } from './page.ts';
import { dashboardStatus, sampleLanes } from './snapshot.ts';

export interface DashboardOptions {
  readonly stack: LocalStack;
  readonly recorder: OutcomeRecorder;
  readonly alarms: Pick<LocalAlarmEvaluator, 'evaluate'>;
  /** Default 127.0.0.1: never reachable from another machine (the control API pauses lanes). */
  readonly host?: string;
  /** Default 4680, or any free port when that one is taken (the URL is printed). 0: any free port. */
  readonly port?: number;
  /** How often the page polls. Default 2 s. */
  readonly refreshMs?: number;
  readonly history?: Pick<HistoryOptions, 'sampleIntervalMs' | 'windowMs'>;
}

export const DASHBOARD_DEFAULTS = { host: '127.0.0.1', port: 4680, refreshMs: 2_000 } as const;

export interface Dashboard {
  readonly url: string;
  stop(): Promise<void>;
}

/** Client mistakes: answered 4xx with the message, not 500. */
const CLIENT_ERRORS = [UnknownLaneError, LocalControlError, QueueStatsUnavailableError];

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const settings = { ...DASHBOARD_DEFAULTS, ...options };
  const target = inProcessTarget(options.stack);
  const control = inProcessControl(options.stack);
  const history = new StatusHistory({ ...options.history, sample: () => sampleLanes(target, options.recorder) });
  void history.sampleNow();
  const page = dashboardPage({ refreshMs: settings.refreshMs });

  const server = createServer((request, response) => {
    const reply: JsonReply = (status, body) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    const url = new URL(request.url ?? '/', `http://${settings.host}`);
    void (async () => {
      if (request.method === 'GET' && url.pathname === '/') {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        response.end(page);
      } else if (request.method === 'GET' && url.pathname === '/api/status') {
        reply(200, await dashboardStatus({ target, recorder: options.recorder, alarms: options.alarms, history }));
      } else if (!(await handleControl(request, url, control, reply))) {
        reply(404, { error: `no route ${request.method} ${url.pathname}` });
      }
    })().catch((error: Error) => {
      const status = error instanceof UnknownLaneError ? 404 : CLIENT_ERRORS.some((type) => error instanceof type) ? 409 : 500;
      if (!response.headersSent) reply(status, { error: `${error.name}: ${error.message}` });
    });
  });

  await listen(server, settings.host, settings.port);
  const url = `http://${settings.host}:${(server.address() as AddressInfo).port}`;
  return {
    url,
    async stop() {
      history.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** The preferred port, or any free one when another process (a second `npm start`, a test) holds it. */
async function listen(server: Server, host: string, port: number): Promise<void> {
  const attempt = (candidate: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(candidate, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    await attempt(port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw error;
    await attempt(0);
  }
}

/** Adds the control API's URL to the running stack's state file, for the ops CLI. */
export async function recordControlUrl(stateFile: string, url: string): Promise<void> {
  const state = await readStateFile(stateFile);
  if (state) await writeStateFile(stateFile, { ...state, controlUrl: url });
}
