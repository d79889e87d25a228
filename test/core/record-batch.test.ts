import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  Attributes,
  CorruptRecordError,
  decodeRecordBatch,
  encodeRecordBatch,
  InvalidArgumentError,
  KafkaProtocolError,
  readBatchHeader,
  stampBatch,
  validateRecordBatch,
  type RecordInput,
} from "../../src/core/index.js";
import { assembleBatchRef, crc32cRef, decodeBatchRef, encodeBatchRef, encodeRecordRef } from "../reference/record-batch-ref.js";
import { normalize, randomRecords, rng } from "./record-batch-fixtures.js";
import { flip } from "../helpers/flip.js";

const te = new TextEncoder();
const td = new TextDecoder();

function roundTrip(records: RecordInput[], options?: Parameters<typeof encodeRecordBatch>[1]) {
  const batch = encodeRecordBatch(records, options);
  validateRecordBatch(batch, { strict: false });
  return { batch, decoded: decodeRecordBatch(batch) };
}

describe("encodeRecordBatch / decodeRecordBatch round trips", () => {
  it("keys and values: null, empty, binary, strings", () => {
    const bin = Uint8Array.from({ length: 256 }, (_, i) => i);
    const { decoded } = roundTrip([
      { key: null, value: null, timestamp: 5 },
      { key: new Uint8Array(0), value: new Uint8Array(0), timestamp: 5 },
      { key: bin, value: bin.subarray(7, 9), timestamp: 5 },
      { key: "k", value: "héllo → 😀", timestamp: 5 },
      { value: "x".repeat(40) + "é", timestamp: 5 }, // long string: the encodeInto path
      { timestamp: 5 }, // key and value omitted: null
    ]);
    const r = decoded.records;
    expect(r.map((x) => [x.key, x.value].map((b) => (b === null ? null : b.length)))).toEqual([
      [null, null], [0, 0], [256, 2], [1, 15], [null, 42], [null, null],
    ]);
    expect([...r[2]!.key!]).toEqual([...bin]);
    expect([...r[2]!.value!]).toEqual([7, 8]);
    expect(td.decode(r[3]!.value!)).toBe("héllo → 😀");
    expect(td.decode(r[4]!.value!)).toBe("x".repeat(40) + "é");
  });

  it("headers: null and string values, duplicate, empty and non-ASCII keys", () => {
    const headers = [
      { key: "trace", value: "abc" },
      { key: "trace", value: te.encode("second") },
      { key: "", value: null },
      { key: "clé-→-😀", value: new Uint8Array([0, 255]) },
      { key: "k".repeat(100), value: new Uint8Array(0) },
    ];
    const { decoded } = roundTrip([{ value: "v", headers, timestamp: 1 }, { value: "w", timestamp: 1 }]);
    const got = decoded.records[0]!.headers.map((h) => ({ key: h.key, value: h.value === null ? null : [...h.value] }));
    expect(got).toEqual([
      { key: "trace", value: [...te.encode("abc")] },
      { key: "trace", value: [...te.encode("second")] },
      { key: "", value: null },
      { key: "clé-→-😀", value: [0, 255] },
      { key: "k".repeat(100), value: [] },
    ]);
    expect(decoded.records[1]!.headers).toEqual([]);
  });

  it("header keys repeated across records (the decoder's key reuse) still decode per record", () => {
    const keys = [["ab", "x"], ["ac", "x"], ["ab", "y"], ["ab"], ["é", "ab", "x"], ["ab", "x"]];
    const { decoded } = roundTrip(keys.map((ks) => ({ headers: ks.map((key) => ({ key, value: null })), timestamp: 1 })));
    expect(decoded.records.map((r) => r.headers.map((h) => h.key))).toEqual(keys);
  });

  it("timestamps: base is the first record's, deltas may be negative, max is the largest", () => {
    const { decoded } = roundTrip([{ timestamp: 1000 }, { timestamp: 400 }, { timestamp: 2 ** 45 }, { timestamp: -1 }]);
    expect(decoded.baseTimestamp).toBe(1000);
    expect(decoded.maxTimestamp).toBe(2 ** 45);
    expect(decoded.records.map((r) => r.timestamp)).toEqual([1000, 400, 2 ** 45, -1]);
  });

  it("a missing timestamp is Date.now(), read once per batch", () => {
    const before = Date.now();
    const { decoded } = roundTrip([{ value: "a" }, { value: "b" }]);
    const ts = decoded.records.map((r) => r.timestamp);
    expect(ts[0]).toBe(ts[1]);
    expect(ts[0]).toBeGreaterThanOrEqual(before);
    expect(ts[0]).toBeLessThanOrEqual(Date.now());
  });

  it("large values (~1 MiB) round-trip and alias the input batch", () => {
    const big = Uint8Array.from({ length: (1 << 20) + 3 }, (_, i) => (i * 31) & 0xff);
    const { batch, decoded } = roundTrip([{ key: "big", value: big, timestamp: 9 }, { value: big.subarray(0, 10), timestamp: 9 }]);
    const value = decoded.records[0]!.value!;
    expect(value.length).toBe(big.length);
    expect(Buffer.compare(value, big)).toBe(0);
    expect(value.buffer).toBe(batch.buffer); // zero copy
  });

  it.each([0, 1, 2, 7, 1000])("%i records: absolute offsets from baseOffset + offsetDelta", (n) => {
    const records = Array.from({ length: n }, (_, i) => ({ value: `v${i}`, timestamp: 100 + i }));
    const options = n === 0 ? { baseOffset: 42n, lastOffsetDelta: 3 } : { baseOffset: 42n };
    const { decoded } = roundTrip(records, options);
    expect(decoded.recordCount).toBe(n);
    expect(decoded.lastOffsetDelta).toBe(n === 0 ? 3 : n - 1);
    expect(decoded.records.map((r) => r.offset)).toEqual(records.map((_, i) => 42n + BigInt(i)));
    expect(decoded.records.map((r) => td.decode(r.value!))).toEqual(records.map((r) => r.value));
    if (n === 0) expect([decoded.baseTimestamp, decoded.maxTimestamp]).toEqual([-1, -1]);
  });

  it("explicit offset deltas with gaps (a compacted batch) keep lastOffsetDelta", () => {
    const { decoded } = roundTrip(
      [{ offsetDelta: 3, timestamp: 1 }, { offsetDelta: 10, timestamp: 2 }],
      { baseOffset: 100n, lastOffsetDelta: 20 },
    );
    expect(decoded.records.map((r) => r.offset)).toEqual([103n, 110n]);
    expect(decoded.lastOffsetDelta).toBe(20);
  });

  it("differential: random batches encode to the reference's bytes and decode to its records", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = rng(seed);
      const records = randomRecords(r, Math.floor(r() * 40), { gaps: seed % 3 === 0 });
      const options = { baseOffset: BigInt(seed) * 1_000_003n, lastOffsetDelta: (records.at(-1)?.offsetDelta ?? 0) + (seed % 2), partitionLeaderEpoch: seed };
      const ours = encodeRecordBatch(records, options);
      const ref = encodeBatchRef(records, options);
      expect(Buffer.from(ours).toString("hex"), `seed ${seed}`).toBe(Buffer.from(ref).toString("hex"));
      const decoded = decodeRecordBatch(ref);
      expect(decoded.records.map((x) => normalize(x, options.baseOffset)), `seed ${seed}`).toEqual(
        decodeBatchRef(ours).records.map((x) => normalize(x)),
      );
    }
  });
});

