/**
 * What a publisher's `runAt` beyond SQS's 15 minutes needs, once per
 * deployment: an EventBridge Scheduler schedule group for its one-time
 * schedules, and the role Scheduler sends them with: sqs:SendMessage on the
 * lane queues (the task) and their DLQs (a task Scheduler could not send,
 * its DeadLetterConfig), nothing else. Shared, never per lane: three
 * resources whatever the lane count.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { Lane } from './lane.ts';

export const SCHEDULER_SEND_ACTIONS = ['sqs:SendMessage'];

export class ScheduledDelivery extends Construct {
  readonly group: ScheduleGroup;
  /** Passed to each schedule by the publisher (iam:PassRole, publisher-policy.ts). */
  readonly role: Role;

  constructor(scope: Construct, id: string, lanes: readonly Lane[]) {
    super(scope, id);
    const stack = Stack.of(this);
    // Deleted with the stack (CDK's default keeps it), as the queues are: a kept group's generated name would
    // stop the same stack from being created again, and its schedules could deliver nowhere.
    this.group = new ScheduleGroup(this, 'Group', { removalPolicy: RemovalPolicy.DESTROY });
    // Confused-deputy guard: only schedules of this group, in this account, may assume the role.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account, 'aws:SourceArn': this.group.scheduleGroupArn } },
      }),
      description: 'EventBridge Scheduler sends runAt tasks to their lane queues (and what it cannot send to their DLQs)',
    });
    // No queue policy is needed on either queue: same account, so the role's own policy grants it; the
    // queues' TLS-only policy (enforceSSL) is met, Scheduler calls SQS over HTTPS.
    this.role.addToPolicy(
      new PolicyStatement({
        actions: SCHEDULER_SEND_ACTIONS,
        resources: lanes.flatMap((lane) => [lane.queue.queueArn, lane.deadLetterQueue.queueArn]),
      }),
    );
  }

  /** `arn:...:schedule/<group>/*`: the schedules a publisher may create. */
  get schedulesArn(): string {
    return Stack.of(this).formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${this.group.scheduleGroupName}/*` });
  }
}
