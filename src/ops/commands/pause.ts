/** `tasklanes pause <lane>` / `tasklanes resume <lane>`: stop and restart consumption; messages stay. */
import { pauseLane, resumeLane, type ConsumerChange } from '../lanes/pause.ts';
import type { OpsTarget } from '../target/target.ts';
import { EXIT, writeLine, type Command } from './command.ts';
import { laneArgument } from './lane-argument.ts';

function consumerCommand(name: 'pause' | 'resume', change: (target: OpsTarget, lane: string) => Promise<ConsumerChange>): Command {
  return {
    name,
    summary:
      name === 'pause'
        ? 'stop consuming a lane (event source mapping / local poller); messages stay queued'
        : 'consume a paused lane again',
    arguments: ['<lane>'],
    help: '',
    options: {},
    async run(_values, positionals, context) {
      const lane = laneArgument(positionals, name);
      const target = await context.target();
      const result = await change(target, lane);
      const state = result.enabled ? 'enabled' : 'paused';
      writeLine(
        context.stdout,
        result.wasEnabled === result.enabled
          ? `lane ${lane} was already ${state}`
          : `lane ${lane}: consumer ${state} (${target.description})`,
      );
      return EXIT.ok;
    },
  };
}

export const pauseCommand = consumerCommand('pause', pauseLane);
export const resumeCommand = consumerCommand('resume', resumeLane);
