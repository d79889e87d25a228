// Cross-implementation checks against kafkajs 2.2.4's RecordBatch codec (its internals, loaded with require):
// batches either side encodes decode to the same records on the other, and the bytes are identical where
// both make the same choices.
//
// Where the two differ by design, and how the tests line them up:
// - header defaults: kafkajs writes partitionLeaderEpoch 0, producerEpoch 0, baseSequence 0; ours default
//   to -1 (Kafka's NO_* constants, what the Java producer writes). Byte-identity tests pass kafkajs's values.
// - kafkajs takes headers as an object: keys in Object.keys order (integer-like keys first), duplicates
//   only as consecutive array entries. The tests use non-numeric keys, grouped.
// - kafkajs cannot encode a null header value (its size pass calls Buffer.byteLength(null) and throws), so
//   null header values are only checked in the ours -> kafkajs direction.

import { createRequire } from "node:module";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { decodeRecordBatch, encodeRecordBatch } from "../../src/core/index.js";
import { assembleBatchRef, type RefRecord } from "../reference/record-batch-ref.js";
import { normalize, randomRecords, rng } from "./record-batch-fixtures.js";

const require = createRequire(import.meta.url);
/* eslint-disable @typescript-eslint/no-explicit-any */
const { RecordBatch } = require("kafkajs/src/protocol/recordBatch/v0/index.js") as { RecordBatch: (o: any) => Promise<{ buffer: Buffer }> };
const Record = require("kafkajs/src/protocol/recordBatch/record/v0/index.js") as (o: any) => unknown;
const decodeKafkajs = require("kafkajs/src/protocol/recordBatch/v0/decoder.js") as (d: unknown) => Promise<any>;
const Decoder = require("kafkajs/src/protocol/decoder.js") as new (b: Buffer) => unknown;
const Long = require("kafkajs/src/utils/long.js") as { fromString(s: string): unknown };
const { Types } = require("kafkajs/src/protocol/message/compression/index.js") as { Types: { None: number; GZIP: number } };

const buf = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** Records kafkajs can express: header keys non-numeric and unique per record, header values non-null. */
function kafkajsFriendly(records: RefRecord[]): RefRecord[] {
  return records.map((r) => {
    const seen = new Set<string>();
    const headers = r.headers
      .map((h, i) => ({ key: `h${i}-${h.key}`, value: h.value ?? new Uint8Array([i]) }))
      .filter((h) => !seen.has(h.key) && seen.add(h.key));
    return { ...r, headers };
  });
}

async function kafkajsEncode(records: RefRecord[], o: { baseOffset?: bigint; compression?: number; lastOffsetDelta?: number } = {}): Promise<Uint8Array> {
  const first = records[0]?.timestamp ?? Date.now();
  const encoded = await RecordBatch({
    compression: o.compression ?? Types.None,
    firstOffset: Long.fromString(String(o.baseOffset ?? 0n)),
    firstTimestamp: first,
    maxTimestamp: Math.max(first, ...records.map((r) => r.timestamp)),
    lastOffsetDelta: o.lastOffsetDelta ?? records.at(-1)?.offsetDelta ?? 0,
    records: records.map((r) =>
      Record({
        offsetDelta: r.offsetDelta,
        timestampDelta: r.timestamp - first,
        key: buf(r.key),
        value: buf(r.value),
        headers: Object.fromEntries(r.headers.map((h) => [h.key, buf(h.value)])),
      }),
    ),
  });
  return new Uint8Array(encoded.buffer);
}

/** kafkajs's decoded records in the fixtures' comparable form. */
async function kafkajsDecode(batch: Uint8Array) {
  const decoded = await decodeKafkajs(new Decoder(Buffer.from(batch)));
  const base = BigInt(decoded.firstOffset);
  return decoded.records.map((r: any) =>
    normalize(
      {
        offset: BigInt(r.offset),
        timestamp: Number(r.timestamp),
        key: r.key,
        value: r.value,
        headers: Object.entries(r.headers as Record<string, Buffer | null | (Buffer | null)[]>).flatMap(([key, v]) =>
          (Array.isArray(v) ? v : [v]).map((value) => ({ key, value })),
        ),
      },
      base,
    ),
  );
}

