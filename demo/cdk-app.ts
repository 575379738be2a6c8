/**
 * `cdk synth` / `cdk deploy` entry of the demo deployment. Environment-agnostic
 * on purpose: the account and region come from the deploying credentials,
 * never from lookups. Context: `tasklanes:stackName` (default `Tasklanes`),
 * `tasklanes:alarmEmail`.
 */
import { App } from 'aws-cdk-lib';
import { TasklanesStack } from 'tasklanes/cdk';
import { DEMO_STACK_PROPS } from './cdk-props.ts';

const app = new App();
const context = (key: string): string | undefined => app.node.tryGetContext(`tasklanes:${key}`);

new TasklanesStack(app, context('stackName') ?? 'Tasklanes', {
  ...DEMO_STACK_PROPS,
  description: 'tasklanes: SQS lanes with Lambda consumers, dedup table, alarms and dashboard',
  alarmEmail: context('alarmEmail'),
});
