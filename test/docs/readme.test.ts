/** The README's lane table is documentation of the demo's lanes (`DEMO_LANES`): it must say what the code does. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { LANE_DEFAULTS } from '../../src/definition/lanes.ts';
import { DEMO_LANES } from '../../demo/lanes.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** `15 min`, `24 h` -> seconds. */
function seconds(text: string): number {
  const [value, unit] = text.split(' ');
  return Number(value) * (unit === 'h' ? 3600 : unit === 'min' ? 60 : 1);
}

test('the README opens with the two commands', () => {
  const start = readme.indexOf('npm ci && npm start');
  assert.ok(start > 0 && start < 1500, 'npm ci && npm start near the top');
  assert.ok(readme.indexOf('npm ci && npm test') > 0);
});

test('the README lane table matches DEMO_LANES', () => {
  const rows = readme
    .split('\n')
    .filter((line) => /^\| `[a-z-]+` \|/.test(line) && line.split('|').length === 12)
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  assert.deepEqual(
    rows.map((r) => r[0]),
    DEMO_LANES.map((lane) => `\`${lane.name}\``),
  );
  for (const [row, lane] of rows.map((r, i) => [r, DEMO_LANES[i]!] as const)) {
    const [, , batch, window, timeout, receives, maxAge, concurrency, ageAlarm, isolation] = row;
    assert.deepEqual(
      [
        Number(batch),
        Number(window),
        Number(timeout),
        Number(receives),
        seconds(maxAge!),
        Number(concurrency),
        Number(ageAlarm),
        isolation,
      ],
      [
        lane.batchSize,
        lane.maxBatchingWindowSeconds,
        lane.taskTimeoutSeconds,
        lane.maxReceiveCount,
        lane.maxAgeSeconds,
        lane.maxConcurrency,
        lane.queueAgeAlarmSeconds,
        lane.isolation,
      ],
      `row of lane ${lane.name}`,
    );
    assert.equal(lane.dedupWindowSeconds, 24 * 3600, 'the README says every lane dedups for 24 h');
    assert.equal(lane.heartbeatIntervalMinutes, LANE_DEFAULTS.heartbeatIntervalMinutes);
  }
});
