// Refused connections, logged so that whoever is refused in a loop cannot flood the broker's log: a hostile
// page reconnecting as fast as its browser lets it, a scanner, a client retrying every 100 ms. A flood
// would fill the disk of a small box, or make journald drop every line of the service for a while (its
// rate limit is per service), the warnings that matter included.
//
// - The first refusal of a kind (the message) from an address is a warning. Further ones from that address
//   within `windowMs` are only counted; the next warning for it, once the window has passed, carries the
//   count (`repeated`).
// - At most `maxAddresses` addresses are remembered. Past that (many addresses at once), refusals from new
//   addresses are only counted, and one warning per window says how many went unlogged.

import type { LogFields, Logger } from "./log.js";

interface Seen {
  at: number;
  repeated: number;
}

export interface RefusalLogOptions {
  windowMs?: number;
  maxAddresses?: number;
  now?: () => number;
}

export class RefusalLog {
  private readonly seen = new Map<string, Seen>();
  private readonly windowMs: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;
  /** Refusals not logged because too many addresses were being remembered, and when that was last said. */
  private unlogged = 0;
  private unloggedSaidAt = -Infinity;

  constructor(
    private readonly logger: Logger,
    options: RefusalLogOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 60_000;
    this.maxAddresses = options.maxAddresses ?? 1024;
    this.now = options.now ?? Date.now;
  }

  warn(msg: string, remote: string, fields?: LogFields): void {
    const now = this.now();
    const key = `${msg}\u0000${remote}`;
    const seen = this.seen.get(key);
    if (seen && now - seen.at < this.windowMs) {
      seen.repeated++;
      return;
    }
    if (!seen && this.seen.size >= this.maxAddresses && !this.forgetStale(now)) {
      this.unlogged++;
      if (now - this.unloggedSaidAt >= this.windowMs) {
        this.logger.warn("refused connections from too many addresses to log each", { refusedUnlogged: this.unlogged, lastMessage: msg });
        this.unloggedSaidAt = now;
        this.unlogged = 0;
      }
      return;
    }
    this.logger.warn(msg, { remote, ...fields, ...(seen?.repeated ? { repeated: seen.repeated } : {}) });
    this.seen.set(key, { at: now, repeated: 0 });
  }

  /** Drops the addresses whose window has passed; true when that made room. */
  private forgetStale(now: number): boolean {
    for (const [key, seen] of this.seen) if (now - seen.at >= this.windowMs) this.seen.delete(key);
    return this.seen.size < this.maxAddresses;
  }
}
