// decodeBatchRows (the rows a caller builds its own records from: the client's consumer) against
// decodeRecordBatch and the reference decoder: the same fields for random batches (gaps, headers, null and
// empty keys and values, gzip), records without headers sharing one frozen empty array, firstAtOrAfter, and
// corrupt input failing with the same CorruptRecordError reason as decodeRecordBatch.
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  Compression,
  CorruptRecordError,
  decodeBatchRows,
  decodeRecordBatch,
  encodeRecordBatch,
  NO_HEADERS,
  RowStore,
  withCompressedRecords,
  type DecodedRecord,
} from "../../src/core/index.js";
import { decodeBatchRef } from "../reference/record-batch-ref.js";
import { int, normalize, randomRecords, rng } from "./record-batch-fixtures.js";

function rowsAsRecords(batch: Uint8Array, decompress?: (id: number, data: Uint8Array) => Uint8Array): DecodedRecord[] {
  const rows = decodeBatchRows(batch, decompress ? { decompress } : {});
  const out: DecodedRecord[] = [];
  for (let i = 0; i < rows.count; i++) out.push({ offset: rows.offset(i), timestamp: rows.timestamp(i), key: rows.key(i), value: rows.value(i), headers: rows.headers(i) });
  return out;
}

describe("decodeBatchRows", () => {
  it("differential: the rows of random batches are decodeRecordBatch's records and the reference's", () => {
    for (let seed = 1; seed <= 60; seed++) {
      const r = rng(seed);
      const records = randomRecords(r, int(r, 1, 40), { gaps: seed % 3 === 0 });
      const baseOffset = BigInt(int(r, 0, 2 ** 40));
      const batch = encodeRecordBatch(records, { baseOffset });
      const rows = rowsAsRecords(batch).map((x) => normalize(x, baseOffset));
      expect(rows, `seed ${seed}`).toEqual(decodeRecordBatch(batch).records.map((x) => normalize(x, baseOffset)));
      expect(rows, `seed ${seed}`).toEqual(decodeBatchRef(batch).records.map((x) => normalize(x)));
    }
  });

  it("gzip: rows of a compressed batch alias the decompressed bytes and match the plain batch", () => {
    const r = rng(7);
    const records = randomRecords(r, 30);
    const plain = encodeRecordBatch(records, { baseOffset: 100n });
    const gz = withCompressedRecords(plain, Compression.GZIP, gzipSync(plain.subarray(61)));
    const rows = rowsAsRecords(gz, (id, data) => (expect(id).toBe(Compression.GZIP), gunzipSync(data)));
    expect(rows.map((x) => normalize(x, 100n))).toEqual(records.map((x) => normalize(x)));
  });

  it("records without headers share one frozen empty array; records with headers get their own", () => {
    const batch = encodeRecordBatch([
      { value: "a", timestamp: 1 },
      { value: "b", timestamp: 2, headers: [{ key: "k", value: "v" }] },
      { value: "c", timestamp: 3 },
    ]);
    const records = decodeRecordBatch(batch).records;
    expect(records[0]!.headers).toBe(NO_HEADERS);
    expect(records[2]!.headers).toBe(NO_HEADERS);
    expect(Object.isFrozen(NO_HEADERS)).toBe(true);
    expect(() => (records[0]!.headers as unknown[]).push({ key: "x", value: null })).toThrow(TypeError);
    expect(NO_HEADERS.length).toBe(0);
    expect(records[1]!.headers.map((h) => [h.key, new TextDecoder().decode(h.value!)])).toEqual([["k", "v"]]);
    // Decoded records are plain data: spread and JSON see every field.
    expect(Object.keys({ ...records[0]! }).sort()).toEqual(["headers", "key", "offset", "timestamp", "value"]);
  });

  it("firstAtOrAfter: the first row at or after an offset, count when none", () => {
    const batch = encodeRecordBatch(
      [0, 3, 4, 9].map((offsetDelta) => ({ value: "x", offsetDelta, timestamp: 1 })),
      { baseOffset: 50n },
    );
    const rows = decodeBatchRows(batch);
    expect([0n, 50n, 51n, 53n, 54n, 55n, 59n, 60n].map((o) => rows.firstAtOrAfter(o))).toEqual([0, 0, 1, 1, 2, 3, 3, 4]);
  });

  it("corrupt input: the same CorruptRecordError reason as decodeRecordBatch, and nothing is returned", () => {
    const reason = (f: () => unknown) => {
      try {
        f();
        return "OK";
      } catch (e) {
        if (e instanceof CorruptRecordError) return e.reason;
        throw e;
      }
    };
    const good = encodeRecordBatch([{ value: "value-1", timestamp: 1 }, { key: "k", value: null, timestamp: 2 }]);
    const cases: Uint8Array[] = [good.subarray(0, 30), good.subarray(0, good.length - 1)];
    for (const at of [17, 30, 61, 63, good.length - 3]) {
      const bad = good.slice();
      bad[at]! ^= 0x5a;
      cases.push(bad);
    }
    for (const bad of cases) {
      const expected = reason(() => decodeRecordBatch(bad));
      expect(expected).not.toBe("OK");
      expect(reason(() => decodeBatchRows(bad))).toBe(expected);
    }
    expect(decodeBatchRows(good).count).toBe(2); // the core still works
  });

  it("with a RowStore the rows survive later decodes; the allocation-free accessors read the same fields", () => {
    const store = new RowStore();
    const r = rng(11);
    const records = randomRecords(r, 25);
    const baseOffset = 2n ** 40n + 3n;
    const batch = encodeRecordBatch(records, { baseOffset });
    const rows = decodeBatchRows(batch, {}, store);
    const before = rowsAsRecords(batch);
    // The core's tables are overwritten (and may move) by the next decodes; the store's copy is not.
    for (let seed = 1; seed <= 5; seed++) decodeBatchRows(encodeRecordBatch(randomRecords(rng(seed), 200), { baseOffset: 9n }));
    const after: DecodedRecord[] = [];
    for (let i = 0; i < rows.count; i++) {
      after.push({ offset: rows.offset(i), timestamp: rows.timestamp(i), key: rows.key(i), value: rows.value(i), headers: rows.headers(i) });
      expect(rows.offsetNumber(i)).toBe(Number(rows.offset(i)));
      const key = rows.key(i);
      const value = rows.value(i);
      expect(rows.keyLength(i)).toBe(key === null ? -1 : key.length);
      expect(rows.valueLength(i)).toBe(value === null ? -1 : value.length);
      if (key) expect(rows.bytes.subarray(rows.keyStart(i), rows.keyStart(i) + key.length)).toEqual(key);
      if (value) expect(rows.bytes.subarray(rows.valueStart(i), rows.valueStart(i) + value.length)).toEqual(value);
    }
    expect(after).toEqual(before);
  });
});
