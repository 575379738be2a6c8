/**
 * What `/api/status` answers and the page draws: per lane its queue numbers
 * (the same rows as `tasklanes status`), outcome counters from the
 * OutcomeRecorder, alarm states from the local evaluator, the recent
 * history and the last tasks.
 */
import { OUTCOMES, type Outcome } from '../../definition/metrics.ts';
import type { OutcomeEvent } from '../../runtime/outcome.ts';
import type { LocalAlarmEvaluator, LocalAlarmState } from '../alarms.ts';
import type { OutcomeCounts, OutcomeRecorder } from '../outcome-recorder.ts';
import { statusOfLanes, type LaneStatus } from '../../ops/lanes/status.ts';
import type { OpsTarget } from '../../ops/target/target.ts';
import type { HistoryPoint, LaneSample } from './history.ts';
import { CLAIM_PATHS, type DynamoDbBackend } from '../servers.ts';

/** Rows of the "last tasks" table. */
export const RECENT_TASKS_SHOWN = 25;

export interface DashboardLane extends LaneStatus {
  readonly counts: OutcomeCounts;
  /** The same counters per task type that had an outcome. */
  readonly countsByType: Readonly<Record<string, OutcomeCounts>>;
}

export interface DashboardStatus {
  readonly generatedAt: string;
  readonly target: string;
  /** The DynamoDB-compatible server and the claim path it gives the consumers. */
  readonly dynamodb: { readonly backend: DynamoDbBackend; readonly claims: string };
  readonly lanes: readonly DashboardLane[];
  readonly alarms: readonly LocalAlarmState[];
  readonly history: readonly HistoryPoint[];
  readonly sampleIntervalMs: number;
  /** Newest first. */
  readonly recent: readonly OutcomeEvent[];
}

export interface SnapshotSources {
  readonly target: OpsTarget;
  readonly recorder: OutcomeRecorder;
  readonly dynamodbBackend: DynamoDbBackend;
  readonly alarms: Pick<LocalAlarmEvaluator, 'evaluate'>;
  readonly history: { points(): readonly HistoryPoint[]; readonly sampleIntervalMs: number };
}

export async function dashboardStatus(sources: SnapshotSources): Promise<DashboardStatus> {
  const [rows, alarms] = await Promise.all([statusOfLanes(sources.target), sources.alarms.evaluate()]);
  return {
    generatedAt: new Date().toISOString(),
    target: sources.target.description,
    dynamodb: { backend: sources.dynamodbBackend, claims: CLAIM_PATHS[sources.dynamodbBackend] },
    // Counts are copied: the recorder keeps mutating its own objects.
    lanes: rows.map((row) => ({
      ...row,
      counts: { ...sources.recorder.countsOf(row.lane) },
      countsByType: Object.fromEntries([...sources.recorder.countsByType(row.lane)].map(([type, counts]) => [type, { ...counts }])),
    })),
    alarms,
    history: sources.history.points(),
    sampleIntervalMs: sources.history.sampleIntervalMs,
    recent: sources.recorder.recent().slice(-RECENT_TASKS_SHOWN).reverse(),
  };
}

/** What the history samples per lane: outcomes so far (every delivery's one outcome) and the oldest age. */
export async function sampleLanes(target: OpsTarget, recorder: OutcomeRecorder): Promise<Record<string, LaneSample>> {
  const entries = await Promise.all(
    target.lanes.map(async (lane) => {
      const counts = recorder.countsOf(lane);
      const outcomes = Object.fromEntries(OUTCOMES.map((outcome) => [outcome, counts[outcome]])) as Record<Outcome, number>;
      return [lane, { outcomes, oldestAgeSeconds: (await target.oldestAgeSeconds(lane)) ?? 0 }] as const;
    }),
  );
  return Object.fromEntries(entries);
}
