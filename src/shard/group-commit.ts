// Group commit for acks=all, one per shard, in rounds per partition: a produce with acks=all is answered
// only once an fdatasync that started after its batch was written covers it, and every acks=all producer of
// a partition shares the fsyncs of one round (Redpanda's approach on a single node: there is no replica to
// be durable on instead).
//
//   appends (in arrival order, synchronous)    ──►  the partition's waiters for its next round
//   next turn of the event loop (setImmediate) ──►  round: log.flush(), which joins a flush already in
//                                                   flight (flush.messages, the flush.ms timer) and repeats
//                                                   if that one started before the waiter's append
//   round ends                                 ──►  its waiters are answered (or get the StorageError);
//                                                   waiters that came meanwhile form the partition's next
//
// So at most one round is in flight per partition, a round costs one fdatasync (plus one directory fsync
// after a segment roll), and under load the number of fsyncs grows with the number of partitions written,
// not with the number of producers or requests. Rounds of different partitions are independent: a slow
// fsync of one partition does not hold back the acknowledgements of another on the same shard (they were
// one round per shard before, issue 14).

import type { PartitionLog } from "../storage/partition-log.js";

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Rounds {
  /** Waiters for the partition's next round. */
  waiting: Waiter[];
  inFlight: boolean;
  scheduled: boolean;
}

export class GroupCommit {
  private readonly partitions = new Map<PartitionLog, Rounds>();
  /** Rounds started, over all partitions (tests and metrics). */
  rounds = 0;

  /** Resolves once everything `log` holds now is fsynced; rejects with the flush's StorageError. */
  durable(log: PartitionLog): Promise<void> {
    if (log.recoveryPoint >= log.logEndOffset) return Promise.resolve();
    let state = this.partitions.get(log);
    if (!state) this.partitions.set(log, (state = { waiting: [], inFlight: false, scheduled: false }));
    const rounds = state;
    return new Promise((resolve, reject) => {
      rounds.waiting.push({ resolve, reject });
      this.schedule(log, rounds);
    });
  }

  private schedule(log: PartitionLog, state: Rounds): void {
    if (state.inFlight || state.scheduled) return;
    state.scheduled = true;
    // One turn of the event loop lets every task already delivered to this thread append first.
    setImmediate(() => {
      state.scheduled = false;
      void this.run(log, state);
    });
  }

  private async run(log: PartitionLog, state: Rounds): Promise<void> {
    const waiters = state.waiting;
    state.waiting = [];
    state.inFlight = true;
    this.rounds++;
    try {
      await log.flush();
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
    }
    state.inFlight = false;
    if (state.waiting.length) this.schedule(log, state);
    // A deleted or reopened partition's log is a new object: forget the old one once it is idle.
    else if (!state.scheduled) this.partitions.delete(log);
  }
}
