/** The deployment's definition: the default lanes and every task type. */
import { DEFAULT_LANES } from '../src/definition/lanes.ts';
import { createDefinition } from '../src/definition/registry.ts';
import { TASK_TYPES } from './tasks/index.ts';

export const definition = createDefinition({ lanes: DEFAULT_LANES, tasks: TASK_TYPES });
export type { Definition } from '../src/definition/registry.ts';
