// Batch header read and stamp (pure DataView work: 61 bytes are not worth a WASM call), and whole-batch
// validation through the core.

import { CorruptRecordError, InvalidArgumentError } from "../../errors/index.js";
import { Region } from "../instance.js";
import { throwForStatus } from "../throw-status.js";
import { BatchField } from "./layout.js";
import { Attributes, BATCH_HEADER_SIZE, rb, VALIDATE_STRICT, type BatchHeader } from "./types.js";

/** Linear-memory block the batch operations copy their input into (one per thread, reused). */
export const batchInput = new Region(256 * 1024);

function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Reads the 61-byte header of the batch at the start of `batch`. Checks only that the bytes are there: the
 * fields are reported as found (validateRecordBatch checks them).
 */
export function readBatchHeader(batch: Uint8Array): BatchHeader {
  if (batch.length < BATCH_HEADER_SIZE) {
    throw new CorruptRecordError("TRUNCATED", `record batch header needs ${BATCH_HEADER_SIZE} bytes, got ${batch.length}`);
  }
  const v = dataView(batch);
  const attributes = v.getInt16(BatchField.ATTRIBUTES);
  return {
    baseOffset: v.getBigInt64(BatchField.BASE_OFFSET),
    batchLength: v.getInt32(BatchField.BATCH_LENGTH),
    partitionLeaderEpoch: v.getInt32(BatchField.LEADER_EPOCH),
    magic: v.getInt8(BatchField.MAGIC),
    crc: v.getUint32(BatchField.CRC),
    attributes,
    compression: attributes & Attributes.COMPRESSION_MASK,
    timestampType: attributes & Attributes.TIMESTAMP_TYPE ? 1 : 0,
    isTransactional: (attributes & Attributes.TRANSACTIONAL) !== 0,
    isControl: (attributes & Attributes.CONTROL) !== 0,
    lastOffsetDelta: v.getInt32(BatchField.LAST_OFFSET_DELTA),
    baseTimestamp: Number(v.getBigInt64(BatchField.BASE_TIMESTAMP)),
    maxTimestamp: Number(v.getBigInt64(BatchField.MAX_TIMESTAMP)),
    producerId: v.getBigInt64(BatchField.PRODUCER_ID),
    producerEpoch: v.getInt16(BatchField.PRODUCER_EPOCH),
    baseSequence: v.getInt32(BatchField.BASE_SEQUENCE),
    recordCount: v.getInt32(BatchField.RECORD_COUNT),
  };
}

/**
 * Validates the one batch that `batch` holds exactly: length, magic 2, CRC32C, compression id <= 4, and for
 * uncompressed batches every record's framing, the count and the offset-delta order. `strict` (default
 * true) adds the producer rules of Kafka's LogValidator: non-empty, lastOffsetDelta == count - 1 and
 * offsetDelta[i] == i (for compressed batches only the header part, their records being compressed).
 * Control batches and producer-id/sequence rules are the broker's business (INVALID_RECORD), not checked here.
 * Throws CorruptRecordError (kafkaCode 2, `reason` = the core status name) on any failure.
 */
export function validateRecordBatch(batch: Uint8Array, options: { strict?: boolean } = {}): BatchHeader {
  const flags = (options.strict ?? true) ? VALIDATE_STRICT : 0;
  const status = rb.batch_validate(batchInput.load(batch), batch.length, flags);
  if (status < 0) throwForStatus(status, "record batch");
  return readBatchHeader(batch);
}

/**
 * Stamps the broker-assigned base offset (bytes 0..7) and, if given, the partition leader epoch
 * (bytes 12..15) in place. Both lie before the CRC's range, so the CRC stays valid.
 */
export function stampBatch(batch: Uint8Array, baseOffset: bigint, leaderEpoch?: number): void {
  if (batch.length < BATCH_HEADER_SIZE) {
    throw new CorruptRecordError("TRUNCATED", `record batch header needs ${BATCH_HEADER_SIZE} bytes, got ${batch.length}`);
  }
  if (BigInt.asIntN(64, baseOffset) !== baseOffset || baseOffset < 0n) {
    throw new InvalidArgumentError(`baseOffset must be a non-negative int64, got ${baseOffset}`);
  }
  if (leaderEpoch !== undefined && !(Number.isInteger(leaderEpoch) && leaderEpoch >= -1 && leaderEpoch <= 0x7fffffff)) {
    throw new InvalidArgumentError(`leaderEpoch must be an int32 >= -1, got ${leaderEpoch}`);
  }
  const v = dataView(batch);
  v.setBigInt64(BatchField.BASE_OFFSET, baseOffset);
  if (leaderEpoch !== undefined) v.setInt32(BatchField.LEADER_EPOCH, leaderEpoch);
}
