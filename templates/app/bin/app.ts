/** `cdk synth` / `cdk deploy`: the app's lanes as one stack. Add `Tasklanes` from tasklanes/cdk to an existing stack instead if you have one. */
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { TasklanesStack } from 'tasklanes/cdk';
import { definition } from '../src/definition.ts';

const app = new App();
new TasklanesStack(app, '{{name}}-tasks', {
  definition,
  handlerEntry: fileURLToPath(new URL('../src/handler.ts', import.meta.url)),
});
