/**
 * Confirmation for destructive commands: the operator types the lane's
 * name. Without a terminal (CI, scripts) there is no one to ask, so the
 * command fails unless `--yes` was given.
 */
import { createInterface } from 'node:readline/promises';
import { ConfirmationRequiredError } from '../errors.ts';
import type { CommandContext } from './command.ts';

/** True when confirmed; false when the operator typed something else. */
export async function confirmByName(context: CommandContext, question: string, name: string, yes: boolean): Promise<boolean> {
  if (yes) return true;
  if (!context.stdin.isTTY) {
    throw new ConfirmationRequiredError(`${question}\nNo terminal to confirm on: pass --yes to confirm from a script.`);
  }
  const prompt = createInterface({ input: context.stdin, output: context.stderr });
  try {
    const answer = await prompt.question(`${question}\nType the lane name (${name}) to confirm: `, { signal: context.signal });
    return answer.trim() === name;
  } catch {
    // Ctrl-C at the prompt aborts the question: not confirmed.
    return false;
  } finally {
    prompt.close();
  }
}
