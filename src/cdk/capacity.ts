/**
 * Refuses, while the stack is being built, a deployment whose templates
 * CloudFormation would not take: more than 500 resources or 200 outputs in
 * one template (src/definition/capacity.ts). It counts what the constructs
 * declare, the app's own resources in the same stack included, so the
 * message can say what to do instead of CDK's bare count at synth.
 */
import { CfnOutput, CfnResource, Stack, type NestedStack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { CLOUDFORMATION_QUOTAS, MAX_LANES_PER_DEPLOYMENT } from '../definition/capacity.ts';
import { DeploymentTooLargeError } from '../definition/registry.ts';

export interface TemplateCount {
  readonly stack: Stack;
  readonly resources: number;
  readonly outputs: number;
}

/** What each template (the construct's stack, then the lanes' nested stacks) declares. */
export function countTemplates(root: Stack, laneStacks: readonly NestedStack[]): TemplateCount[] {
  return [root, ...laneStacks].map((stack) => {
    const own = stack.node.findAll().filter((construct) => Stack.of(construct) === stack);
    return {
      stack,
      resources: own.filter((construct) => construct instanceof CfnResource).length,
      outputs: own.filter((construct) => construct instanceof CfnOutput).length,
    };
  });
}

export function checkTemplatesFit(scope: IConstruct & { readonly laneStacks: readonly NestedStack[] }, layout: 'inline' | 'nested'): void {
  const root = Stack.of(scope);
  for (const { stack, resources, outputs } of countTemplates(root, scope.laneStacks)) {
    const what = stack === root ? `stack ${root.stackName}` : `the nested stack of ${stack.node.id.replace(/^LaneStack-/, 'lane ')}`;
    const remedy =
      stack !== root
        ? 'Move some of its scheduled task types to another lane.'
        : layout === 'inline'
          ? `Give each lane a nested stack of its own (laneStacks: 'nested', up to ${MAX_LANES_PER_DEPLOYMENT} lanes), or split the lanes across deployments.`
          : "Split the lanes across deployments, a definition each, or move the app's own resources to another stack.";
    if (resources > CLOUDFORMATION_QUOTAS.resources)
      throw new DeploymentTooLargeError(
        'resources',
        resources,
        CLOUDFORMATION_QUOTAS.resources,
        `${what} would declare ${resources} resources, and CloudFormation allows ${CLOUDFORMATION_QUOTAS.resources} per stack. ${remedy}`,
      );
    if (outputs > CLOUDFORMATION_QUOTAS.outputs)
      throw new DeploymentTooLargeError(
        'outputs',
        outputs,
        CLOUDFORMATION_QUOTAS.outputs,
        `${what} would declare ${outputs} outputs, and CloudFormation allows ${CLOUDFORMATION_QUOTAS.outputs} per stack. ${remedy}`,
      );
  }
}
