// Produce (key 0), v3-13 (v0-2 are advertised for librdkafka's compression gate but refused by the codec,
// which closes the connection, as Kafka 4 does).
//
// Behavior:
// - acks must be -1, 0 or 1, else every partition gets INVALID_REQUIRED_ACKS.
// - acks=0: the batches are appended (so a later request on this connection sees them), and no response is
//   written at all; errors are only logged (Kafka signals them by closing the connection; we do not, so a
//   fire-and-forget client is not cut off by one bad partition).
// - Each partition must carry exactly one RecordBatch of magic 2 (ProduceRequest.validateRecords): none, or
//   bytes left after the first batch, is INVALID_RECORD; too short or a batch length running past the data
//   is CORRUPT_MESSAGE; magic 0/1 is INVALID_RECORD; zstd below v7 is UNSUPPORTED_COMPRESSION_TYPE. Header,
//   CRC and record layout are checked by the broker core, which also rejects control batches (INVALID_RECORD).
// - Transactional batches go to the broker core, which has the transaction coordinator verify them
//   (src/transactions/coordinator.ts: the producer's current epoch, an Ongoing transaction holding the
//   partition; else INVALID_PRODUCER_EPOCH or INVALID_TXN_STATE).
// - v12+ (transactions v2, KIP-890 part 2): a transactional batch first adds its partition to the
//   producer's transaction (no AddPartitionsToTxn from the client), as Kafka's broker asks its coordinator
//   with AddPartitionsToTxn v5; a refusal is that partition's error (produce-txn.ts). Below v12, in cluster
//   mode, the id's coordinator on another broker verifies the partition is in the transaction first.
// - A request holding a transactional data batch must name its transactional id: without one, every
//   partition gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED and nothing is appended (KafkaApis does the same).
// - Idempotent batches (producerId >= 0) are deduplicated by the broker: a retry gets the original base
//   offset and NONE. kafkajs sends producerId -1 with epoch/sequence 0: that is non-idempotent.
// - Errors are per partition, as data; unknown topics or partitions get UNKNOWN_TOPIC_OR_PARTITION.
// - v13 (KIP-516) names each topic by its id: the id is looked up (topic-ids.ts) before anything else, and
//   an id no topic has gets UNKNOWN_TOPIC_ID (100) on every partition, checked before the records and
//   before authorization, as Kafka 4.1's KafkaApis.handleProduceRequest does; the response echoes the id.
// - Batches are views into the request frame; Broker.produceMany copies them before its first await.
// Version notes: v5+ carries log_start_offset; log_append_time is -1 (CreateTime topics).

import { Attributes, attributesAt, BATCH_HEADER_SIZE, BatchField, batchSizeAt, Compression, COMPRESSION_MASK, viewOf } from "../../../core/index.js";
import { KafkaErrors, toKafkaCode } from "../../../errors/index.js";
import type { ApiKey, ProduceResponse } from "../../../protocol/kafka/index.js";
import type { ProduceItem } from "../../../broker/broker.js";
import { NO_RESPONSE, type Handler, type KafkaBrokerContext } from "./context.js";
import { MoreKafkaCodes, topicById } from "./topic-ids.js";
import { addToTransactions, type Slot } from "./produce-txn.js";
import { isTransactionalBatch } from "../../../transactions/produce-check.js";



