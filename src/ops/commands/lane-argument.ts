/** The one `<lane>` positional most commands take. */
import { UsageError } from '../errors.ts';

export function laneArgument(positionals: readonly string[], command: string): string {
  if (positionals.length !== 1)
    throw new UsageError(`${command} takes exactly one lane (got ${positionals.length ? positionals.join(' ') : 'none'})`);
  return positionals[0]!;
}

/** A whole number within bounds, from an option's text. */
export function integerOption(text: string | boolean | undefined, name: string, bounds: { min: number; max: number }): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < bounds.min || value > bounds.max) {
    throw new UsageError(`${name} must be a whole number, ${bounds.min}..${bounds.max} (got ${String(text)})`);
  }
  return value;
}
