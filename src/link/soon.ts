/**
 * The next turn of the event loop, in Node and in a browser: setImmediate where the host has it
 * (Node), a zero timeout elsewhere. Read from globalThis so that nothing here needs Node's types.
 */
type Immediate = (fn: () => void) => unknown;
const g = globalThis as { setImmediate?: Immediate; clearImmediate?: (h: unknown) => void };

/** Run `fn` on the next turn of the event loop; returns a cancel. */
export function soon(fn: () => void): () => void {
  if (typeof g.setImmediate === 'function') {
    const h = g.setImmediate(fn);
    return () => g.clearImmediate!(h);
  }
  const h = setTimeout(fn, 0);
  return () => clearTimeout(h);
}

/** One turn of the event loop. */
export function turn(): Promise<void> {
  return new Promise((resolve) => void soon(resolve));
}
