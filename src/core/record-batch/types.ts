// RecordBatch v2 types, attribute bits and the typed view of the core's batch_* exports.
// Byte layouts: the batch header in assembly/record-batch-header.ts, the decode tables in
// assembly/record-batch-records.ts, the encoder's input in assembly/record-batch-encode.ts, the scanner's
// output in assembly/record-batch.ts.

import { core } from "../instance.js";

export { BATCH_HEADER_SIZE } from "./layout.js";
export const RECORD_BATCH_MAGIC = 2;

/** Attribute bits (DefaultRecordBatch.java:98,131-135). */
export const Attributes = {
  COMPRESSION_MASK: 0x07,
  TIMESTAMP_TYPE: 0x08,
  TRANSACTIONAL: 0x10,
  CONTROL: 0x20,
  DELETE_HORIZON: 0x40,
} as const;

/** Compression ids in attributes bits 0-2 (CompressionType.java). */
export const Compression = { NONE: 0, GZIP: 1, SNAPPY: 2, LZ4: 3, ZSTD: 4 } as const;

export interface RecordHeader {
  key: string;
  value: Uint8Array | null;
}

export interface RecordInput {
  key?: Uint8Array | string | null;
  value?: Uint8Array | string | null;
  headers?: { key: string; value: Uint8Array | string | null }[];
  /** Milliseconds since the epoch; default Date.now() (read once per batch). */
  timestamp?: number;
  /** Default: the record's index in the batch. Must strictly increase. */
  offsetDelta?: number;
}

export interface EncodeOptions {
  /** Default 0n: producers send 0 and the broker stamps the real offset (stampBatch). */
  baseOffset?: bigint;
  /** Default -1n (no producer id). */
  producerId?: bigint;
  /** Default -1. */
  producerEpoch?: number;
  /** Default -1. */
  baseSequence?: number;
  /** Default -1 (Kafka's NO_PARTITION_LEADER_EPOCH, what the Java producer writes); the broker stamps it. */
  partitionLeaderEpoch?: number;
  /** Timestamp-type, transactional and control bits; the compression bits must be 0 here. Default 0. */
  attributes?: number;
  /** Default: the last record's offsetDelta. Compaction keeps the original; required for an empty batch. */
  lastOffsetDelta?: number;
}

export interface BatchHeader {
  baseOffset: bigint;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  /** Unsigned. */
  crc: number;
  attributes: number;
  compression: number;
  timestampType: 0 | 1;
  isTransactional: boolean;
  isControl: boolean;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

export interface DecodedRecord {
  /** Absolute: baseOffset + offsetDelta. */
  offset: bigint;
  /** Absolute ms; under LogAppendTime every record reports the batch's maxTimestamp, as Kafka does. */
  timestamp: number;
  /** Aliases the decoded bytes (the input batch, or the decompressed buffer): copy it to keep it past them. */
  key: Uint8Array | null;
  /** Aliases like `key`. */
  value: Uint8Array | null;
  headers: RecordHeader[];
}

export type DecodedBatch = BatchHeader & { records: DecodedRecord[] };

export interface DecodeOptions {
  /** Inflates a compressed records section [61, end) for compression id 1..4. */
  decompress?: (compression: number, data: Uint8Array) => Uint8Array;
  /** Check the CRC first. Default true. Structure is always checked: decoding never trusts its input. */
  verify?: boolean;
}

export interface ScannedBatch {
  position: number;
  size: number;
  baseOffset: bigint;
  lastOffset: bigint;
  maxTimestamp: number;
  recordCount: number;
  attributes: number;
  /** Stamped by the broker on append; recovery rebuilds the leader-epoch cache from it. */
  partitionLeaderEpoch: number;
}

export interface ScanResult {
  batches: ScannedBatch[];
  /** Bytes from the start covered by `batches`: where a torn or corrupt tail begins. */
  validBytes: number;
  /** Status.OK if the input ended exactly on a batch boundary, else why the scan stopped. */
  stopStatus: number;
  stopReason: string;
}

/** Flags of batch_validate / batch_decode / batch_scan (assembly/record-batch*.ts). */
export const VALIDATE_STRICT = 1;
export const VALIDATE_HEADER_ONLY = 2;
export const VALIDATE_SKIP_CRC = 4;
export const SCAN_VERIFY_CRC = 1;

export const RECORD_ENTRY_SIZE = 40;
export const HEADER_ENTRY_SIZE = 16;
export const SCAN_SUMMARY_SIZE = 16;
export const SCAN_ENTRY_SIZE = 40;
export const ENCODE_PARAMS_SIZE = 40;

export interface RecordBatchExports {
  batch_validate(ptr: number, len: number, flags: number): number;
  batch_scan(ptr: number, len: number, out: number, maxEntries: number, flags: number): number;
  batch_decode(ptr: number, len: number, flags: number, table: number, tableCap: number, hdrTable: number, hdrCap: number): number;
  batch_decode_records(hdr: number, recPtr: number, recLen: number, table: number, tableCap: number, hdrTable: number, hdrCap: number): number;
  batch_decode_header_count(): number;
  batch_encode(inPtr: number, inLen: number, outPtr: number, outCap: number): number;
}

export const rb = core as unknown as RecordBatchExports;
