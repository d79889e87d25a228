// PRODUCE -> PRODUCE_RESULT, one item per (topic, partition, batch), Kafka errors as data per item.
// acks=0 gets no response at all, but still runs to completion so errors are logged and counted.
//
// Transactional batches (docs/protocol.md §9, "Producing"): the WebSocket protocol's transactions are
// Kafka's v1 kind, the client adds each partition with TXN_ADD before its first batch, so the leader
// only verifies. The frame names the transactional id (its optional trailing field); a transactional batch
// without one is TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53), as Kafka answers a transactional Produce with
// no id. Before the append, each transactional item is checked with the id's coordinator
// (src/transactions/produce-check.ts, shared with the Kafka door): here, or in cluster mode on the broker
// that coordinates the id (asked once per producer and partition until that producer's marker is
// written). A refused item keeps its error (INVALID_TXN_STATE, INVALID_PRODUCER_EPOCH) and is not
// appended; a coordinator that is down or moving is NOT_ENOUGH_REPLICAS (19, retriable).

import { KafkaErrors } from "../../../errors/index.js";
import type { Broker } from "../../../broker/broker.js";
import { FrameType, type ProduceFrameItem, type ProduceResultItem } from "../../../protocol/ws/frames.js";
import { transactionsFor } from "../../../transactions/index.js";
import { checkTransactionalSlots, isTransactionalBatch, type ProduceSlot } from "../../../transactions/produce-check.js";
import { errorCodeOf } from "../error-codes.js";
import type { WsHandler } from "./context.js";

type Slot = ProduceSlot & { errorMessage: string };

export const handleProduce: WsHandler<typeof FrameType.PRODUCE> = async ({ broker }, frame) => {
  let items = frame.items;
  let slots: Slot[] | undefined;
  if (frame.items.some((i) => isTransactionalBatch(i.batch))) {
    slots = await checkTransactional(broker, frame.items, frame.transactionalId);
    items = slots.flatMap((s) => (s.item ? [s.item] : []));
  }
  // produceMany copies the batches synchronously (before its first await): the frame's views into the
  // uWS message buffer are not used after this call returns. (The check above awaits, so a transactional
  // frame's batches are copied first: checkTransactional.)
  const results = items.length ? await broker.produceMany(items, { acks: frame.acks, timeoutMs: frame.timeoutMs || 30_000 }) : [];
  if (frame.acks === 0) return undefined;
  const appended: ProduceResultItem[] = results.map((r) =>
    r.ok
      ? { errorCode: 0, errorMessage: "", baseOffset: r.ok.baseOffset, logAppendTime: BigInt(r.ok.logAppendTime), logStartOffset: r.ok.logStartOffset }
      : { errorCode: errorCodeOf(r.error), errorMessage: r.error.message, baseOffset: -1n, logAppendTime: -1n, logStartOffset: -1n },
  );
  if (!slots) return { type: FrameType.PRODUCE_RESULT, requestId: frame.requestId, items: appended };
  let next = 0;
  return {
    type: FrameType.PRODUCE_RESULT,
    requestId: frame.requestId,
    items: slots.map((s) => (s.item ? appended[next++]! : { errorCode: s.errorCode, errorMessage: s.errorMessage, baseOffset: -1n, logAppendTime: -1n, logStartOffset: -1n })),
  };
};

/** The frame's items as slots, transactional ones checked with their coordinator (refused: no item). */
async function checkTransactional(broker: Broker, frameItems: readonly ProduceFrameItem[], transactionalId: string | undefined): Promise<Slot[]> {
  // Copied now: the frame's batches are views into the socket's message buffer, which is reused after
  // this handler's first await.
  const slots: Slot[] = frameItems.map((i) => ({ errorCode: KafkaErrors.NONE.code, errorMessage: "", item: { topic: i.topic, partition: i.partition, batch: i.batch.slice() } }));
  const transactions = transactionsFor(broker);
  const transactional = slots.filter((s) => isTransactionalBatch(s.item!.batch));
  if (!transactions) return slots; // the broker core refuses transactional batches (INVALID_TXN_STATE)
  if (transactionalId === undefined || transactionalId === "") {
    for (const s of transactional) {
      delete s.item;
      s.errorCode = KafkaErrors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code;
      s.errorMessage = "a transactional batch needs the PRODUCE frame's transactional id";
    }
    return slots;
  }
  await checkTransactionalSlots(transactions, slots, transactionalId, false);
  for (const s of transactional) if (!s.item) s.errorMessage = `refused by transactional id ${transactionalId}'s coordinator (Kafka error ${s.errorCode})`;
  return slots;
}
