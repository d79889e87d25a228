// The broker-wide budget for bytes of client requests being read or processed (Kafka's
// queued.max.request.bytes), shared by both front ends. A connection reserves a request's full size before
// it reads the request's body; when the budget is spent it stops reading (its socket is paused, the bytes
// wait in the kernel) until earlier requests finish and release theirs. Memory for requests is therefore
// bounded by the budget plus one socket read per waiting connection, whatever the clients send.
//
// Grants are first come, first served (a waiting large request is not starved by a stream of small ones),
// and a request larger than the whole budget is granted when nothing else holds any (it could never fit
// otherwise; its size is still bounded by the front end's own frame limit).

export type Grant = () => void;

export class RequestMemory {
  private used = 0;
  private readonly waiters: Array<{ bytes: number; granted: Grant }> = [];
  /** Times a reservation had to wait (for metrics and tests). */
  waits = 0;

  constructor(readonly limit: number) {}

  get inUse(): number {
    return this.used;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** True while new reservations would wait. */
  get exhausted(): boolean {
    return this.used >= this.limit;
  }

  /**
   * Reserves `bytes`: returns true if granted now; otherwise queues the request and returns false, and
   * `granted` is called later, once the bytes are reserved for the caller. Cancel a queued one with cancel().
   */
  reserve(bytes: number, granted: Grant): boolean {
    if (this.waiters.length === 0 && this.fits(bytes)) {
      this.used += bytes;
      return true;
    }
    this.waits++;
    this.waiters.push({ bytes, granted });
    return false;
  }

  /** Charges bytes already received that cannot wait (they are in memory): never refuses. */
  charge(bytes: number): void {
    this.used += bytes;
  }

  release(bytes: number): void {
    if (bytes <= 0) return;
    this.used = Math.max(0, this.used - bytes);
    this.wakeFitting();
  }

  /** Withdraws a queued reservation (the connection closed while waiting). */
  cancel(granted: Grant): void {
    const i = this.waiters.findIndex((w) => w.granted === granted);
    if (i < 0) return;
    this.waiters.splice(i, 1);
    // The withdrawn one may have been the head that blocked the others.
    this.wakeFitting();
  }

  private wakeFitting(): void {
    while (this.waiters.length && this.fits(this.waiters[0]!.bytes)) {
      const next = this.waiters.shift()!;
      this.used += next.bytes;
      next.granted();
    }
  }

  private fits(bytes: number): boolean {
    return this.used + bytes <= this.limit || this.used === 0;
  }
}
