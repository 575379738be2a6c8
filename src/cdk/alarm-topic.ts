/**
 * The one SNS topic every alarm of the stack notifies, with an optional email
 * subscription. Not KMS-encrypted: CloudWatch cannot publish to a topic under
 * the AWS managed SNS key, and alarm messages carry no task data.
 */
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlarmTopicProps {
  /** Subscribed to every alarm; AWS sends a confirmation mail first. Default: none. */
  readonly email?: string;
}

export class AlarmTopic extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps = {}) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', { displayName: 'tasklanes alarms', enforceSSL: true });
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
  }
}
