// The records of `__transaction_state`, in Kafka's layout (TransactionLogKey / TransactionLogValue), so the
// topic is what a Kafka tool expects. Compacted: the latest record per transactional id is its state.
//
//   key    version int16 = 0 | transactional_id string (int16 length)
//   value  version int16 = 1 (flexible) |
//          producer_id int64 | producer_epoch int16 | transaction_timeout_ms int32 |
//          transaction_status int8 | transaction_partitions compact nullable [ topic compact string,
//          partition_ids compact [int32], tagged fields ] | transaction_last_update_timestamp_ms int64 |
//          transaction_start_timestamp_ms int64 | tagged fields
//
// Rivulet adds one tagged field to the value, tag 100 (Kafka's readers skip tags they do not know): the
// offsets a TxnOffsetCommit left pending in the transaction, which Kafka keeps as transactional records
// in __consumer_offsets instead; here they reach __consumer_offsets only when the transaction commits, so
// they must survive a restart in the transaction's own state:
//   compact [ group compact string, topic compact string, partition int32, offset int64,
//             leader_epoch int32, metadata compact nullable string, tagged fields ]
// Value version 0 (Kafka's non-flexible layout) is read too. A null value (tombstone) deletes the id.

import { StorageError } from "../errors/index.js";
import { Reader } from "../protocol/kafka/reader.js";
import { Writer } from "../protocol/kafka/writer.js";

/** Kafka's TransactionState ids and names (DescribeTransactions/ListTransactions show the names). */
export const TxnStatus = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
} as const;
export type TxnStatusName = keyof typeof TxnStatus;
export const statusName = (id: number): TxnStatusName | undefined =>
  (Object.keys(TxnStatus) as TxnStatusName[]).find((name) => TxnStatus[name] === id);

const PENDING_OFFSETS_TAG = 100;

export interface PendingOffset {
  group: string;
  topic: string;
  partition: number;
  offset: bigint;
  leaderEpoch: number;
  metadata: string | null;
}

export interface TxnStateRecord {
  producerId: bigint;
  producerEpoch: number;
  timeoutMs: number;
  status: TxnStatusName;
  /** topic → partitions. */
  partitions: Map<string, Set<number>>;
  lastUpdateMs: number;
  startMs: number;
  pendingOffsets: PendingOffset[];
}

export function encodeTxnKey(transactionalId: string): Uint8Array {
  return new Writer().int16(0).string(transactionalId).toBytes();
}

export function decodeTxnKey(bytes: Uint8Array): string {
  const r = new Reader(bytes);
  const version = r.int16();
  if (version !== 0) throw new StorageError(`__transaction_state key version ${version} is unknown`, { retriable: false });
  return r.string();
}

export function encodeTxnValue(v: TxnStateRecord): Uint8Array {
  const w = new Writer();
  w.int16(1).int64(v.producerId).int16(v.producerEpoch).int32(v.timeoutMs).int8(TxnStatus[v.status]);
  w.uvarint(v.partitions.size + 1);
  for (const [topic, partitions] of v.partitions) {
    w.compactString(topic).uvarint(partitions.size + 1);
    for (const p of partitions) w.int32(p);
    w.emptyTaggedFields();
  }
  w.int64(BigInt(v.lastUpdateMs)).int64(BigInt(v.startMs));
  if (v.pendingOffsets.length === 0) {
    w.emptyTaggedFields();
  } else {
    const field = new Writer().uvarint(v.pendingOffsets.length + 1);
    for (const o of v.pendingOffsets) {
      field.compactString(o.group).compactString(o.topic).int32(o.partition).int64(o.offset).int32(o.leaderEpoch).compactNullableString(o.metadata);
      field.emptyTaggedFields();
    }
    const bytes = field.toBytes();
    w.uvarint(1).uvarint(PENDING_OFFSETS_TAG).uvarint(bytes.length).raw(bytes);
  }
  return w.toBytes();
}

export function decodeTxnValue(bytes: Uint8Array): TxnStateRecord {
  const r = new Reader(bytes);
  const version = r.int16();
  if (version !== 0 && version !== 1) throw new StorageError(`__transaction_state value version ${version} is unknown`, { retriable: false });
  const flexible = version >= 1;
  const producerId = r.int64();
  const producerEpoch = r.int16();
  const timeoutMs = r.int32();
  const statusId = r.int8();
  const status = statusName(statusId);
  if (status === undefined) throw new StorageError(`__transaction_state status ${statusId} is unknown`, { retriable: false });
  const partitions = new Map<string, Set<number>>();
  const topics = flexible ? r.uvarint() - 1 : r.int32();
  for (let i = 0; i < topics; i++) {
    const topic = flexible ? r.compactString() : r.string();
    const count = flexible ? r.uvarint() - 1 : r.int32();
    const set = new Set<number>();
    for (let j = 0; j < count; j++) set.add(r.int32());
    if (flexible) r.taggedFields();
    partitions.set(topic, set);
  }
  const lastUpdateMs = Number(r.int64());
  const startMs = Number(r.int64());
  const pendingOffsets: PendingOffset[] = [];
  if (flexible) {
    r.taggedFields((tag, field) => {
      if (tag !== PENDING_OFFSETS_TAG) return;
      const n = field.uvarint() - 1;
      for (let i = 0; i < n; i++) {
        pendingOffsets.push({
          group: field.compactString(),
          topic: field.compactString(),
          partition: field.int32(),
          offset: field.int64(),
          leaderEpoch: field.int32(),
          metadata: field.compactNullableString(),
        });
        field.taggedFields();
      }
    });
  }
  return { producerId, producerEpoch, timeoutMs, status, partitions, lastUpdateMs, startMs, pendingOffsets };
}
