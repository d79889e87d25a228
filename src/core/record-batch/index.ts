// RecordBatch v2 through the WASM core: encode, decode, validate, scan, header read and stamp.
export { encodeRecordBatch } from "./encode.js";
export { decodeBatchRows, decodeRecordBatch, DecodedRows, NO_HEADERS, RowStore } from "./decode.js";
export { readBatchHeader, validateRecordBatch, stampBatch } from "./header.js";
export { scanBatches } from "./scan.js";
export { withCompressedRecords } from "./compressed.js";
export * from "./layout.js";
export {
  Attributes,
  Compression,
  RECORD_BATCH_MAGIC,
  type BatchHeader,
  type DecodedBatch,
  type DecodedRecord,
  type DecodeOptions,
  type EncodeOptions,
  type RecordHeader,
  type RecordInput,
  type ScannedBatch,
  type ScanResult,
} from "./types.js";
