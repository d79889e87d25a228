// Time for the coordinator comes through one seam, so tests drive every timeout with a fake clock instead
// of sleeping. `Timers` adds what Kafka's coordinator timer has: one pending operation per key, where
// scheduling a key again replaces the old operation (a heartbeat pushes its member's expiry out).

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms);
    // Session and rebalance timers must not keep a process alive that has nothing else to do.
    handle.unref();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

export class Timers {
  private readonly pending = new Map<string, unknown>();

  constructor(private readonly clock: Clock) {}

  /** Runs `fn` after `ms` unless the key is scheduled again or cancelled first. */
  schedule(key: string, ms: number, fn: () => void): void {
    this.cancel(key);
    const handle = this.clock.setTimeout(() => {
      if (this.pending.get(key) !== handle) return;
      this.pending.delete(key);
      fn();
    }, Math.max(0, ms));
    this.pending.set(key, handle);
  }

  cancel(key: string): void {
    const handle = this.pending.get(key);
    if (handle === undefined) return;
    this.pending.delete(key);
    this.clock.clearTimeout(handle);
  }

  has(key: string): boolean {
    return this.pending.has(key);
  }

  /** Cancels every key that starts with `prefix` (all of one group's timers). */
  cancelPrefix(prefix: string): void {
    for (const key of [...this.pending.keys()]) if (key.startsWith(prefix)) this.cancel(key);
  }

  cancelAll(): void {
    for (const key of [...this.pending.keys()]) this.cancel(key);
  }
}

/** Timer keys, one namespace per group so a deleted group's timers go with it. */
export const timerKey = {
  group: (groupId: string) => `${groupId}\u0000`,
  join: (groupId: string) => `${groupId}\u0000join`,
  sync: (groupId: string) => `${groupId}\u0000sync`,
  heartbeat: (groupId: string, memberId: string) => `${groupId}\u0000hb\u0000${memberId}`,
  revoke: (groupId: string, memberId: string) => `${groupId}\u0000revoke\u0000${memberId}`,
  /** A classic member of a consumer group told to rejoin (REBALANCE_IN_PROGRESS) must within its rebalance timeout. */
  classicRejoin: (groupId: string, memberId: string) => `${groupId}\u0000rejoin\u0000${memberId}`,
};
