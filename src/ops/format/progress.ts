/**
 * A one-line progress bar on stderr, redrawn in place, only on a terminal:
 * piped output (CI, scripts) gets the final count and no control codes.
 */

export const PROGRESS_BAR_WIDTH = 30;

export interface ProgressLine {
  /** `done` of `total` (total 0: unknown, the bar stays empty) and a short status text. */
  update(done: number, total: number, text: string): void;
  /** Ends the line so later output starts on a fresh one. */
  finish(): void;
}

export function progressLine(stream: NodeJS.WriteStream = process.stderr): ProgressLine {
  if (!stream.isTTY) return { update: () => {}, finish: () => {} };
  let drawn = false;
  return {
    update(done, total, text) {
      const ratio = total > 0 ? Math.min(1, done / total) : 0;
      const filled = Math.round(ratio * PROGRESS_BAR_WIDTH);
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(PROGRESS_BAR_WIDTH - filled)}] ${text}\x1b[K`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
