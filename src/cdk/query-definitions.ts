/**
 * Saved Logs Insights queries over the lanes' consumer log groups, so that
 * the questions `tasklanes task` answers are one click in the CloudWatch
 * console (Logs Insights, "Saved queries", folder `tasklanes/<stack>`): a
 * task's outcomes by its id, a tenant's outcomes, and the dead letters
 * counted by lane, type and reason. The query strings are the CLI's own
 * (src/definition/log-queries.ts), with a placeholder to type over.
 */
import { CfnQueryDefinition } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { MAX_QUERY_LOG_GROUPS, outcomeQueries, QUERY_PLACEHOLDERS } from '../definition/log-queries.ts';
import type { Lane } from './lane.ts';
import { deploymentStackName } from './stack-name.ts';

/** The questions saved, by construct id: their name in the console and their query. */
export const SAVED_QUERIES = [
  { id: 'TaskById', name: 'task by id', query: outcomeQueries.byTask(QUERY_PLACEHOLDERS.taskId) },
  { id: 'TenantTasks', name: 'tasks of a tenant', query: outcomeQueries.byTenant(QUERY_PLACEHOLDERS.tenant) },
  { id: 'DeadLettersByReason', name: 'dead letters by reason', query: outcomeQueries.deadLettersByReason() },
] as const;

export interface QueryDefinitionsProps {
  readonly lanes: readonly Lane[];
}

export class QueryDefinitions extends Construct {
  readonly definitions: readonly CfnQueryDefinition[];

  constructor(scope: Construct, id: string, props: QueryDefinitionsProps) {
    super(scope, id);
    const folder = `tasklanes/${deploymentStackName(this)}`;
    // A query searches at most 50 log groups: beyond 50 lanes, each question is saved once per 50 of them.
    const groups: Lane[][] = [];
    for (let start = 0; start < props.lanes.length; start += MAX_QUERY_LOG_GROUPS)
      groups.push(props.lanes.slice(start, start + MAX_QUERY_LOG_GROUPS));
    this.definitions = groups.flatMap((lanes, index) => {
      const part =
        groups.length === 1
          ? { id: '', name: '' }
          : { id: String(index + 1), name: ` (lanes ${lanes[0]!.definition.name} to ${lanes.at(-1)!.definition.name})` };
      return SAVED_QUERIES.map(
        (saved) =>
          new CfnQueryDefinition(this, `${saved.id}${part.id}`, {
            name: `${folder}/${saved.name}${part.name}`,
            queryString: saved.query,
            logGroupNames: lanes.map((lane) => lane.consumer.logGroup.logGroupName),
          }),
      );
    });
  }
}
