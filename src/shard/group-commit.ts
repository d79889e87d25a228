// Group commit for acks=all, one per shard, in rounds per partition: a produce with acks=all is answered
// only once an fdatasync that started after its batch was written covers it, and every acks=all producer of
// a partition shares the fsyncs of one round (Redpanda's approach on a single node: there is no replica to
// be durable on instead).
//
//   appends (in arrival order, synchronous)    ──►  the partition's waiters for its next round
//   next turn of the event loop (setImmediate) ──►  round: log.flush(), which joins a flush in flight that
//                                                   began after the waiters' appends, or starts one at once
//                                                   (PartitionLog allows two in flight per partition)
//   the flush covering them ends               ──►  the round's waiters are answered (or get the StorageError)
//
// A round does not wait for the one before it: appends that land while an fdatasync runs start the next
// at once instead of waiting for the running one to end (the wait was "the rest of one fsync plus one
// more"; issue 14). Under load the number of fsyncs still grows with the number of partitions written and
// the disk's speed, not with the number of producers or requests. Rounds of different partitions are
// independent: a slow fsync of one partition does not hold back the acknowledgements of another.

import type { PartitionLog } from "../storage/partition-log.js";

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Rounds {
  /** Waiters for the partition's next round. */
  waiting: Waiter[];
  /** Rounds whose flush has not ended. */
  running: number;
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
    if (!state) this.partitions.set(log, (state = { waiting: [], running: 0, scheduled: false }));
    const rounds = state;
    return new Promise((resolve, reject) => {
      rounds.waiting.push({ resolve, reject });
      this.schedule(log, rounds);
    });
  }

  private schedule(log: PartitionLog, state: Rounds): void {
    if (state.scheduled) return;
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
    state.running++;
    this.rounds++;
    try {
      await log.flush();
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
    }
    state.running--;
    // A deleted or reopened partition's log is a new object: forget the old one once it is idle.
    if (!state.running && !state.scheduled && !state.waiting.length) this.partitions.delete(log);
  }
}
