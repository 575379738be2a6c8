/** Small definitions for tests of the local runner: lanes only, no task types. */
import { defineLane } from '../../functions/definition/lanes.ts';
import { createDefinition, type Definition } from '../../functions/definition/registry.ts';
import type { LaneOptions } from '../../functions/definition/types.ts';

export function laneDefinition(lanes: Record<string, Partial<LaneOptions>>): Definition {
  return createDefinition({
    lanes: Object.entries(lanes).map(([name, options]) => defineLane(name, `test lane ${name}`, options)),
    tasks: [],
    // Lanes only: a heartbeat type would set the lanes' longest task timeout.
    heartbeats: false,
  });
}
