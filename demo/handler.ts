/**
 * The demo's Lambda entry: the stack deploys this one bundle once per lane.
 * In a worker thread started by the isolated `bulk` lane, the same module
 * serves tasks instead.
 */
import { createLaneHandler } from 'tasklanes/lambda';
import { definition } from './definition.ts';

export const handler = createLaneHandler(definition, { entry: import.meta.url });