describe("batch header", () => {
  it("encodes every option and reads it back", () => {
    const attributes = Attributes.TRANSACTIONAL;
    const batch = encodeRecordBatch([{ value: "a", timestamp: 7 }, { value: "b", timestamp: 9 }], {
      baseOffset: 2n ** 40n, producerId: 123456789012n, producerEpoch: 7, baseSequence: 99, partitionLeaderEpoch: 5, attributes,
    });
    const h = readBatchHeader(batch);
    expect(h).toEqual({
      baseOffset: 2n ** 40n, batchLength: batch.length - 12, partitionLeaderEpoch: 5, magic: 2,
      crc: crc32cRef(batch.subarray(21)), attributes, compression: 0, timestampType: 0, isTransactional: true,
      isControl: false, lastOffsetDelta: 1, baseTimestamp: 7, maxTimestamp: 9, producerId: 123456789012n,
      producerEpoch: 7, baseSequence: 99, recordCount: 2,
    });
    expect(validateRecordBatch(batch)).toEqual(h);
  });

  it("defaults: baseOffset 0, producer id/epoch/sequence -1, leader epoch -1", () => {
    const h = readBatchHeader(encodeRecordBatch([{ value: "a" }]));
    expect([h.baseOffset, h.producerId, h.producerEpoch, h.baseSequence, h.partitionLeaderEpoch]).toEqual([0n, -1n, -1, -1, -1]);
  });

  it("LogAppendTime: every record reports maxTimestamp, as Kafka does", () => {
    const batch = encodeRecordBatch([{ timestamp: 5 }, { timestamp: 50 }], { attributes: Attributes.TIMESTAMP_TYPE });
    const d = decodeRecordBatch(batch);
    expect(d.timestampType).toBe(1);
    expect(d.records.map((r) => r.timestamp)).toEqual([50, 50]);
  });

  it("control bit is reported", () => {
    expect(readBatchHeader(encodeRecordBatch([{ key: new Uint8Array([0, 0, 0, 1]) }], { attributes: Attributes.CONTROL })).isControl).toBe(true);
  });

  it("readBatchHeader throws CorruptRecordError TRUNCATED under 61 bytes", () => {
    const e = (() => { try { readBatchHeader(new Uint8Array(60)); } catch (x) { return x; } })();
    expect(e).toBeInstanceOf(CorruptRecordError);
    expect((e as CorruptRecordError).reason).toBe("TRUNCATED");
  });
});

