/** Small definitions for tests of the local runner: lanes only, no task types. */
import { defineLane } from '../../src/definition/lanes.ts';
import { createDefinition, type Definition } from '../../src/definition/registry.ts';
import type { LaneOptions } from '../../src/definition/types.ts';

/** `heartbeats: false` leaves the lanes without task types, so their own timeouts are their longest. */
export function laneDefinition(lanes: Record<string, Partial<LaneOptions>>, options: { heartbeats?: boolean } = {}): Definition {
  return createDefinition({
    lanes: Object.entries(lanes).map(([name, options]) => defineLane(name, `test lane ${name}`, options)),
    tasks: [],
    heartbeats: options.heartbeats,
  });
}
