/**
 * A progress line for long work, on a terminal only: written to stderr, rewritten in place, first
 * shown after `delayMs` (a run that ends sooner shows nothing) and at most every `everyMs`, and
 * erased when the work ends, so the output that follows (or a pipe reading stdout) never sees it.
 * Off unless stderr is a terminal; the caller also turns it off for --json.
 */
export interface ProgressOptions {
  /** Where to write (default: process.stderr). */
  stream?: { isTTY?: boolean; columns?: number; write(s: string): unknown };
  enabled?: boolean;
  delayMs?: number;
  everyMs?: number;
  /** The wall clock (default Date.now). */
  now?: () => number;
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
    this.enabled = opts.enabled ?? this.stream.isTTY === true;
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

  update(text: string | (() => string)): void {
    if (!this.due()) return;
    this.last = this.now();
    const line = typeof text === 'function' ? text() : text;
    const width = (this.stream.columns || 80) - 1; // a terminal of unknown size says 0
    this.stream.write(`\r\x1b[K${line.length > width ? line.slice(0, width) : line}`);
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
