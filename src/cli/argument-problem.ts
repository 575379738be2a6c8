/**
 * One clean line for arguments that node:util's strict parseArgs refused.
 * Its own messages quote unevenly (`as in '-- "--bogus"`) and suggest
 * positional tricks no command here takes; a lenient parse's tokens say which
 * argument was wrong and how, so the message can name just that.
 */
import { parseArgs } from 'node:util';
import type { OptionSpec } from '../ops/commands/command.ts';

/** `error` is what the strict parse threw; its message is the fallback for a case not named here. */
export function argumentProblem(args: readonly string[], options: OptionSpec, error: Error): string {
  const { tokens } = parseArgs({ args: [...args], options, allowPositionals: true, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = options[token.name];
    if (!spec) return `unknown option ${token.rawName}`;
    if (spec.type === 'boolean' && token.inlineValue) return `${token.rawName} takes no value (got ${token.rawName}=${token.value})`;
    if (spec.type !== 'string') continue;
    if (token.value === undefined) return `${token.rawName} needs a value`;
    if (!token.inlineValue && token.value.startsWith('-')) {
      return `${token.rawName} needs a value, and ${token.value} looks like an option: write --${token.name}=${token.value} if it is the value`;
    }
  }
  return error.message;
}
