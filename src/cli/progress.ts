/**
 * A progress line for long work: on a terminal only, on stderr, rewritten in place (`\r`, erase to
 * end of line) at most every 100 ms, and erased before anything else is printed. Never on a pipe and
 * never with --json, so what a program reads is the same with or without it. SYNACK_PROGRESS=1
 * forces it on (the tests use it to see it through a pipe), SYNACK_PROGRESS=0 off.
 */

export interface Progress {
  /** Whether anything is shown (a caller then flushes its output line by line, so the two interleave). */
  readonly enabled: boolean;
  /** Show `text` (dropped if the last one was shown less than 100 ms ago, unless `force`). */
  update(text: string, force?: boolean): void;
  /** Erase the line, if one is shown: call before printing anything else. */
  clear(): void;
}

const SILENT: Progress = { enabled: false, update() {}, clear() {} };

/** Whether progress is shown: stderr is a terminal (or SYNACK_PROGRESS=1) and the output is not JSON. */
export function progressWanted(json: boolean, env: NodeJS.ProcessEnv = process.env, tty: boolean = process.stderr.isTTY === true): boolean {
  if (json || env.SYNACK_PROGRESS === '0') return false;
  return env.SYNACK_PROGRESS === '1' || tty;
}

export function progress(json: boolean, write: (s: string) => void = (s) => void process.stderr.write(s)): Progress {
  if (!progressWanted(json)) return SILENT;
  let shown = false;
  let last = -Infinity;
  return {
    enabled: true,
    update(text, force = false) {
      const now = Date.now();
      if (!force && now - last < 100) return;
      last = now;
      shown = true;
      // One terminal line: a wrapped line could not be rewritten in place.
      const columns = process.stderr.columns || 80;
      // Too long: its start (what is counted) and its end (the name of the item), elided between.
      const half = Math.floor((columns - 4) / 2);
      write(`\r\x1b[K${text.length >= columns ? `${text.slice(0, half)}...${text.slice(text.length - half)}` : text}`);
    },
    clear() {
      if (shown) write('\r\x1b[K');
      shown = false;
    },
  };
}
