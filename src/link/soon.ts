/**
 * The next turn of the event loop, in Node and in a browser: setImmediate where the host has it
 * (Node); elsewhere a message to ourselves on a MessageChannel, because a browser clamps a zero
 * timeout to 4 ms once timeouts nest five deep (HTML's timer initialisation steps), and the
 * simulator's runAsync and the real-time driver take one turn per step: a run of a thousand steps
 * would spend four seconds waiting. A zero timeout is the last resort. Everything is read from
 * globalThis, so nothing here needs Node's types or the DOM's.
 */
type Immediate = (fn: () => void) => unknown;

interface Port {
  onmessage: ((ev: unknown) => void) | null;
  postMessage(message: unknown): void;
  ref?(): void;
  unref?(): void;
}

const g = globalThis as unknown as {
  setImmediate?: Immediate;
  clearImmediate?: (h: unknown) => void;
  MessageChannel?: new () => { port1: Port; port2: Port };
};

/** Callbacks waiting for their message, in order; a cancelled one is left as undefined. */
interface Waiting {
  fn: (() => void) | undefined;
}

let channel: { queue: Waiting[]; post: Port; listen: Port } | undefined;

function viaChannel(Channel: new () => { port1: Port; port2: Port }, fn: () => void): () => void {
  if (!channel) {
    const { port1, port2 } = new Channel();
    const queue: Waiting[] = [];
    port1.onmessage = () => {
      const w = queue.shift();
      // Where a port holds a process alive (Node's), it does so only while a callback waits, as a
      // pending setImmediate does.
      if (queue.length === 0) port1.unref?.();
      w?.fn?.();
    };
    channel = { queue, post: port2, listen: port1 };
  }
  const w: Waiting = { fn };
  if (channel.queue.push(w) === 1) channel.listen.ref?.();
  channel.post.postMessage(0);
  return () => void (w.fn = undefined);
}

/** Run `fn` on the next turn of the event loop; returns a cancel. */
export function soon(fn: () => void): () => void {
  if (typeof g.setImmediate === 'function') {
    const h = g.setImmediate(fn);
    return () => g.clearImmediate!(h);
  }
  if (typeof g.MessageChannel === 'function') return viaChannel(g.MessageChannel, fn);
  const h = setTimeout(fn, 0);
  return () => clearTimeout(h);
}

/** One turn of the event loop. */
export function turn(): Promise<void> {
  return new Promise((resolve) => void soon(resolve));
}
