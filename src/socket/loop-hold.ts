/**
 * A socket's or server's hold on the event loop of a host driven in real time (see holdEventLoop):
 * taken while the handle is open and ref'd, as node:net's handles keep a process alive, and given
 * back on close or unref().
 */
import { holdEventLoop } from '../link/realtime.js';

export class LoopHold {
  private refed = true;
  private release: (() => void) | undefined;

  /** Hold the driver's loop, unless unref'd or held already. */
  hold(driver: object): void {
    if (this.refed && this.release === undefined) this.release = holdEventLoop(driver);
  }

  drop(): void {
    const release = this.release;
    this.release = undefined;
    release?.();
  }

  ref(): void {
    this.refed = true;
  }

  unref(): void {
    this.refed = false;
    this.drop();
  }
}
