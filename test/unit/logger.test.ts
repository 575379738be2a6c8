/**
 * The consumer's JSON logger (src/runtime/logger.ts): Powertools' leading
 * keys in Powertools' order, its level names and thresholds, the level read
 * from the environment, and a misspelt level that warns instead of stopping
 * the lane.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { JsonLogger, type JsonLoggerOptions } from '../../src/runtime/logger.ts';
import { T0 } from './helpers/factories.ts';

function captured(options: JsonLoggerOptions = {}): { logger: JsonLogger; lines: string[] } {
  const lines: string[] = [];
  const logger = new JsonLogger({ now: () => T0, ...options, write: (line) => lines.push(line) });
  return { logger, lines };
}

test('a line leads with level, message, timestamp and service, in that order, and a field cannot overwrite them', () => {
  const { logger, lines } = captured({ service: 'orders', level: 'INFO' });
  logger.info('task duplicate', { lane: 'work', id: 'task-1' });
  logger.error('task deadLettered', { level: 'DEBUG', message: 'x', timestamp: 'y', service: 'z', reason: 'boom' });
  assert.deepEqual(lines, [
    '{"level":"INFO","message":"task duplicate","timestamp":"2024-05-01T12:00:00.000Z","service":"orders","lane":"work","id":"task-1"}',
    '{"level":"ERROR","message":"task deadLettered","timestamp":"2024-05-01T12:00:00.000Z","service":"orders","reason":"boom"}',
  ]);
});

test('lines below the level are not written; SILENT writes none', () => {
  const warnOnly = captured({ level: 'WARN' });
  warnOnly.logger.info('dropped');
  warnOnly.logger.warn('kept');
  warnOnly.logger.error('kept too');
  assert.deepEqual(
    warnOnly.lines.map((line) => JSON.parse(line).message),
    ['kept', 'kept too'],
  );
  const silent = captured({ level: 'SILENT' });
  silent.logger.error('dropped');
  assert.deepEqual(silent.lines, []);
});

describe('the level from the environment', () => {
  const saved = { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL, AWS_LAMBDA_LOG_LEVEL: process.env.AWS_LAMBDA_LOG_LEVEL };
  beforeEach(() => {
    delete process.env.POWERTOOLS_LOG_LEVEL;
    delete process.env.AWS_LAMBDA_LOG_LEVEL;
  });
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  const levelsWritten = (): string[] => {
    const { logger, lines } = captured();
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    return lines.map((line) => JSON.parse(line).level);
  };

  test('INFO when neither variable is set', () => {
    assert.deepEqual(levelsWritten(), ['INFO', 'WARN', 'ERROR']);
  });

  test("POWERTOOLS_LOG_LEVEL first, in any case, then Lambda's AWS_LAMBDA_LOG_LEVEL", () => {
    process.env.AWS_LAMBDA_LOG_LEVEL = 'ERROR';
    assert.deepEqual(levelsWritten(), ['ERROR']);
    process.env.POWERTOOLS_LOG_LEVEL = 'warn';
    assert.deepEqual(levelsWritten(), ['WARN', 'ERROR']);
  });

  test('an option overrides the environment', () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    const { logger, lines } = captured({ level: 'INFO' });
    logger.info('written');
    assert.equal(lines.length, 1);
  });

  test('a misspelt level writes one warning naming it, then logs at INFO', () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'VERBOSE';
    const { logger, lines } = captured();
    logger.info('after');
    assert.deepEqual(
      lines.map((line) => JSON.parse(line)),
      [
        {
          level: 'WARN',
          message: 'unknown log level, using INFO',
          timestamp: '2024-05-01T12:00:00.000Z',
          service: 'tasklanes',
          variable: 'POWERTOOLS_LOG_LEVEL',
          value: 'VERBOSE',
          levels: ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'],
        },
        { level: 'INFO', message: 'after', timestamp: '2024-05-01T12:00:00.000Z', service: 'tasklanes' },
      ],
    );
  });
});
