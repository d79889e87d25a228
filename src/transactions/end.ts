// The end of a transaction, the coordinator's second phase (Kafka's TransactionMarkerChannelManager for one
// node): Prepare* is durable → a marker on every partition of the transaction (fsynced) → the pending
// offsets to __consumer_offsets (commit only) → Complete*. And the abort that fences a producer (re-init,
// timeout) at a bumped epoch. The coordinator (coordinator.ts) calls these under the transactional id's lock.
//
// Behavior:
// - A marker write that fails (other than a partition deleted meanwhile, which holds nothing to mark)
//   leaves the transaction Prepare*: tryComplete answers false and the coordinator's timer retries (the
//   failure is logged once, not per retry). A marker written twice is harmless (the shard appends nothing
//   when no transaction of the producer is open there, txn-state.ts).
// - The fencing abort bumps the epoch; at epoch 32766 it takes a new producer id instead, and the abort
//   markers then carry the OLD id (the one that wrote the data), switching to the new id only after.

import { FailureEpisodes } from "../failure-episodes.js";
import type { Logger } from "../log.js";
import type { GroupCoordinator } from "../groups/coordinator.js";
import type { MarkerItem } from "../shard/protocol.js";
import type { TransactionBroker } from "./broker-slice.js";
import type { TxnStateRecord } from "./state-records.js";
import { commitPendingOffsets, type KeyedLock, type TxnMeta, type TxnRouting } from "./support.js";

export const MAX_EPOCH = 32766;

/**
 * Ends whose last try failed. The timer retries every abortCheckMs for as long as the condition lasts (a full
 * disk, no file descriptor left), so the failure is logged once (warn), each retry at debug, and the end
 * that finally completes once (info): never a warning per retry.
 */
const unfinished = FailureEpisodes.byObject<TxnMeta>({
  started: "transaction end not finished; will retry",
  continues: "transaction end still not finished; will retry",
  ended: "transaction end finished after retries",
});

/** What the end needs of the coordinator. */
export interface EndContext {
  broker: Pick<TransactionBroker, "writeMarkers" | "initProducerId">;
  groups: GroupCoordinator | undefined;
  /** Cluster mode: offsets go to each group's coordinator, wherever it is. */
  routing?: TxnRouting;
  logger: Logger;
  onStep?: (step: "prepared" | "markers-written", transactionalId: string) => void;
  /** Writes the changed state durably, then applies it in memory. */
  transition(meta: TxnMeta, changes: Partial<TxnStateRecord>): Promise<void>;
  forgetProducer(producerId: bigint): void;
  /**
   * Cluster mode: the leader epoch of the id's __transaction_state partition as this broker sees it. Its
   * markers carry it, so a partition leader refuses the markers of a coordinator deposed since
   * (TRANSACTION_COORDINATOR_FENCED). One node: 0.
   */
  coordinatorEpoch?: (transactionalId: string) => number;
}

/** Aborts an Ongoing transaction at a bumped epoch (fencing its producer): re-init and timeouts. */
export async function abortFenced(ctx: EndContext, meta: TxnMeta): Promise<void> {
  let { producerId, producerEpoch } = meta;
  if (producerEpoch >= MAX_EPOCH) {
    // Kafka aborts at the old epoch when it cannot bump; the new producer id fences the old one.
    ctx.forgetProducer(producerId);
    producerId = ctx.broker.initProducerId().producerId;
    producerEpoch = 0;
  } else {
    producerEpoch++;
  }
  // Markers must carry the producer id that wrote the data: keep it for the abort, switch after.
  const writerId = meta.producerId;
  await ctx.transition(meta, { status: "PrepareAbort", producerEpoch: writerId === producerId ? producerEpoch : meta.producerEpoch });
  await tryComplete(ctx, meta);
  if (writerId !== producerId && meta.status === "CompleteAbort") await ctx.transition(meta, { producerId, producerEpoch });
}

/**
 * Prepare* → markers → offsets (commit) → Complete*. True once complete; false (logged) if a step failed:
 * the transaction stays Prepare* and the timer retries.
 */
export async function tryComplete(ctx: EndContext, meta: TxnMeta): Promise<boolean> {
  const commit = meta.status === "PrepareCommit";
  if (!commit && meta.status !== "PrepareAbort") return true;
  try {
    const items: MarkerItem[] = [];
    const coordinatorEpoch = ctx.coordinatorEpoch?.(meta.transactionalId) ?? 0;
    for (const [topic, partitions] of meta.partitions) {
      for (const partition of partitions) items.push({ topic, partition, producerId: meta.producerId, producerEpoch: meta.producerEpoch, commit, coordinatorEpoch });
    }
    const results = items.length ? await ctx.broker.writeMarkers(items) : [];
    results.forEach((r, i) => {
      // A partition deleted meanwhile holds nothing to mark.
      if (r.error && r.error.code !== "UNKNOWN_TOPIC_OR_PARTITION") throw r.error;
      if (r.error) ctx.logger.warn("transaction marker skipped: partition gone", { topic: items[i]!.topic, partition: items[i]!.partition });
    });
    ctx.onStep?.("markers-written", meta.transactionalId);
    if (commit && meta.pendingOffsets.length) await commitPendingOffsets(ctx.groups, meta.pendingOffsets, ctx.routing);
    await ctx.transition(meta, { status: commit ? "CompleteCommit" : "CompleteAbort", partitions: new Map(), pendingOffsets: [] });
    unfinished.succeeded(meta, ctx.logger, { transactionalId: meta.transactionalId, status: meta.status });
    return true;
  } catch (error) {
    unfinished.failed(meta, ctx.logger, { transactionalId: meta.transactionalId, status: meta.status, error });
    return false;
  }
}

/** The coordinator's timer: retries unfinished ends and aborts (fencing) Ongoing transactions past their timeout. */
export async function retryEnds(ctx: EndContext, txns: Iterable<TxnMeta>, locks: KeyedLock, clock: () => number): Promise<void> {
  const now = clock();
  for (const meta of [...txns]) {
    if (meta.status === "PrepareCommit" || meta.status === "PrepareAbort") {
      await locks.run(meta.transactionalId, () => tryComplete(ctx, meta)).catch(() => undefined);
    } else if (meta.status === "Ongoing" && now - meta.startMs > meta.timeoutMs) {
      await locks.run(meta.transactionalId, async () => {
        if (meta.status !== "Ongoing" || clock() - meta.startMs <= meta.timeoutMs) return;
        ctx.logger.info("aborting a timed-out transaction", { transactionalId: meta.transactionalId, producerId: meta.producerId, timeoutMs: meta.timeoutMs });
        await abortFenced(ctx, meta);
      }).catch((error) => ctx.logger.warn("timed-out transaction abort failed", { transactionalId: meta.transactionalId, error }));
    }
  }
}