export const handleProduce: Handler<typeof ApiKey.Produce> = async (ctx, request, info) => {
  const version = info.header.apiVersion;
  const acks = request.acks;
  const slots: Slot[] = [];
  request.topicData.forEach((t, ti) => {
    const name = produceTopicName(ctx, t, version);
    t.partitionData.forEach((p, pi) => {
      let errorCode: number = KafkaErrors.NONE.code;
      if (name === undefined) errorCode = MoreKafkaCodes.UNKNOWN_TOPIC_ID;
      else if (acks !== -1 && acks !== 0 && acks !== 1) errorCode = KafkaErrors.INVALID_REQUIRED_ACKS.code;
      else errorCode = checkBatch(p.records, version);
      const slot: Slot = { topic: ti, partition: pi, index: p.index, errorCode };
      if (errorCode === KafkaErrors.NONE.code && name !== undefined) {
        slot.item = { topic: name, partition: p.index, batch: p.records! };
      }
      slots.push(slot);
    });
  });
  if (request.transactionalId == null && slots.some((s) => s.item && isTransactionalBatch(s.item.batch))) {
    for (const slot of slots) {
      if (slot.errorCode === KafkaErrors.NONE.code) slot.errorCode = KafkaErrors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code;
      delete slot.item;
    }
  }
  if (ctx.transactions) await addToTransactions(ctx.transactions, slots, request.transactionalId ?? null, version >= 12);
  const items = slots.flatMap((s) => (s.item ? [s.item] : []));

  const results = new Map<ProduceItem, { errorCode: number; baseOffset: bigint; logStartOffset: bigint }>();
  if (items.length) {
    try {
      const outcomes = await ctx.broker.produceMany(items, { acks: acks as -1 | 0 | 1, timeoutMs: request.timeoutMs > 0 ? request.timeoutMs : 30_000 });
      outcomes.forEach((r, i) =>
        results.set(
          items[i]!,
          r.ok
            ? { errorCode: KafkaErrors.NONE.code, baseOffset: r.ok.baseOffset, logStartOffset: r.ok.logStartOffset }
            : { errorCode: toKafkaCode(r.error), baseOffset: -1n, logStartOffset: -1n },
        ),
      );
    } catch (error) {
      for (const item of items) results.set(item, { errorCode: toKafkaCode(error), baseOffset: -1n, logStartOffset: -1n });
    }
  }

  if (acks === 0) {
    const failed = slots.filter((s) => (s.item ? results.get(s.item)!.errorCode : s.errorCode) !== KafkaErrors.NONE.code);
    if (failed.length) ctx.logger.debug("acks=0 produce had errors", { partitions: failed.length, clientId: info.header.clientId });
    return NO_RESPONSE;
  }

  const response: ProduceResponse = {
    responses: request.topicData.map((t) => (version >= 13 ? { name: "", topicId: t.topicId, partitionResponses: [] } : { name: t.name, partitionResponses: [] })),
  };
  for (const slot of slots) {
    const r = slot.item ? results.get(slot.item)! : { errorCode: slot.errorCode, baseOffset: -1n, logStartOffset: -1n };
    response.responses[slot.topic]!.partitionResponses.push({
      index: slot.index,
      errorCode: r.errorCode,
      baseOffset: r.baseOffset,
      logAppendTimeMs: -1n,
      logStartOffset: r.logStartOffset,
    });
  }
  return response;
};

/**
 * The name of a request's topic entry: v0-12 carry it; v13+ carry the topic id, resolved here (undefined
 * when no topic has that id, the zero id included).
 */
export function produceTopicName(ctx: KafkaBrokerContext, t: { name: string; topicId?: Uint8Array }, version: number): string | undefined {
  if (version < 13) return t.name;
  return t.topicId ? topicById(ctx, t.topicId)?.name : undefined;
}

/** The Kafka error for a partition's records field that is not exactly one magic-2 batch, or NONE. */
export function checkBatch(records: Uint8Array | null, version: number): number {
  if (records === null || records.length === 0) return KafkaErrors.INVALID_RECORD.code;
  if (records.length <= BatchField.MAGIC) return KafkaErrors.CORRUPT_MESSAGE.code;
  if (records[BatchField.MAGIC] !== 2) return KafkaErrors.INVALID_RECORD.code;
  if (records.length < BATCH_HEADER_SIZE) return KafkaErrors.CORRUPT_MESSAGE.code;
  const view = viewOf(records);
  const size = batchSizeAt(view, 0);
  if (size > records.length || size < BATCH_HEADER_SIZE) return KafkaErrors.CORRUPT_MESSAGE.code;
  if (size < records.length) return KafkaErrors.INVALID_RECORD.code; // a second batch (or trailing bytes)
  const attributes = attributesAt(view, 0);
  if ((attributes & COMPRESSION_MASK) === Compression.ZSTD && version < 7) return KafkaErrors.UNSUPPORTED_COMPRESSION_TYPE.code;
  return KafkaErrors.NONE.code;
}
