// BatchBuilder writes a RecordBatch v2 as records arrive (issue 14). Its bytes must be exactly what the WASM
// core's encoder makes of the same records (null and empty keys and values, UTF-8 strings, headers, values
// whose lengths need multi-byte varints, timestamps before and far after the first, producer id and
// sequence), the core's decoder must read them back, a reused buffer must not leak an earlier batch's
// bytes, and the records must be copied when appended (the caller may reuse its arrays at once).
import { describe, expect, it } from "vitest";
import { BatchBuilder, recordsOf } from "../../../src/client/producer/builder.js";
import { decodeRecordBatch, encodeRecordBatch, type RecordInput } from "../../../src/core/index.js";

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

const records: RecordInput[] = [
  { key: null, value: bytes(100, 0x61), timestamp: 1_764_800_000_000 },
  { key: "k", value: "", timestamp: 1_764_800_000_000 },
  { key: new Uint8Array(0), value: null, timestamp: 1_764_799_999_000 }, // earlier: a negative delta
  { key: "clé-ключ-鍵-🔑", value: "värde ".repeat(40), headers: [{ key: "h1", value: "v1" }, { key: "ü", value: null }, { key: "", value: bytes(3, 7) }], timestamp: 1_764_800_000_001 },
  { key: bytes(70, 1), value: bytes(20_000, 2), timestamp: 1_764_800_000_000 + 2 ** 33 }, // varlong delta past 2^32
  { value: bytes(1, 9), headers: [], timestamp: 0 },
];

function build(list: RecordInput[], builder = new BatchBuilder()): BatchBuilder {
  for (const r of list) builder.append(r.key, r.value, r.headers, r.timestamp);
  return builder;
}

describe("BatchBuilder", () => {
  it("writes the same bytes as the core's encoder, with and without a producer id", () => {
    const builder = build(records);
    expect(builder.count).toBe(records.length);
    expect(builder.finish(undefined, -1)).toEqual(encodeRecordBatch(records));
    const identity = { producerId: 123_456_789_012n, producerEpoch: 7 };
    expect(builder.finish(identity, 2_000_000_000)).toEqual(encodeRecordBatch(records, { ...identity, baseSequence: 2_000_000_000 }));
    for (let i = 1; i <= records.length; i++) expect(build(records.slice(0, i)).finish(undefined, -1)).toEqual(encodeRecordBatch(records.slice(0, i)));
  });

  it("decodes back to the records (CRC checked), also through recordsOf", () => {
    const batch = build(records).finish(undefined, -1);
    const decoded = decodeRecordBatch(batch);
    expect(decoded.recordCount).toBe(records.length);
    expect(decoded.maxTimestamp).toBe(1_764_800_000_000 + 2 ** 33);
    const text = (v: Uint8Array | null) => (v === null ? null : new TextDecoder().decode(v));
    expect(text(decoded.records[3]!.key)).toBe("clé-ключ-鍵-🔑");
    expect(decoded.records[3]!.headers.map((h) => [h.key, text(h.value)])).toEqual([["h1", "v1"], ["ü", null], ["", "\x07\x07\x07"]]);
    const again = recordsOf(batch);
    expect(build(again.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp }))).finish(undefined, -1)).toEqual(batch);
  });

  it("reuses a larger buffer without its old bytes showing, and copies values when appended", () => {
    const first = build(records);
    const reused = new BatchBuilder(first.buffer);
    const value = bytes(10, 0x41);
    reused.append("a", value, undefined, 5);
    value.fill(0x42); // the caller reuses its array at once
    reused.append("b", value, undefined, 6);
    const expected = encodeRecordBatch([{ key: "a", value: bytes(10, 0x41), timestamp: 5 }, { key: "b", value: bytes(10, 0x42), timestamp: 6 }]);
    expect(reused.finish(undefined, -1)).toEqual(expected);
  });

  it("takes a missing timestamp from the clock it is given", () => {
    const builder = new BatchBuilder();
    builder.append(null, "x", undefined, undefined, { now: 1_700_000_000_123 });
    expect(decodeRecordBatch(builder.finish(undefined, -1)).records[0]!.timestamp).toBe(1_700_000_000_123);
  });

  it("keeps room for a frame's head: the same batch bytes after `start` free bytes, which it never writes", () => {
    const start = 37;
    const buffer = new Uint8Array(64).fill(0xab); // small: it grows, and the head room must move with it
    const builder = build(records, new BatchBuilder(buffer, start));
    const batch = builder.finish({ producerId: 5n, producerEpoch: 1 }, 9);
    expect(batch).toEqual(encodeRecordBatch(records, { producerId: 5n, producerEpoch: 1, baseSequence: 9 }));
    expect(batch.byteOffset - builder.buffer.byteOffset).toBe(start);
    expect(builder.buffer.length).toBeGreaterThan(64);
    expect(recordsOf(batch).map((r) => r.timestamp)).toEqual(records.map((r) => r.timestamp));
  });

  it("grows by doubling only up to maxCapacity, and past it only as far as a record needs", () => {
    const value = bytes(1000, 3);
    const capped = new BatchBuilder(undefined, 10, 10_000);
    for (let i = 0; i < 9; i++) capped.append(null, value, undefined, 1);
    expect(capped.buffer.length).toBe(10_000); // doubling 4096 -> 8192 -> 16384 would overshoot
    capped.append(null, bytes(20_000, 4), undefined, 1); // one record larger than the cap still fits
    expect(capped.buffer.length).toBeGreaterThanOrEqual(capped.length);
    expect(capped.buffer.length).toBeLessThan(40_000);
    expect(decodeRecordBatch(capped.finish(undefined, -1)).recordCount).toBe(10);
  });
});
