// Descriptor headroom for the client listeners (Kafka and WebSocket ports). A flood of connections used
// to take every descriptor the process may open: the shards could then open no segment file, and uWS,
// whose accept loop does not back off on EMFILE, spun a core on the connections left in the backlog. Now
// each listener asks admit() before keeping a new connection: once fewer than `reserve` descriptors would
// be left (RLIMIT_NOFILE from /proc/self/limits against the count of /proc/self/fd, both re-read every
// refreshMs, 8 times less often while over half the limit is free; the connections admitted in between
// count as open), the connection is closed at once, so the kernel never stops handing out descriptors to the
// accept loops and the storage keeps a reserve for its segment files. The first refusal of an episode is
// logged (warn), and the end of it (info) with how many were refused: never one line per connection.
// Elsewhere than Linux (no /proc) everything is admitted.

import { readdirSync, statSync } from "node:fs";
import type { Logger } from "../log.js";
import { readFileLimits } from "../storage/fd-limits.js";

export interface FdHeadroomOptions {
  /** Descriptors kept free. Default: a sixteenth of the limit, at least 16 and at most 256. */
  reserve?: number;
  /** How often the limit and the open count are read when near the limit. Default 250 ms (8 times that when over half the limit is free). */
  refreshMs?: number;
  /** The soft limit and the open count (tests); default /proc/self/limits and /proc/self/fd. */
  read?: () => { limit: number | undefined; open: number | undefined };
}

/**
 * How many descriptors this process has open. Linux 6.2+ reports the count as the size of /proc/self/fd:
 * one stat, ~20 µs whatever the count, and no descriptor needed (it works at EMFILE too). Older kernels
 * report 0 there, and the directory is listed instead: one entry per descriptor, ~9 ms of the main thread
 * at 10,000 sockets, every refresh (bench/fd-count.bench.ts). Undefined if neither can be read.
 */
export function openDescriptorCount(): number | undefined {
  try {
    const size = statSync("/proc/self/fd").size;
    if (size > 0) return size;
  } catch {
    // No /proc: fall through to the same failure below.
  }
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return undefined; // EMFILE: not even this directory can be opened
  }
}

function readProc(): { limit: number | undefined; open: number | undefined } {
  return { limit: readFileLimits()?.soft, open: openDescriptorCount() };
}

export class FdHeadroom {
  private limit: number | undefined;
  private open = 0;
  /** Connections admitted since the last count (the count does not see them yet). */
  private admitted = 0;
  private refused = 0;
  private refusing = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(private readonly logger: Logger, private readonly options: FdHeadroomOptions = {}) {
    this.tick();
  }

  /** Re-reads the counts, sooner when near the limit (admitted connections count in between). */
  private tick(): void {
    if (this.closed) return;
    this.refresh();
    const base = this.options.refreshMs ?? 250;
    const relaxed = this.limit === undefined || !Number.isFinite(this.limit) || this.limit - this.open > this.limit / 2;
    this.timer = setTimeout(() => this.tick(), relaxed ? base * 8 : base);
    this.timer.unref();
  }

  /** False when this new connection must be closed at once (see the file comment). */
  admit(listener: "kafka" | "websocket"): boolean {
    if (this.limit === undefined || !Number.isFinite(this.limit)) return true;
    const free = this.limit - this.open - this.admitted;
    if (free > this.reserve) {
      this.admitted++;
      return true;
    }
    this.refused++;
    if (!this.refusing) {
      this.refusing = true;
      this.logger.warn("out of file descriptors: new connections are closed until some are free", { listener, open: this.open + this.admitted, limit: this.limit, reserve: this.reserve });
    }
    return false;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private get reserve(): number {
    return this.options.reserve ?? Math.min(256, Math.max(16, Math.floor((this.limit ?? 0) / 16)));
  }

  /** Reads the counts now (the timer calls it; tests too). */
  refresh(): void {
    const { limit, open } = (this.options.read ?? readProc)();
    if (limit !== undefined) this.limit = limit;
    if (this.limit === undefined) return;
    this.open = open ?? this.limit;
    this.admitted = 0;
    // Hysteresis: the episode ends once a few more than the reserve are free again.
    if (this.refusing && this.limit - this.open > this.reserve + Math.ceil(this.reserve / 2)) {
      this.logger.info("file descriptors available again: accepting new connections", { open: this.open, limit: this.limit, refused: this.refused });
      this.refusing = false;
      this.refused = 0;
    }
  }
}

let shared: { headroom: FdHeadroom; users: number } | undefined;

/** The process's one headroom (both listeners share the descriptor table); release() when done with it. */
export function acquireFdHeadroom(logger: Logger): { headroom: FdHeadroom; release(): void } {
  shared ??= { headroom: new FdHeadroom(logger), users: 0 };
  shared.users++;
  const mine = shared;
  let released = false;
  return {
    headroom: mine.headroom,
    release() {
      if (released) return;
      released = true;
      if (--mine.users === 0) {
        mine.headroom.close();
        if (shared === mine) shared = undefined;
      }
    },
  };
}
