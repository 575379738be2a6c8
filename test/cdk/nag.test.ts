/**
 * cdk-nag's AwsSolutions pack over the whole stack: zero findings, errors or
 * warnings, and every acknowledgment (if one is ever needed) carries a reason.
 * cdk-nag 3 reports through CDK's policy validation, not annotations: a
 * finding fails `app.synth()` and shows in `validateScope`'s report.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { synthesize } from './support.ts';

const { app, stack } = synthesize({}, (_stack, app) => Validations.of(app).addPlugins(new AwsSolutionsChecks(app)));

test('the pack finds nothing: no errors, no warnings', () => {
  const report = new AwsSolutionsChecks(app).validateScope(stack);
  assert.deepEqual(
    report.violations.map((v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
    [],
  );
  assert.equal(report.success, true);
});

test('synthesis with the pack registered succeeds (a finding would make it throw)', () => {
  assert.doesNotThrow(() => app.synth({ force: true }));
});

test('no CDK warnings or errors on any construct', () => {
  assert.deepEqual(Annotations.fromStack(stack).findError('*', Match.anyValue()), []);
  assert.deepEqual(Annotations.fromStack(stack).findWarning('*', Match.anyValue()), []);
});

test('every acknowledged rule names a reason', () => {
  const acknowledgments = stack.node
    .findAll()
    .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
    .flatMap((m) => [m.data].flat() as { id: string; reason: string }[]);
  for (const { id, reason } of acknowledgments) assert.ok(reason?.trim().length > 20, `${id} needs a concrete reason`);
});

test('the pack does run here: a queue without TLS enforcement is reported', () => {
  const control = new App();
  const bare = new Stack(control, 'Control');
  new Queue(bare, 'Plain');
  const rules = new AwsSolutionsChecks(control).validateScope(bare).violations.map((v) => v.ruleName);
  assert.ok(rules.includes('AwsSolutions-SQS4'), rules.join(', '));
});
