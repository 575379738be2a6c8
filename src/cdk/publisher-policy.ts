/**
 * What an app needs to publish tasks, and nothing else: SendMessage (which
 * also covers SendMessageBatch) on the lanes' queues, not the DLQs (a task
 * reaches a DLQ only through its lane); and, for a `runAt` beyond SQS's 15
 * minutes, scheduler:CreateSchedule in the deployment's schedule group with
 * iam:PassRole of its scheduler role to Scheduler only (scheduled-delivery.ts).
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { Grant, ManagedPolicy, PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ScheduledDelivery } from './scheduled-delivery.ts';

export const PUBLISH_ACTIONS = ['sqs:SendMessage'];
export const SCHEDULE_ACTIONS = ['scheduler:CreateSchedule'];
export const PASS_ROLE_ACTIONS = ['iam:PassRole'];

/** Scheduler may only be handed the role, never another service. */
const PASSED_TO_SCHEDULER = { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } };

export class PublisherPolicy extends Construct {
  /** For roles outside this CDK app: attach it (its ARN is a stack output). */
  readonly policy: ManagedPolicy;
  private readonly queueArns: string[];
  private readonly schedulesArn: string;
  private readonly schedulerRoleArn: string;

  constructor(scope: Construct, id: string, queues: readonly IQueue[], delivery: ScheduledDelivery) {
    super(scope, id);
    this.queueArns = queues.map((queue) => queue.queueArn);
    this.schedulesArn = delivery.schedulesArn;
    this.schedulerRoleArn = delivery.role.roleArn;
    this.policy = new ManagedPolicy(this, 'Policy', {
      description:
        'Publish tasklanes tasks: sqs:SendMessage on the lane queues; scheduler:CreateSchedule in its schedule group, passing its scheduler role.',
      statements: [
        new PolicyStatement({ actions: PUBLISH_ACTIONS, resources: this.queueArns }),
        new PolicyStatement({ actions: SCHEDULE_ACTIONS, resources: [this.schedulesArn] }),
        new PolicyStatement({ actions: PASS_ROLE_ACTIONS, resources: [this.schedulerRoleArn], conditions: PASSED_TO_SCHEDULER }),
      ],
    });
    // The one wildcard: a schedule is named after its task (scheduleNameOf), known only when the task is published.
    // It stays inside the deployment's own group, and the only role a schedule can carry is the scheduler role.
    const group = Stack.of(this).resolve(delivery.group.scheduleGroupName) as string;
    Validations.of(this.policy).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${group}/*]`,
      reason: "schedules are named after their tasks, known only at publish time; the wildcard is the deployment's own schedule group",
    });
  }

  /** For roles in the same CDK app: the same permissions, without a policy attachment. */
  grant(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({ grantee, actions: PUBLISH_ACTIONS, resourceArns: this.queueArns })
      .combine(Grant.addToPrincipal({ grantee, actions: SCHEDULE_ACTIONS, resourceArns: [this.schedulesArn] }))
      .combine(
        Grant.addToPrincipal({
          grantee,
          actions: PASS_ROLE_ACTIONS,
          resourceArns: [this.schedulerRoleArn],
          conditions: PASSED_TO_SCHEDULER,
        }),
      );
  }
}
