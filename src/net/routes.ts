/**
 * The routing table: longest prefix match (RFC 1812 §5.2.4.3), then the lowest metric, then the
 * route added first. A route says which interface a destination is reached by and, unless the
 * destination is on that link, the gateway (`via`) to hand the packet to. Connected routes (one per
 * address prefix of an interface) are added and removed with the addresses; default routes are
 * 0.0.0.0/0 and ::/0.
 */
import { ipToString, sameFamily, type IpAddress } from './addr.js';
import { inPrefix, networkOf } from './prefix.js';

export type RouteOrigin = 'connected' | 'static' | 'ra';

export interface Route {
  prefix: IpAddress;
  length: number;
  ifIndex: number;
  /** The next hop; undefined when the destination is on the interface's link. */
  via?: IpAddress;
  /** Lower wins among routes of the same length (default 0; connected routes 0, RA default routes 1024). */
  metric: number;
  origin: RouteOrigin;
  /** When a route learnt from a router advertisement lapses (ms, the stack's clock). */
  expires?: number;
}

const MAX_CACHED = 4096;

export class RoutingTable {
  private readonly routes: Route[] = [];
  /**
   * Per IPv4 destination, the route that wins among all (usable or not), found by a walk of the
   * table: a router looks up every packet, and its table has a route per link. Cleared when a route
   * comes or goes; bounded, since a flood of random destinations would fill it.
   */
  private readonly best4 = new Map<number, Route>();
  /** Routes with an expiry (learnt from router advertisements): none, and nextExpiry walks nothing. */
  private expiring = 0;

  add(r: Route): Route {
    const route: Route = { ...r, prefix: networkOf(r.prefix, r.length) };
    this.routes.push(route);
    if (route.expires !== undefined) this.expiring++;
    this.best4.clear();
    return route;
  }

  /** Remove every route `match` accepts; returns how many went. */
  remove(match: (r: Route) => boolean): number {
    let n = 0;
    for (let i = this.routes.length - 1; i >= 0; i--) {
      if (match(this.routes[i])) {
        if (this.routes[i].expires !== undefined) this.expiring--;
        this.routes.splice(i, 1);
        n++;
      }
    }
    if (n > 0) this.best4.clear();
    return n;
  }

  /** The route for `dst`: longest prefix, then lowest metric, then oldest; undefined when none matches. */
  lookup(dst: IpAddress, usable?: (r: Route) => boolean): Route | undefined {
    const v4 = typeof dst === 'number';
    if (v4) {
      // The best of all routes, when usable, is the best of the usable ones.
      const hit = this.best4.get(dst);
      if (hit !== undefined && (usable === undefined || usable(hit))) return hit;
    }
    let best: Route | undefined;
    let bestOfAll: Route | undefined;
    for (const r of this.routes) {
      if (!sameFamily(r.prefix, dst) || !inPrefix(dst, r.prefix, r.length)) continue;
      if (bestOfAll === undefined || r.length > bestOfAll.length || (r.length === bestOfAll.length && r.metric < bestOfAll.metric)) bestOfAll = r;
      if (usable !== undefined && !usable(r)) continue;
      if (best === undefined || r.length > best.length || (r.length === best.length && r.metric < best.metric)) best = r;
    }
    if (v4 && bestOfAll !== undefined) {
      if (this.best4.size >= MAX_CACHED) this.best4.clear();
      this.best4.set(dst, bestOfAll);
    }
    return best;
  }

  /** The earliest expiry of a route, or undefined. */
  nextExpiry(): number | undefined {
    if (this.expiring === 0) return undefined;
    let t: number | undefined;
    for (const r of this.routes) if (r.expires !== undefined && (t === undefined || r.expires < t)) t = r.expires;
    return t;
  }

  list(): readonly Route[] {
    return this.routes;
  }

  /** `ip route`-style lines: "198.18.0.0/24 dev 1", "default via 198.18.0.254 dev 1 metric 1024". */
  format(name: (ifIndex: number) => string = String): string[] {
    return this.routes.map((r) => {
      const dest = r.length === 0 ? 'default' : `${ipToString(r.prefix)}/${r.length}`;
      return `${dest}${r.via !== undefined ? ` via ${ipToString(r.via)}` : ''} dev ${name(r.ifIndex)}${r.metric ? ` metric ${r.metric}` : ''} proto ${r.origin === 'connected' ? 'kernel' : r.origin}`;
    });
  }
}
