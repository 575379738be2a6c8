/**
 * The whole local stack in one call: embedded servers, the stack's queues and
 * table, clients, and lane pollers on demand. `npm start` and end-to-end
 * tests build on it; the state file lets a separately started ops CLI find it.
 */
import type { Definition } from '../definition/registry.ts';
import { createLocalClients, type LocalClientOverrides, type LocalClients } from '../ops/target/local-clients.ts';
import { startLanePoller, type LaneHandler, type LanePoller, type PollerLog, type PollerTuning } from './poller.ts';
import type { ProvisionedResources } from '../ops/target/target.ts';
import { provision, type ProvisionOptions } from './provision.ts';
import { startLocalServers, type LocalServers, type LocalServersOptions } from './servers.ts';
import { DEFAULT_STATE_FILE, removeStateFile, STATE_FILE_VERSION, writeStateFile } from '../ops/target/state-file.ts';

export interface LocalStackOptions {
  readonly definition: Definition;
  readonly servers?: LocalServersOptions;
  readonly clients?: LocalClientOverrides;
  readonly provision?: ProvisionOptions;
  /** Applied to every lane's poller, under the overrides given to `startLane`. */
  readonly poller?: Partial<PollerTuning>;
  /** Default: JSON lines on stderr. */
  readonly log?: PollerLog;
  /** Where to record the running stack. Default `DEFAULT_STATE_FILE`; `false`: no file (tests running in parallel). */
  readonly stateFile?: string | false;
}

export class LaneAlreadyStartedError extends Error {
  override readonly name = 'LaneAlreadyStartedError';
}

export interface LocalStack {
  readonly definition: Definition;
  readonly servers: LocalServers;
  readonly clients: LocalClients;
  readonly resources: ProvisionedResources;
  /** Lane -> queue URL, as publishers take them. */
  readonly queueUrls: Readonly<Record<string, string>>;
  /** Path of the state file, when one was written. */
  readonly stateFile: string | undefined;
  /** Pollers started with `startLane`, by lane. */
  readonly pollers: ReadonlyMap<string, LanePoller>;
  /** Polls the lane's queue and invokes `handler` like the lane's Lambda consumer. */
  startLane(lane: string, handler: LaneHandler, tuning?: Partial<PollerTuning>): LanePoller;
  /** Stops pollers (waiting for batches in flight), servers and clients; removes the state file. */
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const { definition } = options;
  const stateFile = options.stateFile === false ? undefined : (options.stateFile ?? DEFAULT_STATE_FILE);
  const servers = await startLocalServers(options.servers);
  const clients = createLocalClients(servers, options.clients);
  const pollers = new Map<string, LanePoller>();

  const stop = async () => {
    await Promise.all([...pollers.values()].map((poller) => poller.stop()));
    clients.destroy();
    await servers.stop();
    if (stateFile) await removeStateFile(stateFile);
  };

  let resources: ProvisionedResources;
  try {
    resources = await provision(definition, clients, options.provision);
    if (stateFile) {
      await writeStateFile(stateFile, {
        version: STATE_FILE_VERSION,
        pid: process.pid,
        startedAt: new Date().toISOString(),
        sqsEndpoint: servers.sqsEndpoint,
        dynamodbEndpoint: servers.dynamodbEndpoint,
        region: servers.region,
        ...resources,
        taskTypes: taskTypesByLane(definition),
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    definition,
    servers,
    clients,
    resources,
    queueUrls: Object.fromEntries(Object.entries(resources.lanes).map(([lane, queues]) => [lane, queues.queueUrl])),
    stateFile,
    pollers,
    startLane(lane, handler, tuning) {
      if (pollers.has(lane)) throw new LaneAlreadyStartedError(`lane "${lane}" is already being polled`);
      // Throws DefinitionError naming the known lanes; provision() created queues for all of them.
      definition.lane(lane);
      const poller = startLanePoller({
        definition,
        lane,
        queue: resources.lanes[lane]!,
        sqs: clients.sqs,
        handler,
        tuning: { ...options.poller, ...tuning },
        log: options.log,
      });
      pollers.set(lane, poller);
      return poller;
    },
    stop,
  };
}

/** Each lane's task types, as the state file gives them to the CLI. */
export function taskTypesByLane(definition: Definition): Record<string, string[]> {
  return Object.fromEntries(definition.lanes.map((lane) => [lane.name, definition.tasksOf(lane.name).map((task) => task.type)]));
}