describe("stampBatch", () => {
  it("changes only bytes 0..7 and 12..15 and keeps the CRC valid", () => {
    const batch = encodeRecordBatch([{ key: "k", value: "v", timestamp: 1 }, { value: "w", timestamp: 2 }]);
    const before = batch.slice();
    stampBatch(batch, 0x0123456789abcdefn, 0x7eadbeef);
    const changed = [...batch.keys()].filter((i) => batch[i] !== before[i]);
    expect(changed.every((i) => i < 8 || (i >= 12 && i < 16))).toBe(true);
    expect(changed.length).toBeGreaterThan(8);
    const h = validateRecordBatch(batch);
    expect([h.baseOffset, h.partitionLeaderEpoch]).toEqual([0x0123456789abcdefn, 0x7eadbeef]);
    expect(decodeRecordBatch(batch).records.map((r) => r.offset)).toEqual([0x0123456789abcdefn, 0x0123456789abcdf0n]);
  });

  it("without a leader epoch leaves bytes 12..15 alone; rejects out-of-range arguments", () => {
    const batch = encodeRecordBatch([{ value: "v" }], { partitionLeaderEpoch: 3 });
    stampBatch(batch, 77n);
    expect(readBatchHeader(batch).partitionLeaderEpoch).toBe(3);
    expect(() => stampBatch(batch, -1n)).toThrow(InvalidArgumentError);
    expect(() => stampBatch(batch, 2n ** 63n)).toThrow(InvalidArgumentError);
    expect(() => stampBatch(batch, 1n, 1.5)).toThrow(InvalidArgumentError);
    expect(() => stampBatch(batch.subarray(0, 20), 1n)).toThrow(CorruptRecordError);
  });
});

describe("validateRecordBatch strictness", () => {
  const gapped = () => encodeRecordBatch([{ offsetDelta: 0, timestamp: 1 }, { offsetDelta: 2, timestamp: 1 }], { lastOffsetDelta: 2 });

  it("strict (producer rules) rejects gaps and a short lastOffsetDelta; non-strict accepts compacted shapes", () => {
    expect(() => validateRecordBatch(gapped())).toThrow(expect.objectContaining({ reason: "BAD_COUNT" }));
    expect(validateRecordBatch(gapped(), { strict: false }).recordCount).toBe(2);
    const empty = encodeRecordBatch([], { lastOffsetDelta: 4 });
    expect(() => validateRecordBatch(empty)).toThrow(expect.objectContaining({ reason: "BAD_COUNT" }));
    expect(validateRecordBatch(empty, { strict: false }).recordCount).toBe(0);
    const longTail = encodeRecordBatch([{ timestamp: 1 }], { lastOffsetDelta: 5 });
    expect(() => validateRecordBatch(longTail)).toThrow(expect.objectContaining({ reason: "BAD_COUNT" }));
  });
});

