// Plain-TypeScript RecordBatch v2 reference, for differential tests and benchmarks only. Written for
// obviousness, not speed: byte-at-a-time CRC32C, BigInt varlongs, a cursor object. It mirrors the core's
// rules (and the order it checks them in), so a fuzz test can compare verdicts, not just success.

export interface RefHeader {
  key: string;
  value: Uint8Array | null;
}

export interface RefRecord {
  timestamp: number;
  offsetDelta: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RefHeader[];
}

export interface RefBatchOptions {
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  attributes?: number;
  lastOffsetDelta?: number;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
}

export interface RefBatch {
  baseOffset: bigint;
  partitionLeaderEpoch: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  records: RefRecord[];
}

/** A reference verdict: `reason` uses the core's status names. */
export class RefError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32cRef(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---- encoding ----

function zigzag64(v: bigint): bigint {
  return BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
}

function pushUvarint(out: number[], u: bigint): void {
  while (u >= 0x80n) {
    out.push(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  out.push(Number(u));
}

const varint = (out: number[], v: number) => pushUvarint(out, zigzag64(BigInt(v)));
const varlong = (out: number[], v: bigint) => pushUvarint(out, zigzag64(v));

function bytesField(out: number[], b: Uint8Array | null): void {
  if (b === null) return varint(out, -1);
  varint(out, b.length);
  for (const x of b) out.push(x);
}

export function encodeRecordRef(r: RefRecord, baseTimestamp: number): number[] {
  const body: number[] = [0];
  varlong(body, BigInt(r.timestamp) - BigInt(baseTimestamp));
  varint(body, r.offsetDelta);
  bytesField(body, r.key);
  bytesField(body, r.value);
  varint(body, r.headers.length);
  for (const h of r.headers) {
    bytesField(body, new TextEncoder().encode(h.key));
    bytesField(body, h.value);
  }
  const out: number[] = [];
  varint(out, body.length);
  return out.concat(body);
}

/** Encodes a batch the way the core does: baseTimestamp = first record's, maxTimestamp = max, -1 if empty. */
export function encodeBatchRef(records: RefRecord[], o: RefBatchOptions = {}): Uint8Array {
  const baseTimestamp = records.length > 0 ? records[0]!.timestamp : -1;
  const maxTimestamp = records.length > 0 ? Math.max(...records.map((r) => r.timestamp)) : -1;
  const body: number[] = [];
  for (const r of records) body.push(...encodeRecordRef(r, baseTimestamp));
  return assembleBatchRef(Uint8Array.from(body), records.length, {
    ...o,
    lastOffsetDelta: o.lastOffsetDelta ?? records[records.length - 1]?.offsetDelta ?? 0,
  }, baseTimestamp, maxTimestamp);
}

/** Wraps a records section (plain or compressed) in a header, computing batchLength and the CRC. */
export function assembleBatchRef(records: Uint8Array, count: number, o: RefBatchOptions, baseTimestamp: number, maxTimestamp: number): Uint8Array {
  const batch = new Uint8Array(61 + records.length);
  const v = new DataView(batch.buffer);
  v.setBigInt64(0, o.baseOffset ?? 0n);
  v.setInt32(8, batch.length - 12);
  v.setInt32(12, o.partitionLeaderEpoch ?? -1);
  v.setInt8(16, 2);
  v.setInt16(21, o.attributes ?? 0);
  v.setInt32(23, o.lastOffsetDelta ?? count - 1);
  v.setBigInt64(27, BigInt(baseTimestamp));
  v.setBigInt64(35, BigInt(maxTimestamp));
  v.setBigInt64(43, o.producerId ?? -1n);
  v.setInt16(51, o.producerEpoch ?? -1);
  v.setInt32(53, o.baseSequence ?? -1);
  v.setInt32(57, count);
  batch.set(records, 61);
  v.setUint32(17, crc32cRef(batch.subarray(21)));
  return batch;
}

// ---- decoding ----

class Cursor {
  constructor(readonly bytes: Uint8Array, public pos: number, public end: number) {}

  uvarint(maxBytes: number): bigint {
    let result = 0n;
    for (let i = 0; ; i++) {
      if (this.pos >= this.end) throw new RefError("TRUNCATED");
      const b = this.bytes[this.pos++]!;
      // 5th byte of an int32 carries 4 bits; 10th of an int64 carries 1.
      if (i === maxBytes - 1 && b > (maxBytes === 5 ? 0x0f : 0x01)) throw new RefError("BAD_VARINT");
      result |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (b < 0x80) return result;
    }
  }

  varint(): number {
    const u = this.uvarint(5);
    return Number((u >> 1n) ^ -(u & 1n));
  }

  varlong(): bigint {
    const u = this.uvarint(10);
    return BigInt.asIntN(64, (u >> 1n) ^ -(u & 1n));
  }

  take(len: number): Uint8Array | null {
    if (len < -1) throw new RefError("BAD_RECORD");
    if (len === -1) return null;
    if (len > this.end - this.pos) throw new RefError("BAD_RECORD");
    const out = this.bytes.slice(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
}

/** Record-level faults inside a record's bounds surface as BAD_RECORD, except over-long varints. */
function inRecord<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RefError && e.reason === "TRUNCATED") throw new RefError("BAD_RECORD");
    throw e;
  }
}

/** Decodes `count` records filling `records` exactly; the same rules as the core's walk. */
export function decodeRecordsRef(records: Uint8Array, count: number, lastOffsetDelta: number, baseTimestamp: bigint, strict = false, logAppend?: bigint): RefRecord[] {
  if (count * 7 > records.length) throw new RefError("BAD_COUNT");
  const c = new Cursor(records, 0, records.length);
  const out: RefRecord[] = [];
  let prev = -1;
  for (let i = 0; i < count; i++) {
    if (c.pos >= c.end) throw new RefError("BAD_COUNT");
    const length = inRecord(() => c.varint());
    if (length < 6 || length > c.end - c.pos) throw new RefError("BAD_RECORD");
    const r = new Cursor(records, c.pos, c.pos + length);
    c.pos += length;
    const rec = inRecord(() => {
      r.pos++;
      const tsDelta = r.varlong();
      const offsetDelta = r.varint();
      if (strict ? offsetDelta !== i : offsetDelta <= prev) throw new RefError("BAD_COUNT");
      prev = offsetDelta;
      const key = r.take(r.varint());
      const value = r.take(r.varint());
      const hc = r.varint();
      if (hc < 0) throw new RefError("BAD_RECORD");
      const headers: RefHeader[] = [];
      for (let h = 0; h < hc; h++) {
        const kl = r.varint();
        if (kl < 0) throw new RefError("BAD_RECORD");
        const hk = r.take(kl)!;
        headers.push({ key: new TextDecoder().decode(hk), value: r.take(r.varint()) });
      }
      if (r.pos !== r.end) throw new RefError("BAD_RECORD");
      const timestamp = Number(logAppend ?? BigInt.asIntN(64, baseTimestamp + tsDelta));
      return { timestamp, offsetDelta, key, value, headers };
    });
    out.push(rec);
  }
  if (c.pos !== c.end) throw new RefError("BAD_COUNT");
  if (count > 0 && prev > lastOffsetDelta) throw new RefError("BAD_COUNT");
  return out;
}

/** Validates and decodes one uncompressed batch; throws RefError with the core's status name. */
export function decodeBatchRef(batch: Uint8Array, strict = false): RefBatch {
  if (batch.length < 12) throw new RefError("TRUNCATED");
  const v = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  const batchLength = v.getInt32(8);
  if (batchLength < 49) throw new RefError("BAD_LENGTH");
  if (batchLength > batch.length - 12) throw new RefError("TRUNCATED");
  if (batchLength < batch.length - 12) throw new RefError("BAD_LENGTH");
  if (v.getInt8(16) !== 2) throw new RefError("BAD_MAGIC");
  if (crc32cRef(batch.subarray(21)) !== v.getUint32(17)) throw new RefError("BAD_CRC");
  const attributes = v.getInt16(21);
  if ((attributes & 7) > 4) throw new RefError("UNSUPPORTED_COMPRESSION");
  const count = v.getInt32(57);
  const lastOffsetDelta = v.getInt32(23);
  if (count < 0) throw new RefError("BAD_COUNT");
  if (strict && (count === 0 || lastOffsetDelta !== count - 1)) throw new RefError("BAD_COUNT");
  if ((attributes & 7) !== 0) throw new RefError("COMPRESSED");
  const baseTimestamp = v.getBigInt64(27);
  const maxTimestamp = v.getBigInt64(35);
  return {
    baseOffset: v.getBigInt64(0),
    partitionLeaderEpoch: v.getInt32(12),
    attributes,
    lastOffsetDelta,
    baseTimestamp: Number(baseTimestamp),
    maxTimestamp: Number(maxTimestamp),
    producerId: v.getBigInt64(43),
    producerEpoch: v.getInt16(51),
    baseSequence: v.getInt32(53),
    records: decodeRecordsRef(batch.subarray(61), count, lastOffsetDelta, baseTimestamp, strict, attributes & 8 ? maxTimestamp : undefined),
  };
}
