// Corrupt input: every class gives CorruptRecordError with the right reason, the reference agrees, and the
// WASM instance keeps working afterwards (a trap would poison it).

import { describe, expect, it } from "vitest";
import {
  CorruptRecordError,
  decodeBatchRows,
  decodeRecordBatch,
  encodeRecordBatch,
  KafkaProtocolError,
  scanBatches,
  validateRecordBatch,
} from "../../src/core/index.js";
import { assembleBatchRef, decodeBatchRef, RefError } from "../reference/record-batch-ref.js";
import { int, normalize, randomRecords, recrc, rng } from "./record-batch-fixtures.js";
import { flip } from "../helpers/flip.js";

const valid = encodeRecordBatch(
  [
    { key: "key-1", value: "value-1", headers: [{ key: "h", value: "x" }], timestamp: 1000 },
    { key: null, value: "value-2", timestamp: 1001 },
    { key: "key-3", value: null, headers: [{ key: "n", value: null }], timestamp: 999 },
  ],
  { baseOffset: 10n },
);

function reasonOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof CorruptRecordError) return e.reason;
    throw e;
  }
  return "OK";
}

function refReason(batch: Uint8Array, strict = false): string {
  try {
    decodeBatchRef(batch, strict);
    return "OK";
  } catch (e) {
    if (e instanceof RefError) return e.reason;
    throw e;
  }
}

/** Checks validate (strict and not), decode and the reference all report `reason`, then that a valid batch still works. */
function expectCorrupt(batch: Uint8Array, reason: string): void {
  expect(reasonOf(() => validateRecordBatch(batch, { strict: false })), "validate").toBe(reason);
  expect(reasonOf(() => validateRecordBatch(batch)), "validate strict").toBe(reason);
  expect(reasonOf(() => decodeRecordBatch(batch)), "decode").toBe(reason);
  expect(reasonOf(() => decodeBatchRows(batch)), "decode rows").toBe(reason);
  expect(refReason(batch), "reference").toBe(reason);
  expect(validateRecordBatch(valid).recordCount).toBe(3);
  expect(decodeRecordBatch(valid).records.length).toBe(3);
}

const copy = () => valid.slice();
const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
/** Record bytes (first record's length varint onwards) wrapped in a header with a correct CRC. */
const withRecords = (records: number[], count: number, lastOffsetDelta = count - 1) =>
  assembleBatchRef(Uint8Array.from(records), count, { lastOffsetDelta }, 0, 0);

describe("corrupt batches", () => {
  it("the fixture is valid", () => {
    expectCorrupt(valid, "OK");
  });

  it("truncated at every length: TRUNCATED", () => {
    for (let n = 0; n < valid.length; n++) expectCorrupt(valid.subarray(0, n), "TRUNCATED");
  });

  it("wrong batchLength: BAD_LENGTH when short or under the header, TRUNCATED when it claims more", () => {
    for (const [len, reason] of [[valid.length - 13, "BAD_LENGTH"], [48, "BAD_LENGTH"], [-5, "BAD_LENGTH"], [valid.length - 11, "TRUNCATED"], [0x7fffffff, "TRUNCATED"]] as const) {
      const b = copy();
      view(b).setInt32(8, len);
      expectCorrupt(b, reason);
    }
    expectCorrupt(new Uint8Array([...valid, 0]), "BAD_LENGTH"); // a trailing byte
  });

  it("magic other than 2: BAD_MAGIC", () => {
    for (const magic of [0, 1, 3, 255]) {
      const b = copy();
      b[16] = magic;
      expectCorrupt(b, "BAD_MAGIC");
    }
  });

  it("a flipped bit in the CRC, the header or the records: BAD_CRC", () => {
    for (const at of [17, 18, 19, 20, 21, 30, 57, 61, 70, valid.length - 1]) {
      for (const bit of [0x01, 0x80]) {
        const b = copy();
        flip(b, at, bit);
        expectCorrupt(b, "BAD_CRC");
      }
    }
  });

  it("compression id 5..7: UNSUPPORTED_COMPRESSION", () => {
    for (const id of [5, 6, 7]) {
      const b = copy();
      b[22] = (b[22]! & ~7) | id;
      expectCorrupt(recrc(b), "UNSUPPORTED_COMPRESSION");
    }
  });

  it("count disagreeing with the records: BAD_COUNT", () => {
    for (const count of [-1, 0, 2, 4, 1000, 0x7fffffff]) {
      const b = copy();
      view(b).setInt32(57, count);
      expectCorrupt(recrc(b), "BAD_COUNT");
    }
  });

  it("offset deltas not increasing or above lastOffsetDelta: BAD_COUNT", () => {
    const rec = (od: number) => [16, 0, 0, od * 2, 2, 0x61, 2, 0x62, 0]; // length 8 (zigzag 16), key "a", value "b"
    expectCorrupt(withRecords([...rec(0), ...rec(0)], 2), "BAD_COUNT");
    expectCorrupt(withRecords([...rec(1), ...rec(0)], 2), "BAD_COUNT");
    expectCorrupt(withRecords([...rec(0), ...rec(5)], 2, 4), "BAD_COUNT");
  });

  it("a record length that overruns the batch or disagrees with the fields: BAD_RECORD", () => {
    const b = copy();
    b[61] = 0x7e; // first record's length varint: 63 bytes, past the end
    expectCorrupt(recrc(b), "BAD_RECORD");
    const body = [0, 0, 0, 1, 1, 0]; // attr, ts 0, od 0, key -1, value -1, 0 headers
    expectCorrupt(withRecords([(body.length + 1) * 2, ...body, 0], 1), "BAD_RECORD"); // one byte left over
    expectCorrupt(withRecords([(body.length - 1) * 2, ...body], 1), "BAD_RECORD"); // headers count outside
    expectCorrupt(withRecords([0, ...body], 1), "BAD_RECORD"); // length 0
    expectCorrupt(withRecords([1, ...body], 1), "BAD_RECORD"); // negative length
  });

  it("field lengths out of range: key < -1, null header key, negative header count: BAD_RECORD", () => {
    const rec = (fields: number[]) => [fields.length * 2, ...fields];
    expectCorrupt(withRecords(rec([0, 0, 0, 3, 1, 0]), 1), "BAD_RECORD"); // key length -2
    expectCorrupt(withRecords(rec([0, 0, 0, 1, 8, 0x61, 0]), 1), "BAD_RECORD"); // value length 4, one byte there
    expectCorrupt(withRecords(rec([0, 0, 0, 1, 1, 2, 1, 1]), 1), "BAD_RECORD"); // header key null
    expectCorrupt(withRecords(rec([0, 0, 0, 1, 1, 1]), 1), "BAD_RECORD"); // header count -1
    expectCorrupt(withRecords(rec([0, 0, 0, 1, 1, 2, 0, 5]), 1), "BAD_RECORD"); // header value length -3
  });

  it("over-long varints: BAD_VARINT", () => {
    const five = [0x80, 0x80, 0x80, 0x80, 0x10]; // a fifth byte above 0x0f
    const rec = (fields: number[]) => [fields.length * 2, ...fields];
    expectCorrupt(withRecords(rec([0, 0, 0, ...five, 1, 0]), 1), "BAD_VARINT"); // key length
    expectCorrupt(withRecords(rec([0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02, 0, 1, 1, 0]), 1), "BAD_VARINT"); // timestamp
    expectCorrupt(withRecords([0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0, 0, 0, 1, 1, 0], 1), "BAD_VARINT"); // record length
  });
});

