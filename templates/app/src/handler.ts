/** The Lambda entry of every lane (the stack deploys it once per lane); also the worker entry of isolated lanes. */
import { createLaneHandler } from 'tasklanes/lambda';
import { definition } from './definition.ts';

export const handler = createLaneHandler(definition, { entry: import.meta.url });
