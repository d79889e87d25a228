// EndTxn v5, transactions v2 (KIP-890 part 2): every end bumps the producer epoch, the markers carry the
// bumped epoch, and the answer names the producer id and epoch the client uses next. The coordinator
// (coordinator.ts) calls endTxnV2 under the transactional id's lock; v0-4 ends keep the v1 rules.
//
// Behavior (Kafka 4.1's TransactionCoordinator.endTransaction for a v2 client):
// - A retry is a request one epoch behind the stored one (the bump happened, the answer was lost), or,
//   after an epoch overflow, the previous producer id at epoch 32766 while the stored epoch is 0.
// - The epoch must be the stored one, except: Prepare* accepts only a retry (answer CONCURRENT_TRANSACTIONS),
//   Complete* a retry or the stored epoch. Otherwise PRODUCER_FENCED; another producer id (and no overflow
//   retry) INVALID_PRODUCER_ID_MAPPING.
// - Ongoing: Prepare* at epoch + 1 (durable) → markers at that epoch → offsets (commit) → Complete*.
//   When the epoch is exhausted (>= 32766) the markers carry 32767 and, once complete, the id moves to a
//   new producer id at epoch 0 (the old id is remembered for the overflow retry, in memory only).
// - Complete* retried the same way: NONE with the stored id/epoch. An abort with nothing open (Empty,
//   CompleteCommit, CompleteAbort at the stored epoch: a produce whose implicit add failed) bumps the epoch
//   and completes an empty abort. A commit with nothing open, or the other way on a retry: INVALID_TXN_STATE.
// - Errors answer producer id -1 and epoch -1.

import { KafkaErrors } from "../errors/index.js";
import { MAX_EPOCH, tryComplete, type EndContext } from "./end.js";
import type { TxnMeta } from "./support.js";

export interface EndV2Result {
  errorCode: number;
  producerId: bigint;
  producerEpoch: number;
}

/** Epoch an exhausted producer's last markers carry (Kafka's Short.MaxValue). */
const LAST_EPOCH = 32767;

export async function endTxnV2(
  ctx: EndContext,
  meta: TxnMeta | undefined,
  request: { producerId: bigint; producerEpoch: number; commit: boolean },
  previousProducerIds: Map<string, bigint>,
  onPrepared: () => void,
): Promise<EndV2Result> {
  const fail = (errorCode: number): EndV2Result => ({ errorCode, producerId: -1n, producerEpoch: -1 });
  if (!meta) return fail(KafkaErrors.INVALID_PRODUCER_ID_MAPPING.code);
  const { producerId, producerEpoch, commit } = request;
  const current = (): EndV2Result => ({ errorCode: KafkaErrors.NONE.code, producerId: meta.producerId, producerEpoch: meta.producerEpoch });
  const retryOnOverflow = previousProducerIds.get(meta.transactionalId) === producerId && producerEpoch === MAX_EPOCH && meta.producerEpoch === 0;
  const retryOnBump = meta.producerId === producerId && meta.producerEpoch === producerEpoch + 1;
  const isRetry = retryOnBump || retryOnOverflow;
  if (meta.producerId !== producerId && !retryOnOverflow) return fail(KafkaErrors.INVALID_PRODUCER_ID_MAPPING.code);
  const same = producerEpoch === meta.producerEpoch;
  const validEpoch =
    meta.status === "PrepareCommit" || meta.status === "PrepareAbort" ? retryOnBump
    : meta.status === "CompleteCommit" || meta.status === "CompleteAbort" ? isRetry || same
    : same;
  if (!validEpoch) return fail(KafkaErrors.PRODUCER_FENCED.code);
  const invalid = fail(KafkaErrors.INVALID_TXN_STATE.code);
  switch (meta.status) {
    case "Ongoing":
      return bumpAndEnd(ctx, meta, commit, previousProducerIds, onPrepared);
    case "PrepareCommit":
    case "PrepareAbort":
      return (meta.status === "PrepareCommit") === commit ? fail(KafkaErrors.CONCURRENT_TRANSACTIONS.code) : invalid;
    case "CompleteCommit":
      if (commit) return isRetry ? current() : invalid;
      return isRetry ? invalid : bumpAndEnd(ctx, meta, false, previousProducerIds, onPrepared);
    case "CompleteAbort":
      if (!commit) return isRetry ? current() : bumpAndEnd(ctx, meta, false, previousProducerIds, onPrepared);
      return invalid;
    case "Empty":
      return commit ? invalid : bumpAndEnd(ctx, meta, false, previousProducerIds, onPrepared);
    default:
      return invalid;
  }
}

/** Prepare* at the bumped epoch, markers, Complete*; a new producer id once the epoch is exhausted. */
async function bumpAndEnd(ctx: EndContext, meta: TxnMeta, commit: boolean, previousProducerIds: Map<string, bigint>, onPrepared: () => void): Promise<EndV2Result> {
  const exhausted = meta.producerEpoch >= MAX_EPOCH;
  const producerEpoch = exhausted ? LAST_EPOCH : meta.producerEpoch + 1;
  // An empty abort (nothing open) ends no partitions; the epoch bump still fences the old epoch's batches.
  const empty = meta.status !== "Ongoing";
  await ctx.transition(meta, { status: commit ? "PrepareCommit" : "PrepareAbort", producerEpoch, ...(empty ? { partitions: new Map(), pendingOffsets: [] } : {}) });
  onPrepared();
  const completed = await tryComplete(ctx, meta);
  if (completed && exhausted) {
    const old = meta.producerId;
    const next = ctx.broker.initProducerId().producerId;
    await ctx.transition(meta, { producerId: next, producerEpoch: 0 });
    previousProducerIds.set(meta.transactionalId, old);
  }
  // The outcome is decided once Prepare* is durable: an unfinished marker write is retried by the timer.
  return { errorCode: KafkaErrors.NONE.code, producerId: meta.producerId, producerEpoch: meta.producerEpoch };
}