const kafkajsDefaults = { partitionLeaderEpoch: 0, producerEpoch: 0, baseSequence: 0 };

describe("kafkajs 2.2.4 cross-implementation", () => {
  it("same records, same choices: byte-identical batches", async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const records = kafkajsFriendly(randomRecords(rng(seed), 1 + (seed % 30), { gaps: seed % 4 === 0 }));
      const theirs = await kafkajsEncode(records, { baseOffset: BigInt(seed) });
      const ours = encodeRecordBatch(records, { ...kafkajsDefaults, baseOffset: BigInt(seed) });
      expect(Buffer.from(ours).toString("hex"), `seed ${seed}`).toBe(Buffer.from(theirs).toString("hex"));
    }
  });

  it("kafkajs-encoded batches decode to the same records in ours", async () => {
    for (let seed = 100; seed < 160; seed++) {
      const records = kafkajsFriendly(randomRecords(rng(seed), seed % 25, { gaps: seed % 3 === 0 }));
      if (records.length === 0) continue;
      const baseOffset = BigInt(seed) << 33n;
      const theirs = await kafkajsEncode(records, { baseOffset });
      const decoded = decodeRecordBatch(theirs);
      expect(decoded.baseOffset).toBe(baseOffset);
      expect(decoded.records.map((r) => normalize(r, baseOffset)), `seed ${seed}`).toEqual(records.map((r) => normalize(r)));
    }
  });

  it("our batches decode to the same records in kafkajs (null header values included)", async () => {
    for (let seed = 200; seed < 260; seed++) {
      const records = randomRecords(rng(seed), 1 + (seed % 25), { gaps: seed % 3 === 0 }).map((r, i) => ({
        ...r,
        headers: r.headers.map((h, j) => ({ key: `h${i}.${j}`, value: h.value })),
      }));
      const ours = encodeRecordBatch(records, { baseOffset: 77n });
      expect(await kafkajsDecode(ours), `seed ${seed}`).toEqual(records.map((r) => normalize(r)));
    }
  });

  it("gzip: kafkajs-compressed batches decode in ours, and ours (gzipped records section) in kafkajs", async () => {
    const records = kafkajsFriendly(randomRecords(rng(9), 40));
    const theirs = await kafkajsEncode(records, { compression: Types.GZIP, baseOffset: 5n });
    const decoded = decodeRecordBatch(theirs, { decompress: (id, data) => (expect(id).toBe(1), gunzipSync(data)) });
    expect(decoded.compression).toBe(1);
    expect(decoded.records.map((r) => normalize(r, 5n))).toEqual(records.map((r) => normalize(r)));

    const plain = encodeRecordBatch(records);
    const h = decodeRecordBatch(plain);
    const gz = assembleBatchRef(gzipSync(plain.subarray(61)), records.length, { attributes: 1 }, h.baseTimestamp, h.maxTimestamp);
    expect(await kafkajsDecode(gz)).toEqual(records.map((r) => normalize(r)));
  });

  it("large values and an empty-bytes key survive both directions", async () => {
    const records: RefRecord[] = [
      { timestamp: 1, offsetDelta: 0, key: new Uint8Array(0), value: new Uint8Array(300_000).fill(7), headers: [] },
      { timestamp: 0, offsetDelta: 1, key: null, value: new Uint8Array(0), headers: [{ key: "x", value: new Uint8Array(0) }] },
    ];
    const theirs = await kafkajsEncode(records);
    expect(decodeRecordBatch(theirs).records.map((r) => normalize(r))).toEqual(records.map((r) => normalize(r)));
    expect(await kafkajsDecode(encodeRecordBatch(records))).toEqual(records.map((r) => normalize(r)));
    expect(Buffer.compare(encodeRecordBatch(records, kafkajsDefaults), theirs)).toBe(0);
  });
});
