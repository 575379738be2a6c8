/**
 * Synthesizes the stack the way `cdk synth` does (same feature flags from
 * cdk.json) and finds a construct's resource in the template, so tests read
 * properties of the lane they mean rather than guess logical IDs.
 */
import { readFileSync } from 'node:fs';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { TasklanesStack, type TasklanesStackProps } from '../../src/cdk/tasklanes-stack.ts';
import { DEMO_STACK_PROPS } from '../../demo/cdk-props.ts';

const CDK_JSON = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };

export interface Synthesized {
  readonly app: App;
  readonly stack: TasklanesStack;
  readonly template: Template;
}

export interface SynthesizeOptions {
  /**
   * Bundle the consumer with esbuild, as `cdk synth` does. Only the tests that read the bundle need it;
   * the rest skip it through CDK's bundling-stacks context (what `cdk synth --exclusively` does for the
   * stacks it leaves out), which saved 12 of the template tests' 43 s of CPU.
   * @default false
   */
  readonly bundle?: boolean;
}

/**
 * The demo deployment's stack, with `props` over the demo's definition and entry. `configure` may add
 * to the app or stack before the one synthesis (the tree is frozen after it).
 */
export function synthesize(
  props: Partial<TasklanesStackProps> = {},
  configure?: (stack: TasklanesStack, app: App) => void,
  { bundle = false }: SynthesizeOptions = {},
): Synthesized {
  const app = new App({ context: { ...CDK_JSON.context, ...(bundle ? {} : { [BUNDLING_STACKS]: [] }) } });
  const stack = new TasklanesStack(app, 'Tasklanes', { ...DEMO_STACK_PROPS, ...props });
  configure?.(stack, app);
  return { app, stack, template: Template.fromStack(stack) };
}

/** Logical ID of a construct's CloudFormation resource (its default child for an L2). */
export function logicalId(construct: IConstruct): string {
  const element = construct instanceof CfnElement ? construct : construct.node.defaultChild;
  if (!(element instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(element).resolve(element.logicalId) as string;
}

export interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, any>;
  readonly DeletionPolicy?: string;
}

export function resource(template: Template, construct: IConstruct): Resource {
  const id = logicalId(construct);
  const found = (template.toJSON().Resources as Record<string, Resource>)[id];
  if (!found) throw new Error(`no resource ${id} in the template`);
  return found;
}

/** `{ 'AWS::SQS::Queue': 8, ... }` */
export function countByType(template: Template): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { Type } of Object.values(template.toJSON().Resources as Record<string, Resource>)) counts[Type] = (counts[Type] ?? 0) + 1;
  return counts;
}

/** `{ 'Fn::GetAtt': [id, 'Arn'] }` of a construct, as the template references it. */
export function arnOf(construct: IConstruct): { 'Fn::GetAtt': [string, string] } {
  return { 'Fn::GetAtt': [logicalId(construct), 'Arn'] };
}
