// The ABI of the Rivulet core: every export the JS side may call, and nothing else.
// Conventions: pointers and lengths address linear memory obtained from `alloc`; every function that can
// fail returns an i32 status (see status.ts), >= 0 on success. Nothing here traps on bad input.

export * from "./status";
export { alloc, free } from "./memory";
export { crc32c_update } from "./crc32c";
export {
  varint_encode_i32,
  varint_decode_i32,
  varint_encode_i64,
  varint_decode_i64,
  uvarint_encode_u32,
  uvarint_decode_u32,
} from "./varint";
export { murmur2, partition_for_key } from "./murmur2";
export { offset_index_lookup, time_index_lookup } from "./index-search";
export { batch_validate, batch_scan } from "./record-batch";
export { batch_decode, batch_decode_records, batch_decode_header_count } from "./record-batch-records";
export { batch_encode } from "./record-batch-encode";
