/** The demo deployment's definition: its four lanes and its task types, built with tasklanes' public API as any app builds its own. */
import { createDefinition } from 'tasklanes';
import { DEMO_LANES } from './lanes.ts';
import { TASK_TYPES } from './tasks/index.ts';

export const definition = createDefinition({ lanes: DEMO_LANES, tasks: TASK_TYPES });
