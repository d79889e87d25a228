// Where the broker looks inside compressed batches (src/core/codecs.ts): ListOffsets by timestamp finds
// the exact record inside a compressed batch, and compaction compacts compressed batches, writing the
// survivors back with the batch's own codec. Batches are compressed here the way clients do it.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBroker, type Broker } from "../../src/broker/index.js";
import { compress, decompress } from "../../src/core/codecs.js";
import { crc32c, decodeRecordBatch, encodeRecordBatch, type RecordInput } from "../../src/core/index.js";
import { memoryLogger } from "../../src/log.js";

const dir = mkdtempSync(join(tmpdir(), "rivulet-compressed-"));
let broker: Broker;

/** A RecordBatch v2 whose records section is compressed with `codec`, as a producer would send it. */
async function compressedBatch(codec: number, records: RecordInput[]): Promise<Uint8Array> {
  const plain = encodeRecordBatch(records);
  const packed = await compress(codec, plain.subarray(61));
  const out = new Uint8Array(61 + packed.length);
  out.set(plain.subarray(0, 61));
  out.set(packed, 61);
  const view = new DataView(out.buffer);
  view.setInt32(8, out.length - 12);
  view.setInt16(21, view.getInt16(21) | codec);
  view.setUint32(17, crc32c(out.subarray(21)));
  return out;
}

function batchesOf(records: Uint8Array): Uint8Array[] {
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  const out: Uint8Array[] = [];
  for (let at = 0; at + 61 <= records.length; ) {
    const size = 12 + view.getInt32(at + 8);
    out.push(records.subarray(at, at + size));
    at += size;
  }
  return out;
}

beforeAll(async () => {
  broker = await createBroker({ dataDir: dir, shards: 2, logger: memoryLogger(), flushTickMs: 20 });
});
afterAll(async () => {
  await broker.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("compressed batches in storage", () => {
  for (const [codec, name] of [[1, "gzip"], [2, "snappy"], [3, "lz4"], [4, "zstd"]] as const) {
    it(`${name}: ListOffsets by timestamp finds the record inside the batch`, async () => {
      const topic = `ts-${name}`;
      await broker.createTopic(topic, { partitions: 1 });
      const t0 = 1_700_000_000_000;
      await broker.produce(topic, 0, await compressedBatch(codec, Array.from({ length: 10 }, (_, i) => ({ value: `v${i}`, timestamp: t0 + i * 100 }))));
      expect(await broker.listOffsets(topic, 0, { timestamp: t0 + 450 })).toEqual({ offset: 5n, timestamp: BigInt(t0 + 500) });
      expect(await broker.listOffsets(topic, 0, { timestamp: t0 + 2000 })).toEqual({ offset: -1n, timestamp: -1n });
    });

    it(`${name}: compaction keeps the latest value per key and re-compresses with the same codec`, async () => {
      const topic = `compact-${name}`;
      await broker.createTopic(topic, { partitions: 1, configs: { "cleanup.policy": "compact", "segment.bytes": "200" } });
      const t = Date.now();
      for (let round = 0; round < 4; round++) {
        const records = ["a", "b", "c"].map((k, i) => ({ key: `${k}${round === 3 && k !== "a" ? "-new" : ""}`, value: `${k}${round}`, timestamp: t + round * 10 + i }));
        await broker.produce(topic, 0, await compressedBatch(codec, records));
      }
      await broker.runMaintenance();
      const batches: Uint8Array[] = [];
      for (let offset = 0n; offset < 12n; ) {
        const fetched = await broker.fetch(topic, 0, offset, { maxBytes: 1 << 20 });
        const got = batchesOf(fetched.records);
        batches.push(...got);
        const last = decodeRecordBatch(got.at(-1)!, { decompress });
        offset = last.baseOffset + BigInt(last.lastOffsetDelta) + 1n;
      }
      for (const b of batches) expect(b[22]! & 0x07, "still compressed with its codec").toBe(codec);
      const records = batches.flatMap((b) => decodeRecordBatch(b, { decompress }).records);
      const pairs = records.map((r) => `${new TextDecoder().decode(r.key!)}=${new TextDecoder().decode(r.value!)}@${r.offset}`);
      // Rounds 0-2 (closed segments) keep only their latest a, b, c; round 3 sits in the active segment,
      // which is neither cleaned nor used to supersede (as Kafka's cleaner). Offsets are kept.
      expect(pairs).toEqual(["a=a2@6", "b=b2@7", "c=c2@8", "a=a3@9", "b-new=b3@10", "c-new=c3@11"]);
    });
  }

  it("a compacted topic refuses keyless records inside a compressed batch", async () => {
    await broker.createTopic("compact-keyless", { partitions: 1, configs: { "cleanup.policy": "compact" } });
    await expect(broker.produce("compact-keyless", 0, await compressedBatch(1, [{ value: "no key" }]))).rejects.toMatchObject({ code: "INVALID_RECORD" });
  });
});
