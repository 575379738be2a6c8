/**
 * The definition `npm start` runs: the demo deployment's own lanes and task
 * types, with one change for the demo's sake: `pdf.render` times out after a
 * few seconds instead of two minutes, so the hard stop of a pathological PDF
 * is seen while you watch. Also the worker entry of the demo's isolated lanes.
 */
import { createDefinition } from 'tasklanes';
import { serveTaskWorker } from 'tasklanes/lambda';
import { DEMO_LANES } from './lanes.ts';
import { TASK_TYPES } from './tasks/index.ts';

/** Long enough for a normal demo PDF, short enough to watch a pathological one be stopped. */
export const DEMO_PDF_TIMEOUT_SECONDS = 5;

export const demoDefinition = createDefinition({
  lanes: DEMO_LANES,
  tasks: TASK_TYPES.map((task) => (task.type === 'pdf.render' ? { ...task, timeoutSeconds: DEMO_PDF_TIMEOUT_SECONDS } : task)),
});

export const DEMO_WORKER_ENTRY = new URL(import.meta.url);

serveTaskWorker(demoDefinition);
