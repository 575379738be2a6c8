/** `tasklanes drop <lane> --type T | --tenant X | --older-than D`: drop matching tasks, keep the rest. */
import { UsageError } from '../errors.ts';
import { formatMs, parseDuration } from '../format/duration.ts';
import { progressLine } from '../format/progress.ts';
import { checkDrop, dropTasks, type DropFilter } from '../lanes/drop.ts';
import { EXIT, writeLine, type Command } from './command.ts';
import { laneArgument } from './lane-argument.ts';

export const dropCommand: Command = {
  name: 'drop',
  summary: 'remove only the tasks of a lane that match a type, tenant or age; keep the rest',
  arguments: ['<lane>'],
  help: `Filter (at least one; all given must match):
  --type <type>          task type, e.g. pdf.render
  --tenant <tenant>      tenant
  --older-than <age>     task age from its createdAt, e.g. 90s, 15m, 6h, 2d, 6w
Options:
  --dry-run              count what would be dropped; delete nothing
  --json                 print the result as JSON

The lane's consumer is paused during the scan and resumed after. Kept tasks
are put back as identical copies (same body, attributes and group), so the
scan does not count as a delivery attempt.`,
  options: {
    type: { type: 'string' },
    tenant: { type: 'string' },
    'older-than': { type: 'string' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(values, positionals, context) {
    const lane = laneArgument(positionals, 'drop');
    const filter: DropFilter = {
      type: values.type as string | undefined,
      tenant: values.tenant as string | undefined,
      olderThanSeconds: values['older-than'] === undefined ? undefined : parseDuration(String(values['older-than'])),
    };
    if (Object.values(filter).every((value) => value === undefined)) {
      throw new UsageError('drop needs --type, --tenant or --older-than (to drop everything, use purge)');
    }
    const dryRun = values['dry-run'] === true;
    const target = await context.target();
    // Before saying what it will do: an unknown lane or type is an error, not a scan that matches nothing.
    checkDrop(target, lane, filter);
    writeLine(
      context.stderr,
      `${dryRun ? 'Dry run: counting' : 'Dropping'} tasks of lane ${lane} on ${target.description} matching ${describeFilter(filter)}...`,
    );
    const progress = progressLine(context.stderr);
    const result = await dropTasks(target, lane, {
      filter,
      dryRun,
      onProgress: (p) =>
        p.phase === 'scanning'
          ? progress.update(p.scanned, p.total, `scanned ${p.scanned}/${p.total}, ${dryRun ? 'matching' : 'dropped'} ${p.dropped}`)
          : progress.update(p.restored, p.kept, `putting back kept tasks ${p.restored}/${p.kept}`),
    });
    progress.finish();
    if (values.json) {
      writeLine(context.stdout, JSON.stringify(result, null, 2));
    } else {
      writeLine(
        context.stdout,
        `${dryRun ? 'dry run: ' : ''}scanned ${result.scanned}, kept ${result.kept}, ${dryRun ? 'would drop' : 'dropped'} ${result.dropped} in ${formatMs(result.durationMs)}` +
          (result.inFlightAtStart ? `; ${result.inFlightAtStart} in flight at the start were not scanned` : '') +
          (result.complete ? '' : '; the scan stopped early (hold ran out or too many held): run it again'),
      );
    }
    return EXIT.ok;
  },
};

function describeFilter(filter: DropFilter): string {
  const parts = [
    filter.type && `type=${filter.type}`,
    filter.tenant && `tenant=${filter.tenant}`,
    filter.olderThanSeconds !== undefined && `age>${filter.olderThanSeconds}s`,
  ];
  return parts.filter(Boolean).join(' and ');
}
