/**
 * EventBridge Scheduler expressions as the local scheduler fires them: rates
 * from their start, 6-field crons with `?`, 1-7 = SUN-SAT day numbers, a
 * year field and a time zone; what cannot be fired locally is refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScheduleExpressionError, fireTimes } from '../../src/local/schedule-expression.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The next `count` fire times after `from`. */
function upcoming(expression: string, from: string, count: number, timezone?: string): (string | undefined)[] {
  const times = fireTimes({ expression, timezone }, at(from));
  const out: (string | undefined)[] = [];
  let cursor: number | undefined = at(from) - 1;
  for (let i = 0; i < count && cursor !== undefined; i++) {
    cursor = times.next(cursor);
    out.push(iso(cursor));
  }
  return out;
}

test('rate: at its start, then every interval', () => {
  assert.deepEqual(upcoming('rate(5 minutes)', '2025-03-01T10:00:00.000Z', 3), [
    '2025-03-01T10:00:00.000Z',
    '2025-03-01T10:05:00.000Z',
    '2025-03-01T10:10:00.000Z',
  ]);
  assert.deepEqual(upcoming('rate(1 day)', '2025-03-01T10:00:00.000Z', 2), ['2025-03-01T10:00:00.000Z', '2025-03-02T10:00:00.000Z']);
});

test("cron: EventBridge day numbers (2-6 = MON-FRI) in the schedule's time zone", () => {
  // 2025-03-01 is a Saturday; 03:00 in Berlin (UTC+1 in March before the switch) is 02:00 UTC.
  assert.deepEqual(upcoming('cron(0 3 ? * 2-6 *)', '2025-03-01T00:00:00.000Z', 3, 'Europe/Berlin'), [
    '2025-03-03T02:00:00.000Z',
    '2025-03-04T02:00:00.000Z',
    '2025-03-05T02:00:00.000Z',
  ]);
  assert.deepEqual(upcoming('cron(0 3 ? * MON-FRI *)', '2025-03-01T00:00:00.000Z', 1, 'Europe/Berlin'), ['2025-03-03T02:00:00.000Z']);
  // 1 = Sunday; 6#3 = the third Friday; 7L = the last Saturday.
  assert.deepEqual(upcoming('cron(30 12 ? * 1 *)', '2025-03-01T00:00:00.000Z', 1), ['2025-03-02T12:30:00.000Z']);
  assert.deepEqual(upcoming('cron(0 9 ? * 6#3 *)', '2025-03-01T00:00:00.000Z', 1), ['2025-03-21T09:00:00.000Z']);
  assert.deepEqual(upcoming('cron(0 9 ? * 7L *)', '2025-03-01T00:00:00.000Z', 1), ['2025-03-29T09:00:00.000Z']);
});

test('cron: day of month with "?", steps, and the year field', () => {
  assert.deepEqual(upcoming('cron(0/15 * 1 * ? *)', '2025-03-01T23:40:00.000Z', 2), [
    '2025-03-01T23:45:00.000Z',
    '2025-04-01T00:00:00.000Z',
  ]);
  assert.deepEqual(upcoming('cron(0 0 1 1 ? 2027-2028)', '2025-03-01T00:00:00.000Z', 3), [
    '2027-01-01T00:00:00.000Z',
    '2028-01-01T00:00:00.000Z',
    undefined,
  ]);
});

test('what EventBridge or the local scheduler would not take is refused with the reason', () => {
  const refused = (expression: string, reason: RegExp) =>
    assert.throws(
      () => fireTimes({ expression }, 0),
      (error) => error instanceof ScheduleExpressionError && reason.test(error.message),
    );
  refused('cron(0 3 * * *)', /6 fields/);
  refused('cron(0 3 1 * MON *)', /must be "\?"/);
  refused('cron(0 3 15W * ? *)', /W \(nearest weekday\)/);
  refused('cron(0 3 ? * 8 *)', /outside 1-7/);
  refused('cron(0 3 ? * * 20x5)', /year/);
  refused('every 5 minutes', /neither rate/);
});
