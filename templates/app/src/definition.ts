/** This app's lanes and task types: the one definition its Lambda entry, its stack, its publisher and `tasklanes dev` read. */
import { createDefinition, defineLane } from 'tasklanes';
import { thumbnailMake } from './tasks/thumbnail-make.ts';

export const TASK_TYPES = [thumbnailMake];

export const definition = createDefinition({
  lanes: [defineLane('default', 'Everything this app runs in the background.')],
  tasks: TASK_TYPES,
});
