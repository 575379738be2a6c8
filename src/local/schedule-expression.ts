/**
 * When a schedule fires, in EventBridge Scheduler's syntax: `rate(N unit)`
 * and the 6-field `cron(minutes hours day-of-month month day-of-week year)`
 * with its `?`, its 1-7 = SUN-SAT day numbers and its year field, in the
 * schedule's time zone. The local scheduler asks this module for fire times;
 * cron-parser does the calendar arithmetic once the expression is translated.
 */
import { CronExpressionParser } from 'cron-parser';
import { rateMinutes } from '../definition/schedule.ts';
import type { TaskSchedule } from '../definition/types.ts';

export class ScheduleExpressionError extends Error {
  override readonly name = 'ScheduleExpressionError';
}

/** EventBridge's default time zone of a schedule. */
export const DEFAULT_TIMEZONE = 'UTC';

/** Fire times of one schedule, in epoch milliseconds. */
export interface FireTimes {
  /** The first fire time strictly after `after`, or undefined when the schedule fires no more (its year field has ended). */
  next(after: number): number | undefined;
}

/**
 * `anchor` is when a rate schedule was created: it fires then and every
 * interval after. Cron schedules fire on their calendar, whatever the anchor.
 */
export function fireTimes(schedule: TaskSchedule, anchor: number): FireTimes {
  const minutes = rateMinutes(schedule.expression);
  if (minutes !== undefined) {
    const interval = minutes * 60_000;
    return { next: (after) => (after < anchor ? anchor : anchor + (Math.floor((after - anchor) / interval) + 1) * interval) };
  }
  const cron = /^cron\((.+)\)$/.exec(schedule.expression);
  if (!cron) throw new ScheduleExpressionError(`"${schedule.expression}" is neither rate(...) nor cron(...)`);
  return cronFireTimes(cron[1]!, schedule.timezone ?? DEFAULT_TIMEZONE);
}

/** Calendar years are searched this far ahead before a cron with a year field counts as finished. */
const MAX_YEAR_SKIPS = 200;
/** EventBridge's year range. */
const MIN_YEAR = 1970;
const MAX_YEAR = 2199;

function cronFireTimes(body: string, timezone: string): FireTimes {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new ScheduleExpressionError(
      `cron(${body}) needs 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
    );
  }
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields as [string, string, string, string, string, string];
  if (dayOfMonth !== '?' && dayOfWeek !== '?') {
    throw new ScheduleExpressionError(`cron(${body}): one of day-of-month and day-of-week must be "?" (EventBridge rule)`);
  }
  if (/W/i.test(dayOfMonth)) throw new ScheduleExpressionError(`cron(${body}): the W (nearest weekday) wildcard is not supported locally`);
  // cron-parser's leading seconds field: EventBridge fires on the minute.
  const expression = ['0', minutes, hours, dayOfMonth, month, translateDayOfWeek(dayOfWeek, body)].join(' ');
  const inYear = yearMatcher(year, body);
  try {
    CronExpressionParser.parse(expression, { tz: timezone });
  } catch (error) {
    throw new ScheduleExpressionError(`cron(${body}) in ${timezone}: ${(error as Error).message}`, { cause: error });
  }
  const yearOf = yearInZone(timezone);
  return {
    next(after) {
      let from = after;
      for (let skips = 0; skips < MAX_YEAR_SKIPS; skips++) {
        const at = CronExpressionParser.parse(expression, { currentDate: new Date(from), tz: timezone })
          .next()
          .getTime();
        const y = yearOf(at);
        if (inYear(y)) return at;
        if (y >= MAX_YEAR) return undefined;
        // Jump to the end of that year rather than walk it minute by minute.
        from = Date.UTC(y + 1, 0, 1) - 14 * 3_600_000;
      }
      return undefined;
    },
  };
}

/** EventBridge numbers days 1-7 from Sunday; cron-parser 0-6. Names (MON-FRI), `L`, `#` and steps are kept. */
function translateDayOfWeek(field: string, body: string): string {
  if (field === '?' || field === '*') return '*';
  if (field === 'L') return '6';
  const day = (text: string) => {
    if (!/^\d$/.test(text)) return text;
    const n = Number(text);
    if (n < 1 || n > 7) throw new ScheduleExpressionError(`cron(${body}): day-of-week ${n} is outside 1-7`);
    return String(n - 1);
  };
  return field
    .split(',')
    .map((token) => {
      const [base, step] = token.split('/') as [string, string | undefined];
      const translated = base.replace(
        /^([^-#L]+)(?:-([^#L]+))?(#\d+|L)?$/,
        (_all, from: string, to: string | undefined, suffix: string | undefined) => `${day(from)}${to ? `-${day(to)}` : ''}${suffix ?? ''}`,
      );
      return step === undefined ? translated : `${translated}/${step}`;
    })
    .join(',');
}

/** The year field: `*`, years, ranges, lists and `/` steps. */
function yearMatcher(field: string, body: string): (year: number) => boolean {
  if (field === '*' || field === '?') return () => true;
  const parts = field.split(',').map((token) => {
    const match = /^(\*|\d{4})(?:-(\d{4}))?(?:\/(\d+))?$/.exec(token);
    if (!match) throw new ScheduleExpressionError(`cron(${body}): year "${token}" is not a year, range or step`);
    const from = match[1] === '*' ? MIN_YEAR : Number(match[1]);
    const to = match[2] ? Number(match[2]) : match[3] || match[1] === '*' ? MAX_YEAR : from;
    const step = Number(match[3] ?? 1);
    return (year: number) => year >= from && year <= to && (year - from) % step === 0;
  });
  return (year) => parts.some((matches) => matches(year));
}

function yearInZone(timezone: string): (at: number) => number {
  const format = new Intl.DateTimeFormat('en-US', { timeZone: timezone, year: 'numeric' });
  return (at) => Number(format.format(at));
}
