// Fetch responses carry stored record batches. They go out as given, without being copied into one
// buffer: the stored chunks appear by identity among the frame's parts. kafkajs 2.2.4 (which parses
// the batches) reads every version we serve, across batches split over several chunks.

import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { ApiKey, Reader, concat, decodeResponseFrame, encodeResponseFrame, type FetchResponse } from "../../../src/protocol/kafka/index.js";
import { toHex } from "./fixtures.js";
import { kafkajs, kafkajsDecode } from "./kafkajs.js";

const require = createRequire(import.meta.url);
const Long = require("kafkajs/src/utils/long.js") as { fromString(s: string): unknown };
const T0 = 1_700_000_000_000;

async function batch(baseOffset: bigint, count: number, valueSize: number): Promise<Uint8Array> {
  const encoded = await kafkajs.RecordBatch({
    compression: 0,
    firstOffset: Long.fromString(String(baseOffset)),
    firstTimestamp: T0,
    maxTimestamp: T0 + count,
    lastOffsetDelta: count - 1,
    records: Array.from({ length: count }, (_, i) =>
      kafkajs.Record({ offsetDelta: i, timestampDelta: i, key: Buffer.from(`k${baseOffset + BigInt(i)}`), value: Buffer.alloc(valueSize, 97 + i), headers: {} }),
    ),
  });
  return new Uint8Array(encoded.buffer);
}

async function response(): Promise<{ res: FetchResponse; chunks: Uint8Array[] }> {
  const chunks = [await batch(100n, 2, 700), await batch(102n, 3, 500), await batch(7n, 1, 10)];
  const res: FetchResponse = {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: [
      {
        topic: "orders",
        partitions: [
          // Two stored batches read from the log as separate chunks.
          { partitionIndex: 0, errorCode: 0, highWatermark: 105n, lastStableOffset: 105n, logStartOffset: 0n, records: [chunks[0]!, chunks[1]!] },
          { partitionIndex: 1, errorCode: 0, highWatermark: 8n, lastStableOffset: 8n, logStartOffset: 7n, abortedTransactions: [], records: chunks[2]! },
          { partitionIndex: 2, errorCode: 1, highWatermark: 0n, records: null },
        ],
      },
    ],
  };
  return { res, chunks };
}

describe("Fetch response records", () => {
  it("large stored batches are referenced, not copied, and the size prefix counts them", async () => {
    const { res, chunks } = await response();
    const parts = encodeResponseFrame(ApiKey.Fetch, 11, 9, res);
    expect(parts).toContain(chunks[0]);
    expect(parts).toContain(chunks[1]);
    expect(parts).not.toContain(chunks[2]); // under 1 KiB: cheaper to copy than to send as a part
    const total = parts.reduce((n, p) => n + p.length, 0);
    expect(new DataView(parts[0]!.buffer, parts[0]!.byteOffset).getInt32(0)).toBe(total - 4);
  });

  it("our decoder reads the chunks back as one contiguous records field", async () => {
    const { res, chunks } = await response();
    const frame = concat(encodeResponseFrame(ApiKey.Fetch, 11, 9, res));
    const { correlationId, response: back } = decodeResponseFrame(ApiKey.Fetch, 11, frame.subarray(4));
    expect(correlationId).toBe(9);
    const [p0, p1, p2] = back.responses[0]!.partitions;
    expect([...(p0!.records as Uint8Array)]).toEqual([...concat([chunks[0]!, chunks[1]!])]);
    expect([...(p1!.records as Uint8Array)]).toEqual([...chunks[2]!]);
    // A partition error is sent with empty records, never null (Kafka sends MemoryRecords.EMPTY).
    expect(p2).toMatchObject({ errorCode: 1, lastStableOffset: -1n, abortedTransactions: null, preferredReadReplica: -1 });
    expect(p2!.records).toEqual(new Uint8Array(0));
  });

  for (const v of [4, 5, 6, 7, 8, 9, 10, 11]) {
    it(`kafkajs reads v${v}, batches and all`, async () => {
      const { res } = await response();
      const frame = concat(encodeResponseFrame(ApiKey.Fetch, v, 9, res));
      const body = frame.subarray(8);
      const { decoded, consumed } = await kafkajsDecode("fetch", v, body);
      expect(consumed).toBe(body.length);
      const [p0, p1, p2] = decoded.responses[0].partitions;
      expect(decoded.responses[0].topicName).toBe("orders");
      expect(p0.messages.map((m: { offset: string }) => m.offset)).toEqual(["100", "101", "102", "103", "104"]);
      expect(p0.messages.map((m: { key: Buffer }) => m.key.toString())).toEqual(["k100", "k101", "k102", "k103", "k104"]);
      expect(p0.messages[4].value.length).toBe(500);
      expect(p0.highWatermark).toBe("105");
      expect(p1.messages.map((m: { offset: string }) => m.offset)).toEqual(["7"]);
      expect(p2).toMatchObject({ partition: 2, errorCode: 1, messages: [] });
      if (v >= 5) expect(p1.lastStartOffset).toBe("7");
      if (v >= 11) expect(p0.preferredReadReplica).toBe(-1);
      if (v >= 7) expect(decoded).toMatchObject({ errorCode: 0, sessionId: 0 });
    });
  }
});

describe("Fetch response: the hand-written writer and the schema agree", () => {
  it("gives the schema's bytes at every version, and falls back to the schema for tagged values", async () => {
    const { fetch: codec, Writer: W } = await import("../../../src/protocol/kafka/index.js");
    const { samples, latestSamples } = await import("./samples.js");
    const bytesOf = (fn: (w: InstanceType<typeof W>) => void) => {
      const w = new W();
      fn(w);
      return toHex(w.toBytes());
    };
    const variants = [samples[1].response, latestSamples[1]!.response, { responses: [{ topic: "t", topicId: new Uint8Array(16).fill(3), partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 5n, records: new Uint8Array(2000).fill(7) }] }] }];
    for (let v = 4; v <= 17; v++) {
      for (const res of variants) {
        const copy = structuredClone(res);
        expect(bytesOf((w) => codec.encodeResponse(w, v, copy)), `v${v}`).toBe(bytesOf((w) => codec.encodeResponseBySchema(w, v, structuredClone(copy))));
      }
    }
    const tagged = { responses: [{ topic: "t", partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 5n, records: new Uint8Array(0), currentLeader: { leaderId: 1, leaderEpoch: 2 } }] }] };
    const out = bytesOf((w) => codec.encodeResponse(w, 12, tagged));
    expect(out).toBe(bytesOf((w) => codec.encodeResponseBySchema(w, 12, tagged)));
    expect((codec.decodeResponse(new Reader(Uint8Array.from(Buffer.from(out, "hex"))), 12).responses[0]!.partitions[0] as { currentLeader?: unknown }).currentLeader).toEqual({ leaderId: 1, leaderEpoch: 2 });
  });
});
