/**
 * A stack holding nothing but tasklanes, for an app that deploys it on its
 * own. The construct's id is `Default`, which CDK leaves out of logical IDs,
 * so the resources keep the names a stack-level layout gives them.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { Tasklanes, type TasklanesProps } from './tasklanes.ts';

export interface TasklanesStackProps extends StackProps, TasklanesProps {}

export class TasklanesStack extends Stack {
  readonly tasklanes: Tasklanes;

  constructor(scope: Construct, id: string, props: TasklanesStackProps) {
    super(scope, id, props);
    this.tasklanes = new Tasklanes(this, 'Default', props);
  }

  /** Lets a role in a CDK app that includes this stack publish to every lane. */
  grantPublish(grantee: IGrantable): Grant {
    return this.tasklanes.grantPublish(grantee);
  }
}
