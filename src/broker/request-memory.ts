// The broker-wide budget for bytes of client requests being read or processed (Kafka's
// queued.max.request.bytes), shared by both front ends. A connection reserves a request's full size before
// it reads the request's body; when the budget is spent it stops reading (its socket is paused, the bytes
// wait in the kernel) until earlier requests finish and release theirs. Memory for requests is therefore
// bounded whatever the clients send.
//
// Two classes, so that a few clients part-way through huge requests cannot stall everyone else (Kafka's
// own pool has that weakness: one connection holding a half-read 100 MiB request mutes every channel):
//   - large requests (> SMALL_REQUEST bytes) share the budget; one is always admitted when no other large
//     request holds any (it could never fit otherwise; the front end's frame limit still bounds it);
//   - small requests may also use a reserve of min(budget / 8, 16 MiB) that large ones never touch.
// So request memory stays below max(budget, one maximum frame + reserve), and ordinary requests keep
// flowing while large ones wait. Within a class, grants are first come, first served.

export type Grant = () => void;

/** Requests up to this size count as small (most produce, fetch and metadata requests). */
export const SMALL_REQUEST = 1024 * 1024;

interface Waiter {
  bytes: number;
  granted: Grant;
}

export class RequestMemory {
  private used = 0;
  private largeUsed = 0;
  private smallUsed = 0;
  private readonly smallWaiters: Waiter[] = [];
  private readonly largeWaiters: Waiter[] = [];
  readonly reserve: number;
  /** Times a reservation had to wait (for metrics and tests). */
  waits = 0;

  constructor(readonly limit: number) {
    this.reserve = Math.min(Math.floor(limit / 8), 16 * 1024 * 1024);
  }

  get inUse(): number {
    return this.used;
  }

  get waiting(): number {
    return this.smallWaiters.length + this.largeWaiters.length;
  }

  /** True while a small request would have to wait. */
  get exhausted(): boolean {
    return !this.fits(1);
  }

  /**
   * Reserves `bytes`: returns true if granted now; otherwise queues the request and returns false, and
   * `granted` is called later, once the bytes are reserved for the caller. Withdraw a queued one with
   * cancel(). Give the bytes back with release(bytes).
   */
  acquire(bytes: number, granted: Grant): boolean {
    const queue = bytes > SMALL_REQUEST ? this.largeWaiters : this.smallWaiters;
    if (queue.length === 0 && this.fits(bytes)) {
      this.take(bytes);
      return true;
    }
    this.waits++;
    queue.push({ bytes, granted });
    return false;
  }

  /** Charges bytes already in memory (they cannot wait); never refuses. Release with release(bytes). */
  charge(bytes: number): void {
    this.take(bytes);
  }

  release(bytes: number): void {
    if (bytes > 0) {
      this.used = Math.max(0, this.used - bytes);
      if (bytes > SMALL_REQUEST) this.largeUsed = Math.max(0, this.largeUsed - bytes);
      else this.smallUsed = Math.max(0, this.smallUsed - bytes);
    }
    this.wake(this.smallWaiters);
    this.wake(this.largeWaiters);
  }

  /** Withdraws a queued reservation (the connection closed while waiting). */
  cancel(granted: Grant): void {
    for (const queue of [this.smallWaiters, this.largeWaiters]) {
      const i = queue.findIndex((w) => w.granted === granted);
      if (i >= 0) queue.splice(i, 1);
    }
    this.release(0); // the withdrawn one may have been the head that blocked the others
  }

  private wake(queue: Waiter[]): void {
    while (queue.length && this.fits(queue[0]!.bytes)) {
      const next = queue.shift()!;
      this.take(next.bytes);
      next.granted();
    }
  }

  private take(bytes: number): void {
    this.used += bytes;
    if (bytes > SMALL_REQUEST) this.largeUsed += bytes;
    else this.smallUsed += bytes;
  }

  private fits(bytes: number): boolean {
    if (bytes > SMALL_REQUEST) return this.used + bytes <= this.limit - this.reserve || (this.largeUsed === 0 && this.used <= this.reserve);
    return this.used + bytes <= this.limit || this.smallUsed + bytes <= this.reserve;
  }
}
