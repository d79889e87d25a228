// Cluster mode: which transactional ids this broker's coordinator answers for. An id belongs to one
// partition of `__transaction_state` (Kafka's partitionFor), and its coordinator is that partition's
// leader (as the group coordinator follows `__consumer_offsets`, src/groups/ownership.ts, whose
// bookkeeping this reuses). src/cluster/txn-markers.ts calls load/unload on leadership changes.
//
// Behavior:
// - Created: forgets every id the start-up replay of the local copy found (the partitions' leaders own them).
// - An id of a partition not loaded: NOT_COORDINATOR; of a partition loading: COORDINATOR_LOAD_IN_PROGRESS.
// - load: `ready` first (the new leader's high watermark reaching the log end it had when elected), then a
//   replay of that partition's records, then the ids answer; every Prepare* end found is finished (markers
//   to the partition leaders, then Complete*), so a coordinator killed mid-end is completed by the next.
//   A load that turns out stale (unloaded or reloaded meanwhile) keeps nothing.
// - unload: the partition's ids are forgotten (their requests answer NOT_COORDINATOR).

import type { Logger } from "../log.js";
import type { BrokerOffsetLog } from "../groups/broker-offset-log.js";
import { GroupOwnership } from "../groups/ownership.js";
import { replayStateRecord, type KeyedLock, type TxnMeta } from "./support.js";

/** The coordinator's state the ownership works on. */
export interface OwnedState {
  txns: Map<string, TxnMeta>;
  byProducer: Map<bigint, string>;
  log: BrokerOffsetLog;
  locks: KeyedLock;
  logger: Logger;
  /** Finishes a Prepare* end (end.ts tryComplete). */
  finish(meta: TxnMeta): Promise<boolean>;
  closed(): boolean;
}

export class TxnOwnership {
  private readonly own: GroupOwnership;

  constructor(private readonly s: OwnedState) {
    this.own = new GroupOwnership((id) => s.log.partitionFor(id));
    s.txns.clear();
    s.byProducer.clear();
  }

  /** NONE (0) when this coordinator answers for the id now; else the Kafka error code. */
  error(transactionalId: string): number {
    return this.own.error(transactionalId);
  }

  partitions(): number[] {
    return this.own.partitions();
  }

  load(partition: number, ready?: () => Promise<void>): Promise<void> {
    const { own, s } = this;
    if (s.closed()) return Promise.resolve();
    const token = own.begin(partition);
    return own.serialize(partition, async () => {
      this.forget(partition);
      try {
        await ready?.();
        if (!own.isCurrent(partition, token)) return;
        await s.log.replayPartition(partition, ({ key, value }) => replayStateRecord(s.txns, s.byProducer, key, value, s.logger));
      } catch (error) {
        s.logger.warn("could not load a partition of __transaction_state", { partition, error: String(error) });
        if (own.isCurrent(partition, token)) own.drop(partition);
      }
      if (!own.activate(partition, token)) return this.forget(partition);
      const ids = [...s.txns.values()].filter((m) => s.log.partitionFor(m.transactionalId) === partition);
      s.logger.info("transaction coordinator loaded a partition", { partition, transactionalIds: ids.length });
      for (const meta of ids) {
        if (meta.status === "PrepareCommit" || meta.status === "PrepareAbort") await s.locks.run(meta.transactionalId, () => s.finish(meta));
      }
    });
  }

  unload(partition: number): void {
    const had = this.own.partitions().includes(partition);
    this.own.drop(partition);
    this.forget(partition);
    if (had) this.s.logger.info("transaction coordinator unloaded a partition", { partition });
  }

  private forget(partition: number): void {
    for (const meta of [...this.s.txns.values()]) {
      if (this.s.log.partitionFor(meta.transactionalId) !== partition) continue;
      this.s.txns.delete(meta.transactionalId);
      this.s.byProducer.delete(meta.producerId);
    }
  }
}
