// Status codes returned by every export of the core. Zero or positive means success (often a count or a
// length); negative is an error. The table is mirrored one-to-one in src/core/status.ts, and a test reads
// these exported globals to prove the two agree.
//
// Why status codes and not exceptions: an AssemblyScript `throw` compiles to `unreachable`, a trap that
// leaves the instance in an undefined state. Bad input must never cost us the instance.

export const STATUS_OK: i32 = 0;
/** The input ends before a complete structure (batch header, batchLength bytes, a record). */
export const STATUS_TRUNCATED: i32 = -1;
/** batchLength disagrees with the bytes given, or is below the fixed header size. */
export const STATUS_BAD_LENGTH: i32 = -2;
/** magic byte is not 2. */
export const STATUS_BAD_MAGIC: i32 = -3;
/** CRC32C over attributes..end does not match the stored crc. */
export const STATUS_BAD_CRC: i32 = -4;
/** records count < 0, or lastOffsetDelta + 1 != count (uncompressed), or offset deltas out of order. */
export const STATUS_BAD_COUNT: i32 = -5;
/** A record's length field disagrees with its contents, or a field overruns the record. */
export const STATUS_BAD_RECORD: i32 = -6;
/** A varint is longer than its type allows (5 bytes for int32, 10 for int64). */
export const STATUS_BAD_VARINT: i32 = -7;
/** The caller's output region is too small; the call wrote nothing the caller should read. */
export const STATUS_OUT_OF_SPACE: i32 = -8;
/** Compression id is above 4 (zstd), or a record-level operation was asked of a compressed batch. */
export const STATUS_UNSUPPORTED_COMPRESSION: i32 = -9;
/** An argument is out of its domain (negative length, zero partitions, ...). */
export const STATUS_BAD_ARGUMENT: i32 = -10;
/** memory.grow failed. */
export const STATUS_OUT_OF_MEMORY: i32 = -11;
