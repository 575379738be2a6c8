/**
 * `tasklanes/lambda`: what an app's Lambda entry file imports. The whole
 * consumer (validation, deadlines, dedup, timeouts, DLQ, metrics) sits
 * behind `createLaneHandler`.
 */
export { createLaneHandler, type LaneHandler, type LaneHandlerOptions } from './lambda-handler.ts';
export { ConfigurationError } from './consumer.ts';
export { PermanentError } from './errors.ts';
export { serveTaskWorker } from './task-worker.ts';
