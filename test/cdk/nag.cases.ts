/**
 * cdk-nag's AwsSolutions pack over the whole stack: zero findings, errors or
 * warnings, and none hidden: nothing in the app is acknowledged, so the empty
 * report is the whole truth, but for one acknowledgment, written out below:
 * the publisher's CreateSchedule on its schedule group's `schedule/<group>/*`
 * (schedules are named after tasks). cdk-nag 3 reports through CDK's policy
 * validation, not annotations: a finding fails `app.synth()` and shows in
 * `validateScope`'s report, unless the rule is acknowledged on the construct
 * or an ancestor (`Validations.of(scope).acknowledge`), which the control
 * test below shows.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { synthesize } from './support.ts';

const { app, stack } = synthesize({}, (_stack, app) => Validations.of(app).addPlugins(new AwsSolutionsChecks(app)));

/** Every rule acknowledged under `scope`, as `<construct path> <rule id>: <reason>`. */
function acknowledgments(scope: IConstruct): string[] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .map(([rule, reason]) => `${construct.node.path} ${rule}: ${reason}`),
  );
}

test('the pack finds nothing but the acknowledged schedules wildcard (which synthesis lets through, next test)', () => {
  const report = new AwsSolutionsChecks(app).validateScope(stack);
  assert.deepEqual(
    report.violations.map((v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
    [
      'error AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/Tasklanes-ScheduledDelivery-Group-B19D7CC4/*] at Tasklanes/Default/Publisher/Policy/Resource',
    ],
  );
});

test('synthesis with the pack registered succeeds (a finding would make it throw)', () => {
  assert.doesNotThrow(() => app.synth({ force: true }));
});

test('no CDK warnings or errors on any construct', () => {
  assert.deepEqual(Annotations.fromStack(stack).findError('*', Match.anyValue()), []);
  assert.deepEqual(Annotations.fromStack(stack).findWarning('*', Match.anyValue()), []);
});

test("one acknowledgment in the app, the publisher's schedules wildcard: the empty report hides nothing else", () => {
  assert.deepEqual(acknowledgments(app), [
    "Tasklanes/Default/Publisher/Policy AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/Tasklanes-ScheduledDelivery-Group-B19D7CC4/*]: schedules are named after their tasks, known only at publish time; the wildcard is the deployment's own schedule group",
  ]);
});

test('control: the pack reports a queue without TLS enforcement, and an acknowledgment hides that finding and is listed', () => {
  const control = new App();
  const bare = new Stack(control, 'Control');
  new Queue(bare, 'Plain');
  const acknowledged = new Queue(bare, 'Acknowledged');
  Validations.of(acknowledged).acknowledge({ id: 'AwsSolutions-SQS4', reason: 'control: TLS left unenforced on purpose' });
  const tlsFindings = new AwsSolutionsChecks(control)
    .validateScope(bare)
    .violations.filter((v) => v.ruleName === 'AwsSolutions-SQS4')
    .flatMap((v) => v.violatingResources.map((r) => r.constructPath));
  assert.deepEqual(tlsFindings, ['Control/Plain/Resource']);
  assert.deepEqual(acknowledgments(control), [
    'Control/Acknowledged Annotation::AwsSolutions-SQS4: control: TLS left unenforced on purpose',
  ]);
});
