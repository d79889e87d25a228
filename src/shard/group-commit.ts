// Group commit for acks=all, one per shard: a produce with acks=all is answered only once an fdatasync
// that started after its batch was written covers it, and every acks=all producer of the shard shares the
// fsyncs of one round (Redpanda's approach on a single node: there is no replica to be durable on instead).
//
//   appends (in arrival order, synchronous)    ──►  waiters for the next round, grouped by partition
//   next turn of the event loop (setImmediate) ──►  round: log.flush() of every partition with waiters,
//                                                   in parallel; each flush joins one already in flight
//                                                   (the flush.ms timer's) and repeats if that one started
//                                                   before the waiter's append
//   round ends                                 ──►  its waiters are answered (or get the StorageError);
//                                                   waiters that came meanwhile form the next round
//
// So at most one round is in flight per shard, a round costs one fdatasync per partition it touches (plus
// one directory fsync after a segment roll), and under load the number of fsyncs grows with the number of
// partitions written, not with the number of producers or requests.

import type { PartitionLog } from "../storage/partition-log.js";

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommit {
  private waiting = new Map<PartitionLog, Waiter[]>();
  private inFlight = false;
  private scheduled = false;
  /** Rounds started (tests and metrics). */
  rounds = 0;

  /** Resolves once everything `log` holds now is fsynced; rejects with the flush's StorageError. */
  durable(log: PartitionLog): Promise<void> {
    if (log.recoveryPoint >= log.logEndOffset) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let waiters = this.waiting.get(log);
      if (!waiters) this.waiting.set(log, (waiters = []));
      waiters.push({ resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.inFlight || this.scheduled) return;
    this.scheduled = true;
    // One turn of the event loop lets every task already delivered to this thread append first.
    setImmediate(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  private async run(): Promise<void> {
    const round = this.waiting;
    this.waiting = new Map();
    this.inFlight = true;
    this.rounds++;
    await Promise.all(
      [...round].map(async ([log, waiters]) => {
        try {
          await log.flush();
          for (const waiter of waiters) waiter.resolve();
        } catch (error) {
          for (const waiter of waiters) waiter.reject(error);
        }
      }),
    );
    this.inFlight = false;
    if (this.waiting.size) this.schedule();
  }
}