describe("light fuzz", () => {
  it("2,000 random mutations: only CorruptRecordError, the reference's verdict, never a hang", () => {
    const r = rng(20260101);
    const bases = Array.from({ length: 20 }, (_, i) => encodeRecordBatch(randomRecords(rng(i + 100), 1 + (i % 7), { maxValue: 40 }), { baseOffset: BigInt(i) }));
    const verdicts: Record<string, number> = {};
    for (let i = 0; i < 2000; i++) {
      let b = bases[i % bases.length]!.slice();
      const at = int(r, 0, b.length - 1);
      switch (int(r, 0, 4)) {
        case 0: flip(b, at, 1 << int(r, 0, 7)); break;
        case 1: b[at] = int(r, 0, 255); break;
        case 2: b = b.subarray(0, at); break;
        case 3: b = Uint8Array.from([...b.subarray(0, at), int(r, 0, 255), ...b.subarray(at)]); break;
        case 4: b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1)]); break;
      }
      // Usually fix up length and CRC so the mutation reaches the record walk.
      if (b.length >= 61 && r() < 0.7) {
        view(b).setInt32(8, b.length - 12);
        recrc(b);
      }
      const expected = refReason(b);
      const reason = reasonOf(() => validateRecordBatch(b, { strict: false }));
      const compressed = expected === "COMPRESSED";
      expect(reason, `mutation ${i}`).toBe(compressed ? "OK" : expected);
      reasonOf(() => validateRecordBatch(b));
      try {
        const d = decodeRecordBatch(b);
        expect(d.records.map((x) => normalize(x, d.baseOffset))).toEqual(decodeBatchRef(b).records.map((x) => normalize(x)));
      } catch (e) {
        if (compressed && e instanceof KafkaProtocolError && e.code === "UNSUPPORTED_COMPRESSION_TYPE") continue;
        expect(e, `mutation ${i}`).toBeInstanceOf(CorruptRecordError);
        expect((e as CorruptRecordError).reason).toBe(expected);
      }
      const scan = scanBatches(b);
      expect(scan.validBytes === b.length).toBe(scan.stopReason === "OK");
      verdicts[expected] = (verdicts[expected] ?? 0) + 1;
    }
    // The mutations reach every layer, not just the CRC.
    for (const reason of ["OK", "TRUNCATED", "BAD_CRC", "BAD_RECORD", "BAD_COUNT"]) expect(verdicts[reason], reason).toBeGreaterThan(0);
    expect(validateRecordBatch(valid).recordCount).toBe(3);
  });
});
