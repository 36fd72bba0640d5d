/**
 * epoll (man 7 epoll, man 2 epoll_ctl, man 2 epoll_wait), as Linux's fs/eventpoll.c behaves: an
 * interest list of (file, events, data) items and a ready list.
 *
 * An item joins the ready list when its file wakes its waiters with a key that intersects the
 * item's events (or with no key: a state change wakes everyone), and when epoll_ctl ADD or MOD
 * finds it ready at once. epoll_wait takes the ready list in order and polls each item again: an
 * item with nothing of interest now is dropped silently; one with something is reported with what
 * the file's poll says now, and then, level-triggered, goes back on the list (it is polled again
 * next time); edge-triggered (EPOLLET), stays off until the next wakeup; EPOLLONESHOT, is disabled
 * until EPOLL_CTL_MOD arms it again. EPOLLERR and EPOLLHUP are always in an item's events.
 *
 * So with EPOLLET a reader that leaves data unread sees no new event until more data arrives (a
 * new wakeup), and then sees everything that is true of the socket at that time (EPOLLIN|EPOLLOUT),
 * as the edge-triggered example in epoll(7) describes.
 */

/** Linux's <sys/epoll.h> event bits (the poll bits are Linux's POLL* values). */
export const EPOLL = Object.freeze({
  EPOLLIN: 0x001,
  EPOLLPRI: 0x002,
  EPOLLOUT: 0x004,
  EPOLLERR: 0x008,
  EPOLLHUP: 0x010,
  EPOLLNVAL: 0x020,
  EPOLLRDNORM: 0x040,
  EPOLLRDBAND: 0x080,
  EPOLLWRNORM: 0x100,
  EPOLLWRBAND: 0x200,
  EPOLLMSG: 0x400,
  EPOLLRDHUP: 0x2000,
  EPOLLEXCLUSIVE: 1 << 28,
  EPOLLWAKEUP: 1 << 29,
  EPOLLONESHOT: 1 << 30,
  EPOLLET: 0x80000000,
  EPOLL_CTL_ADD: 1,
  EPOLL_CTL_DEL: 2,
  EPOLL_CTL_MOD: 3,
  /** O_CLOEXEC, the only flag epoll_create1 takes. */
  EPOLL_CLOEXEC: 0x80000,
});

/** Bits that say how an item is reported rather than what it waits for (EP_PRIVATE_BITS). */
const PRIVATE = EPOLL.EPOLLWAKEUP | EPOLL.EPOLLONESHOT | EPOLL.EPOLLET | EPOLL.EPOLLEXCLUSIVE;
/** What an EPOLLEXCLUSIVE item may ask for (EPOLLEXCLUSIVE_OK_BITS). */
const EXCLUSIVE_OK = EPOLL.EPOLLIN | EPOLL.EPOLLOUT | EPOLL.EPOLLERR | EPOLL.EPOLLHUP | EPOLL.EPOLLWAKEUP | EPOLL.EPOLLET | EPOLL.EPOLLEXCLUSIVE;
/** EP_MAX_EVENTS: INT_MAX / sizeof(struct epoll_event). */
const MAX_EVENTS = Math.floor(0x7fffffff / 12);

export interface EpollEvent {
  events: number;
  /** epoll_data, a union (fd, u32, u64, ptr): one number here. */
  data: number;
}

interface Item<T> {
  target: T;
  fd: number;
  events: number;
  data: number;
  ready: boolean;
}

/** An epoll instance over files of type T, whose readiness `poll` gives (Linux poll bits). */
export class EpollInstance<T> {
  private readonly items = new Map<number, Item<T>>();
  private ready: Item<T>[] = [];

  constructor(private readonly poll: (target: T) => number) {}

  /** epoll_ctl: 0, or the errno name. `fd` names the item; `target` is the open file it refers to. */
  ctl(op: number, fd: number, target: T, ev: EpollEvent | undefined): 0 | string {
    const E = EPOLL;
    if (op !== E.EPOLL_CTL_ADD && op !== E.EPOLL_CTL_MOD && op !== E.EPOLL_CTL_DEL) return 'EINVAL';
    if (op !== E.EPOLL_CTL_DEL && !ev) return 'EFAULT';
    const events = ev ? ev.events >>> 0 : 0;
    if (op !== E.EPOLL_CTL_DEL && events & E.EPOLLEXCLUSIVE) {
      if (op === E.EPOLL_CTL_MOD) return 'EINVAL';
      if (events & ~EXCLUSIVE_OK) return 'EINVAL';
    }
    const item = this.items.get(fd);
    switch (op) {
      case E.EPOLL_CTL_ADD: {
        if (item) return 'EEXIST';
        const it: Item<T> = { target, fd, events: (events | E.EPOLLERR | E.EPOLLHUP) >>> 0, data: (ev as EpollEvent).data, ready: false };
        this.items.set(fd, it);
        if (this.poll(target) & it.events) this.queue(it);
        return 0;
      }
      case E.EPOLL_CTL_MOD:
        if (!item) return 'ENOENT';
        if (item.events & E.EPOLLEXCLUSIVE) return 'EINVAL';
        item.events = (events | E.EPOLLERR | E.EPOLLHUP) >>> 0;
        item.data = (ev as EpollEvent).data;
        if (this.poll(target) & item.events) this.queue(item);
        return 0;
      default:
        if (!item) return 'ENOENT';
        this.remove(item);
        return 0;
    }
  }

  /** The file behind `target` woke its waiters with `key` (Linux poll bits; 0: everyone). */
  wake(target: T, key: number): void {
    for (const it of this.items.values()) {
      if (it.target !== target) continue;
      // A disabled EPOLLONESHOT item waits for EPOLL_CTL_MOD (ep_poll_callback).
      if (!(it.events & ~PRIVATE)) continue;
      if (key !== 0 && !(key & it.events)) continue;
      this.queue(it);
    }
  }

  /** The file was closed: its items go (eventpoll_release). */
  forget(target: T): void {
    for (const it of [...this.items.values()]) if (it.target === target) this.remove(it);
  }

  /** epoll_wait's harvest (ep_send_events): at most `max` events. */
  collect(max: number): EpollEvent[] {
    const out: EpollEvent[] = [];
    const list = this.ready;
    this.ready = [];
    for (const it of list) it.ready = false;
    const requeue: Item<T>[] = [];
    for (let i = 0; i < list.length; i++) {
      const it = list[i];
      if (!this.items.has(it.fd) || this.items.get(it.fd) !== it) continue;
      if (out.length >= max) {
        requeue.push(it);
        continue;
      }
      const revents = (this.poll(it.target) & it.events) >>> 0;
      if (!revents) continue;
      out.push({ events: revents, data: it.data });
      if (it.events & EPOLL.EPOLLONESHOT) it.events = (it.events & PRIVATE) >>> 0;
      else if (!(it.events & EPOLL.EPOLLET)) requeue.push(it);
    }
    // Items not reached, and level-triggered ones, go to the tail (after any woken meanwhile).
    for (const it of requeue) this.queue(it);
    return out;
  }

  private queue(it: Item<T>): void {
    if (it.ready) return;
    it.ready = true;
    this.ready.push(it);
  }

  private remove(it: Item<T>): void {
    this.items.delete(it.fd);
    if (it.ready) {
      it.ready = false;
      this.ready = this.ready.filter((x) => x !== it);
    }
  }
}

/** epoll_wait's maxevents check. */
export function badMaxEvents(n: number): boolean {
  return !Number.isInteger(n) || n <= 0 || n > MAX_EVENTS;
}
