/**
 * The one permission an app needs to publish tasks: SendMessage (which also
 * covers SendMessageBatch) on the lanes' queues, and nothing else. Not the
 * DLQs: a task reaches a DLQ only through its lane.
 */
import { Grant, ManagedPolicy, PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export const PUBLISH_ACTIONS = ['sqs:SendMessage'];

export class PublisherPolicy extends Construct {
  /** For roles outside this CDK app: attach it (its ARN is a stack output). */
  readonly policy: ManagedPolicy;
  private readonly queueArns: string[];

  constructor(scope: Construct, id: string, queues: readonly IQueue[]) {
    super(scope, id);
    this.queueArns = queues.map((queue) => queue.queueArn);
    this.policy = new ManagedPolicy(this, 'Policy', {
      description: 'Publish tasklanes tasks: sqs:SendMessage on the lane queues only.',
      statements: [new PolicyStatement({ actions: PUBLISH_ACTIONS, resources: this.queueArns })],
    });
  }

  /** For roles in the same CDK app: the same permission, without a policy attachment. */
  grant(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({ grantee, actions: PUBLISH_ACTIONS, resourceArns: this.queueArns });
  }
}
