/**
 * The consumer's log lines: one JSON object per line, with Powertools
 * Logger's leading keys (`level`, `message`, `timestamp`, `service`), so the
 * saved Logs Insights queries, Lambda's log-level filter and a reader used
 * to Powertools see the shape they expect.
 *
 * Why not Powertools Logger itself: the consumer writes a few fixed lines
 * per batch and uses none of its features (context injection, sampling,
 * buffering, correlation ids, custom formatters), while it was 21 KB of the
 * 318 KB consumer bundle and a share of every invocation's CPU (issue 17).
 */

/** Powertools' level names and thresholds; a line is written when its level reaches the logger's. */
export const LOG_LEVEL_THRESHOLDS = {
  TRACE: 6,
  DEBUG: 8,
  INFO: 12,
  WARN: 16,
  ERROR: 20,
  CRITICAL: 24,
  SILENT: 28,
} as const;

export type LogLevel = keyof typeof LOG_LEVEL_THRESHOLDS;

/** Where a line goes, without its newline. */
export type LineWriter = (line: string) => void;

/** Lambda ships a function's stdout to CloudWatch Logs, one event per line. */
export const stdoutLineWriter: LineWriter = (line) => {
  process.stdout.write(`${line}\n`);
};

/**
 * The environment variables a level is read from, in order: Powertools'
 * own, then Lambda's advanced logging controls (which drop less severe lines
 * anyway).
 */
export const LOG_LEVEL_ENV = ['POWERTOOLS_LOG_LEVEL', 'AWS_LAMBDA_LOG_LEVEL'] as const;

export interface JsonLoggerOptions {
  /** The `service` key of every line. @default 'tasklanes' */
  readonly service?: string;
  /**
   * Less severe lines are not written.
   * @default the first of LOG_LEVEL_ENV that is set (case-insensitive), else INFO
   */
  readonly level?: LogLevel;
  /** @default stdoutLineWriter */
  readonly write?: LineWriter;
  /** Epoch milliseconds, for `timestamp`. @default Date.now */
  readonly now?: () => number;
}

export const JSON_LOGGER_DEFAULTS = { service: 'tasklanes', level: 'INFO' } as const satisfies JsonLoggerOptions;

type Fields = Readonly<Record<string, unknown>>;

export class JsonLogger {
  private readonly service: string;
  private readonly threshold: number;
  private readonly write: LineWriter;
  private readonly now: () => number;

  constructor(options: JsonLoggerOptions = {}) {
    this.service = options.service ?? JSON_LOGGER_DEFAULTS.service;
    this.write = options.write ?? stdoutLineWriter;
    this.now = options.now ?? Date.now;
    const { level, unknown } = options.level ? { level: options.level, unknown: undefined } : levelFromEnv();
    this.threshold = LOG_LEVEL_THRESHOLDS[level];
    // A misspelt level must not stop the lane: say so once, at the level used instead.
    if (unknown) {
      this.warn('unknown log level, using INFO', {
        variable: unknown.variable,
        value: unknown.value,
        levels: Object.keys(LOG_LEVEL_THRESHOLDS),
      });
    }
  }

  info(message: string, fields: Fields = {}): void {
    this.line('INFO', message, fields);
  }

  warn(message: string, fields: Fields = {}): void {
    this.line('WARN', message, fields);
  }

  error(message: string, fields: Fields = {}): void {
    this.line('ERROR', message, fields);
  }

  private line(level: LogLevel, message: string, fields: Fields): void {
    if (LOG_LEVEL_THRESHOLDS[level] < this.threshold) return;
    // The four keys lead and are never overwritten, as Powertools' reserved keys.
    const { level: _level, message: _message, timestamp: _timestamp, service: _service, ...rest } = fields;
    this.write(JSON.stringify({ level, message, timestamp: new Date(this.now()).toISOString(), service: this.service, ...rest }));
  }
}

function levelFromEnv(): { level: LogLevel; unknown?: { variable: string; value: string } } {
  for (const variable of LOG_LEVEL_ENV) {
    const value = process.env[variable];
    if (!value) continue;
    const level = value.toUpperCase();
    if (level in LOG_LEVEL_THRESHOLDS) return { level: level as LogLevel };
    return { level: JSON_LOGGER_DEFAULTS.level, unknown: { variable, value } };
  }
  return { level: JSON_LOGGER_DEFAULTS.level };
}
