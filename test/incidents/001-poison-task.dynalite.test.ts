/** The scenarios of 001-poison-task.ts on dynalite: apart from the other backend's, so the two run in parallel. */
import { poisonTaskScenarios } from './001-poison-task.ts';

poisonTaskScenarios('dynalite');
