// The transaction frames (docs/protocol.md, "Transactions"): the same transaction coordinator as the Kafka
// front end (src/transactions/coordinator.ts), so a WebSocket producer and a Kafka producer fence each
// other when they share a transactional id.
//
//   TXN_INIT    -> PRODUCER_ID: the id's producer id and bumped epoch (a new id: epoch 0)
//   TXN_ADD     -> OK: partitions (and a group's offsets partition) join the transaction
//   TXN_OFFSETS -> OK: the group's offsets, committed with the transaction
//   TXN_END     -> OK: commit (markers, offsets, CompleteCommit) or abort
// A coordinator error is an ERROR frame with its Kafka code (PRODUCER_FENCED, INVALID_TXN_STATE, ...).

import { KafkaProtocolError, kafkaErrorByCode, KafkaErrors } from "../../../errors/index.js";
import { FrameType } from "../../../protocol/ws/frames.js";
import { transactionsFor } from "../../../transactions/index.js";
import type { TransactionCoordinator } from "../../../transactions/index.js";
import type { WsHandler, WsRequestContext } from "./context.js";

function coordinatorOf(ctx: WsRequestContext): TransactionCoordinator {
  const coordinator = transactionsFor(ctx.broker);
  if (!coordinator) throw new KafkaProtocolError("COORDINATOR_NOT_AVAILABLE", "this server has no transaction coordinator");
  return coordinator;
}

function check(code: number, what: string): void {
  if (code === KafkaErrors.NONE.code) return;
  throw new KafkaProtocolError(kafkaErrorByCode(code) ?? "UNKNOWN_SERVER_ERROR", `${what} failed (Kafka error ${code})`);
}

export const handleTxnInit: WsHandler<typeof FrameType.TXN_INIT> = async (ctx, frame) => {
  const result = await coordinatorOf(ctx).initProducerId(frame.transactionalId, frame.timeoutMs);
  check(result.errorCode, `init of transactional id ${frame.transactionalId}`);
  return { type: FrameType.PRODUCER_ID, requestId: frame.requestId, producerId: result.producerId, producerEpoch: result.producerEpoch };
};

export const handleTxnAdd: WsHandler<typeof FrameType.TXN_ADD> = async (ctx, frame) => {
  const coordinator = coordinatorOf(ctx);
  const byTopic = new Map<string, number[]>();
  for (const p of frame.partitions) {
    let list = byTopic.get(p.topic);
    if (!list) byTopic.set(p.topic, (list = []));
    list.push(p.partition);
  }
  if (byTopic.size) {
    const codes = await coordinator.addPartitions(frame.transactionalId, frame.producerId, frame.producerEpoch, [...byTopic].map(([name, partitions]) => ({ name, partitions })));
    for (const [topic, partitions] of codes) for (const [partition, code] of partitions) check(code, `adding ${topic}-${partition} to the transaction`);
  }
  if (frame.group !== "") check(await coordinator.addOffsets(frame.transactionalId, frame.producerId, frame.producerEpoch, frame.group), `adding group ${frame.group}'s offsets to the transaction`);
  return { type: FrameType.OK, requestId: frame.requestId };
};

export const handleTxnOffsets: WsHandler<typeof FrameType.TXN_OFFSETS> = async (ctx, frame) => {
  const byTopic = new Map<string, { partitionIndex: number; committedOffset: bigint; committedMetadata: string | null }[]>();
  for (const o of frame.offsets) {
    let list = byTopic.get(o.topic);
    if (!list) byTopic.set(o.topic, (list = []));
    list.push({ partitionIndex: o.partition, committedOffset: o.offset, committedMetadata: null });
  }
  const result = await coordinatorOf(ctx).txnOffsetCommit({
    transactionalId: frame.transactionalId,
    groupId: frame.group,
    producerId: frame.producerId,
    producerEpoch: frame.producerEpoch,
    topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
  });
  if (typeof result === "number") check(result, `transactional offsets of group ${frame.group}`);
  else for (const [topic, partitions] of result) for (const [partition, code] of partitions) check(code, `transactional offset of ${topic}-${partition}`);
  return { type: FrameType.OK, requestId: frame.requestId };
};

export const handleTxnEnd: WsHandler<typeof FrameType.TXN_END> = async (ctx, frame) => {
  const code = await coordinatorOf(ctx).endTxn(frame.transactionalId, frame.producerId, frame.producerEpoch, frame.commit);
  check(code, frame.commit ? "commit" : "abort");
  return { type: FrameType.OK, requestId: frame.requestId };
};
