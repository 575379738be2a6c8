/**
 * The one permission an app needs to publish tasks: SendMessage (which also
 * covers SendMessageBatch) on the lanes' queues, and nothing else. Not the
 * DLQs: a task reaches a DLQ only through its lane.
 */
import { Effect, ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export class PublisherPolicy extends Construct {
  readonly policy: ManagedPolicy;

  constructor(scope: Construct, id: string, queues: readonly IQueue[]) {
    super(scope, id);
    this.policy = new ManagedPolicy(this, 'Policy', {
      description: 'Publish tasklanes tasks: sqs:SendMessage on the lane queues only.',
      statements: [
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['sqs:SendMessage'],
          resources: queues.map((queue) => queue.queueArn),
        }),
      ],
    });
  }
}
