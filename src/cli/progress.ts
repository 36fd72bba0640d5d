/**
 * A progress line for long work: on stderr, on a terminal only, rewritten in place (`\r`, erase to
 * end of line), first shown after `delayMs` (a run that ends sooner shows nothing) and then at most
 * every `everyMs`, and erased before anything else is printed. Never on a pipe and never with --json,
 * so what a program reads is the same with or without it. SYNACK_PROGRESS=1 forces it on (the tests
 * use it to see it through a pipe), SYNACK_PROGRESS=0 off; SYNACK_PROGRESS_AFTER_MS sets the delay.
 */
export interface ProgressOptions {
  /** Where to write (default: process.stderr). */
  stream?: { isTTY?: boolean; columns?: number; write(s: string): unknown };
  /** Default: `progressWanted` for the stream (a terminal, or SYNACK_PROGRESS=1). */
  enabled?: boolean;
  /** Default: SYNACK_PROGRESS_AFTER_MS, else 1000. */
  delayMs?: number;
  everyMs?: number;
  /** The wall clock (default Date.now). */
  now?: () => number;
}

/** Whether progress is shown: stderr is a terminal (or SYNACK_PROGRESS=1) and the output is not JSON. */
export function progressWanted(json: boolean, env: NodeJS.ProcessEnv = process.env, tty: boolean = process.stderr.isTTY === true): boolean {
  if (json || env.SYNACK_PROGRESS === '0') return false;
  return env.SYNACK_PROGRESS === '1' || tty;
}

export class Progress {
  private readonly stream: NonNullable<ProgressOptions['stream']>;
  readonly enabled: boolean;
  private readonly start: number;
  private readonly delayMs: number;
  private readonly everyMs: number;
  private readonly now: () => number;
  private last = -Infinity;
  private shown = false;

  constructor(opts: ProgressOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.enabled = opts.enabled ?? progressWanted(false, process.env, this.stream.isTTY === true);
    this.now = opts.now ?? Date.now;
    this.start = this.now();
    this.delayMs = opts.delayMs ?? delayFromEnvironment() ?? 1000;
    this.everyMs = opts.everyMs ?? 200;
  }

  /** Seconds since this progress began. */
  elapsedSeconds(): number {
    return (this.now() - this.start) / 1000;
  }

  /** Whether an update now would be drawn (cheap: call it before building the text). */
  due(): boolean {
    if (!this.enabled) return false;
    const t = this.now();
    return t - this.start >= this.delayMs && t - this.last >= this.everyMs;
  }

  /** Show `text` when due (or at once with `force`, if enabled). */
  update(text: string | (() => string), force = false): void {
    if (!(force ? this.enabled : this.due())) return;
    this.last = this.now();
    const line = typeof text === 'function' ? text() : text;
    // One terminal line (a wrapped one could not be rewritten in place): too long, its start (what is
    // counted) and its end (the item's name), elided between. A terminal of unknown size says 0.
    const width = (this.stream.columns || 80) - 1;
    const head = Math.floor((width - 3) / 2);
    this.stream.write(`\r\x1b[K${line.length > width ? `${line.slice(0, head)}...${line.slice(line.length - (width - 3 - head))}` : line}`);
    this.shown = true;
  }

  /** Erase the line (call before printing anything else, and at the end). */
  clear(): void {
    if (!this.shown) return;
    this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}

/**
 * Progress for a run over many items (bench rows, packetdrill scripts): shown from the first item,
 * at most every 100 ms, unless `json`.
 */
export function progress(json: boolean, write?: (s: string) => void): Progress {
  const stream = write === undefined ? process.stderr : { isTTY: process.stderr.isTTY, columns: process.stderr.columns, write };
  return new Progress({ stream, enabled: progressWanted(json), delayMs: 0, everyMs: 100 });
}

/**
 * SYNACK_PROGRESS_AFTER_MS: how long work runs before its progress shows (default 1000; 0 shows it
 * at once, which is how the tests see it on a run of any speed).
 */
function delayFromEnvironment(): number | undefined {
  const v = process.env.SYNACK_PROGRESS_AFTER_MS;
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** 1536000 -> "1.5 MB" (decimal units, as the rates beside them). */
export function byteText(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

/** "40% of 2.15 GB" or "1.2 MB" when the total is unknown (a pipe). */
export function fileProgressText(verb: string, file: string, read: number, total: number | undefined, frames: number): string {
  const of = total ? `${byteText(read)} of ${byteText(total)} (${Math.floor((read / total) * 100)}%)` : byteText(read);
  return `${verb} ${file === '-' ? 'stdin' : file}: ${of}, ${frames} packets`;
}
