/** `tasklanes status`: one table of all lanes; `--json` for scripts; `--watch` redraws it. */
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../errors.ts';
import { formatAge } from '../format/duration.ts';
import { renderTable } from '../format/table.ts';
import { statusOfLanes, type LaneStatus } from '../lanes/status.ts';
import { EXIT, writeLine, type Command } from './command.ts';

/** Default seconds between redraws with `--watch`. */
export const DEFAULT_WATCH_SECONDS = 5;

export function renderStatus(rows: readonly LaneStatus[]): string {
  return renderTable(
    ['lane', 'visible', 'in flight', 'delayed', 'oldest', 'dlq', 'consumer'],
    rows.map((row) => [
      row.lane,
      row.visible,
      row.inFlight,
      row.delayed,
      formatAge(row.oldestAgeSeconds),
      row.dlqVisible,
      row.consumerEnabled ? 'enabled' : 'PAUSED',
    ]),
  );
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'all lanes: visible, in flight, delayed, oldest age, DLQ depth, consumer',
  arguments: [],
  help: `Options:
  --json                 print JSON (one array of lanes) instead of the table
  --watch                redraw every --interval seconds until Ctrl-C
  --interval <seconds>   with --watch: seconds between redraws (default ${DEFAULT_WATCH_SECONDS})`,
  options: { json: { type: 'boolean' }, watch: { type: 'boolean' }, interval: { type: 'string' } },
  async run(values, _positionals, context) {
    // Ignoring it would leave the operator waiting for redraws that never come.
    if (values.interval !== undefined && !values.watch)
      throw new UsageError('--interval sets the pace of --watch: give --watch too, or leave --interval out');
    const interval = Number(values.interval ?? DEFAULT_WATCH_SECONDS);
    if (!(interval > 0)) throw new UsageError(`--interval must be a positive number of seconds (got ${values.interval})`);
    const target = await context.target();
    do {
      const rows = await statusOfLanes(target);
      if (values.json) {
        writeLine(
          context.stdout,
          JSON.stringify(values.watch ? { at: new Date().toISOString(), lanes: rows } : rows, null, values.watch ? 0 : 2),
        );
      } else {
        // Clear the screen between redraws on a terminal; piped output just appends.
        if (values.watch && context.stdout.isTTY) context.stdout.write('\x1b[2J\x1b[H');
        writeLine(context.stdout, `${target.description}, ${new Date().toISOString()}`);
        writeLine(context.stdout, renderStatus(rows));
      }
      if (!values.watch) break;
      await sleep(interval * 1000, undefined, { signal: context.signal }).catch(() => undefined);
    } while (!context.signal.aborted);
    return EXIT.ok;
  },
};
