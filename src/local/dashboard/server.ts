/**
 * The local dashboard's HTTP server, started by `npm start` on 127.0.0.1:
 * the page (`/`), its data (`/api/status`), and the control API the ops CLI
 * uses (`/api/control/...`). Every request passes the request guard first
 * (Host, Origin, and the run's control token on state-changing ones; see
 * request-guard.ts); a refused one is answered 403 and logged. It records its
 * URL and token in the local state file so that `npx tasklanes` finds it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpsError, UnknownLaneError } from '../../ops/errors.ts';
import type { LocalAlarmEvaluator } from '../alarms.ts';
import type { OutcomeRecorder } from '../outcome-recorder.ts';
import { QueueStatsUnavailableError } from '../queue-stats.ts';
import type { LocalStack } from '../stack.ts';
import type { RefusalBody } from '../../ops/target/control-client.ts';
import { readStateFile, writeStateFile } from '../../ops/target/state-file.ts';
import { handleConsole } from './action-routes.ts';
import { inProcessControl, inProcessTarget } from './control.ts';
import { handleControl, type JsonReply } from './control-routes.ts';
import { StatusHistory, type HistoryOptions } from './history.ts';
import { dashboardPage } from './page.ts';
import { bracketed, describeRefusal, newControlToken, requestGuard, RequestRefusedError, type Refusal } from './request-guard.ts';
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
  /**
   * Told of every refused request (foreign Host or Origin, missing or wrong token).
   * @default one line (describeRefusal) on stderr
   */
  readonly onRefused?: (refusal: Refusal) => void;
}

export const DASHBOARD_DEFAULTS = {
  host: '127.0.0.1',
  port: 4680,
  refreshMs: 2_000,
  onRefused: (refusal: Refusal) => void process.stderr.write(`${describeRefusal(refusal)}\n`),
} as const;

export interface Dashboard {
  readonly url: string;
  /** This run's control token: state-changing requests carry it (the CLI from the state file, the page from its HTML). */
  readonly token: string;
  stop(): Promise<void>;
}

/** Client mistakes and expected ops failures (an unknown type to drop, a refused redrive): answered 4xx with the message, not 500. */
const CLIENT_ERRORS = [OpsError, QueueStatsUnavailableError];

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const settings = { ...DASHBOARD_DEFAULTS, ...options };
  const target = inProcessTarget(options.stack, options.recorder);
  const control = inProcessControl(options.stack, options.recorder);
  const history = new StatusHistory({ ...options.history, sample: () => sampleLanes(target, options.recorder) });
  void history.sampleNow();
  const token = newControlToken();
  const status = () =>
    dashboardStatus({
      target,
      recorder: options.recorder,
      dynamodbBackend: options.stack.servers.dynamodbBackend,
      alarms: options.alarms,
      history,
    });

  const server = createServer();
  await listen(server, settings.host, settings.port);
  const address = server.address() as AddressInfo;
  // Built once listening: the Host it allows names the port. Requests are handled from the next I/O turn, after this.
  const guard = requestGuard({ configuredHost: settings.host, address, token });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const reply: JsonReply = (status, body) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    void (async () => {
      guard.check(request);
      // Parsed here, so a request target URL cannot parse is a 500, not an exception that ends the process.
      const url = new URL(request.url ?? '/', `http://${bracketed(settings.host)}`);
      if (request.method === 'GET' && url.pathname === '/') {
        // The token is in the page: only a same-origin reader gets it, and the Host check keeps rebound names from being same-origin.
        // The first snapshot too: the page shows numbers before its first poll.
        const page = dashboardPage({ refreshMs: settings.refreshMs, controlToken: token, initial: await status() });
        // Not framed by other sites: its buttons act on the stack.
        response.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'x-frame-options': 'DENY',
          'content-security-policy': "frame-ancestors 'none'",
        });
        response.end(page);
      } else if (request.method === 'GET' && url.pathname === '/api/status') {
        reply(200, await status());
      } else if (!(await handleControl(request, url, control, reply)) && !(await handleConsole(request, url, target, reply))) {
        reply(404, { error: `no route ${request.method} ${url.pathname}` });
      }
    })().catch((error: Error) => {
      if (error instanceof RequestRefusedError) {
        const { host, origin } = request.headers;
        settings.onRefused({
          check: error.check,
          reason: error.reason,
          method: request.method ?? '',
          path: request.url ?? '',
          host,
          origin,
          remoteAddress: request.socket.remoteAddress,
        });
        const body: RefusalBody = { error: error.reason, refused: error.check };
        reply(403, body);
        return;
      }
      const status = error instanceof UnknownLaneError ? 404 : CLIENT_ERRORS.some((type) => error instanceof type) ? 409 : 500;
      if (!response.headersSent) reply(status, { error: `${error.name}: ${error.message}` });
    });
  });

  const url = `http://${bracketed(settings.host)}:${address.port}`;
  return {
    url,
    token,
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

/** Adds the control API's URL and token to the running stack's state file, for the ops CLI. */
export async function recordControlUrl(stateFile: string, dashboard: Pick<Dashboard, 'url' | 'token'>): Promise<void> {
  const state = await readStateFile(stateFile);
  if (state) await writeStateFile(stateFile, { ...state, control: { url: dashboard.url, token: dashboard.token } });
}