describe("encodeRecordBatch argument checks", () => {
  it.each([
    ["compression bits", [{ value: "a" }], { attributes: 1 }],
    ["empty without lastOffsetDelta", [], {}],
    ["offsetDelta not increasing", [{ offsetDelta: 1 }, { offsetDelta: 1 }], {}],
    ["negative offsetDelta", [{ offsetDelta: -1 }], {}],
    ["lastOffsetDelta below the last record's", [{}, {}], { lastOffsetDelta: 0 }],
    ["fractional timestamp", [{ timestamp: 1.5 }], {}],
    ["producerEpoch out of int16", [{}], { producerEpoch: 40000 }],
    ["baseOffset not an int64", [{}], { baseOffset: 2n ** 64n }],
  ] as [string, RecordInput[], object][])("%s: InvalidArgumentError", (_, records, options) => {
    expect(() => encodeRecordBatch(records, options)).toThrow(InvalidArgumentError);
  });
});

describe("compressed batches", () => {
  const records = randomRecords(rng(7), 25);
  const plain = Uint8Array.from(records.flatMap((r) => encodeRecordRef(r, records[0]!.timestamp)));
  const gzip = assembleBatchRef(gzipSync(plain), records.length, { attributes: 1, baseOffset: 500n }, records[0]!.timestamp, Math.max(...records.map((r) => r.timestamp)));

  it("validate checks header and CRC only", () => {
    expect(validateRecordBatch(gzip).compression).toBe(1);
  });

  it("decode without a decompress option: KafkaProtocolError UNSUPPORTED_COMPRESSION_TYPE", () => {
    expect(() => decodeRecordBatch(gzip)).toThrow(KafkaProtocolError);
    expect(() => decodeRecordBatch(gzip)).toThrow(expect.objectContaining({ code: "UNSUPPORTED_COMPRESSION_TYPE", kafkaCode: 76 }));
  });

  it("decode with one: records come from the decompressed buffer and alias it", () => {
    let inflated: Uint8Array | undefined;
    const d = decodeRecordBatch(gzip, { decompress: (id, data) => { expect(id).toBe(1); return (inflated = gunzipSync(data)); } });
    expect(d.records.map((r) => normalize(r, 500n))).toEqual(records.map((r) => normalize(r)));
    const withValue = d.records.find((r) => r.value !== null && r.value.length > 0)!;
    expect(withValue.value!.buffer).toBe(inflated!.buffer);
  });

  it("a decompressed section that disagrees with the count is corrupt", () => {
    const e = (() => { try { decodeRecordBatch(gzip, { decompress: () => plain.subarray(0, plain.length - 1) }); } catch (x) { return x; } })();
    expect(e).toBeInstanceOf(CorruptRecordError);
  });
});

describe("decode options and limits", () => {
  it("verify: false skips only the CRC", () => {
    const batch = encodeRecordBatch([{ value: "abc", timestamp: 1 }]);
    flip(batch, batch.length - 2, 1); // the value's last byte (the headers count follows): structure intact, CRC wrong
    expect(() => decodeRecordBatch(batch)).toThrow(expect.objectContaining({ reason: "BAD_CRC" }));
    expect(decodeRecordBatch(batch, { verify: false }).records.length).toBe(1);
  });

  it("a record with thousands of headers grows the header table and retries", () => {
    const headers = Array.from({ length: 5000 }, (_, i) => ({ key: `h${i}`, value: i % 2 ? null : `v${i}` }));
    const d = decodeRecordBatch(encodeRecordBatch([{ value: "x", headers, timestamp: 1 }, { headers: headers.slice(0, 3), timestamp: 1 }]));
    expect(d.records[0]!.headers.length).toBe(5000);
    expect(d.records[0]!.headers[4999]).toEqual({ key: "h4999", value: null });
    expect(td.decode(d.records[0]!.headers[4998]!.value!)).toBe("v4998");
    expect(d.records[1]!.headers.map((h) => h.key)).toEqual(["h0", "h1", "h2"]);
  });
});
