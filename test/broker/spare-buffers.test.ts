// Large batches travel to the shard in buffers the broker reuses (src/broker/router-buffers.ts): the shard
// moves a written batch's buffer back with its answer and the next large batch is copied into it, instead
// of a fresh allocation per batch (issue 14). Reuse must never show in the data: every batch reads back
// as produced, a batch the shard refuses returns nothing and spoils nothing, the spare never reaches the
// caller's result, and a batch handed to a parked reader (stored) is not reused under that reader.
import { describe, expect, it } from "vitest";
import { decodeRecordBatch } from "../../src/core/index.js";
import type { Broker } from "../../src/broker/index.js";
import { spareStats } from "../../src/broker/router-buffers.js";
import { batch, tempDataDirs } from "./helpers.js";

const env = tempDataDirs();
const text = new TextDecoder();

/** A batch of `n` records of `size` characters, each value naming its batch and index. */
function large(tag: string, n: number, size: number): Uint8Array {
  return batch(Array.from({ length: n }, (_, i) => `${tag}:${i}:`.padEnd(size, tag.slice(-1))));
}

async function values(broker: Broker, topic: string, partition: number, count: number): Promise<string[]> {
  const out: string[] = [];
  let offset = 0n;
  while (out.length < count) {
    const { records } = await broker.fetch(topic, partition, offset, { maxBytes: 4 * 1024 * 1024 });
    if (records.length === 0) break;
    for (let at = 0; at < records.length; ) {
      const size = new DataView(records.buffer, records.byteOffset + at).getInt32(8) + 12;
      for (const r of decodeRecordBatch(records.subarray(at, at + size)).records) {
        if (r.offset === offset) {
          out.push(text.decode(r.value!));
          offset++;
        }
      }
      at += size;
    }
  }
  return out;
}

describe("pooled buffers for large batches", () => {
  it("reuses buffers the shard moved back, and every batch reads back as produced", async () => {
    const broker = await env.broker();
    await broker.createTopic("big", { partitions: 2 });
    const before = { ...spareStats };
    const expected: string[][] = [[], []];
    for (let round = 0; round < 12; round++) {
      // Sizes vary (80-300 KiB) so buffers are reused for batches of other sizes, never past their end.
      await Promise.all(
        [0, 1].map(async (partition) => {
          const n = 80 + ((round * 37 + partition * 11) % 220);
          const tag = `r${round}p${partition}${"abcdefghij"[round % 10]}`;
          const result = await broker.produce("big", partition, large(tag, n, 1000));
          expect(result).not.toHaveProperty("spare");
          for (let i = 0; i < n; i++) expected[partition]!.push(`${tag}:${i}:`.padEnd(1000, tag.slice(-1)));
        }),
      );
    }
    expect(spareStats.returned - before.returned).toBeGreaterThan(10);
    expect(spareStats.reused - before.reused).toBeGreaterThan(5);
    for (const partition of [0, 1]) expect(await values(broker, "big", partition, expected[partition]!.length)).toEqual(expected[partition]);
  });

  it("a refused large batch (bad CRC) gives nothing back and spoils nothing after it", async () => {
    const broker = await env.broker();
    await broker.createTopic("refused");
    await broker.produce("refused", 0, large("a", 200, 1000));
    const bad = large("b", 200, 1000);
    bad[bad.length - 10] = bad[bad.length - 10]! ^ 0xff; // inside a record: the CRC no longer matches
    const returned = spareStats.returned;
    await expect(broker.produce("refused", 0, bad)).rejects.toMatchObject({ code: "CORRUPT_MESSAGE" });
    expect(spareStats.returned).toBe(returned);
    await broker.produce("refused", 0, large("c", 200, 1000));
    const read = await values(broker, "refused", 0, 400);
    expect(read.slice(0, 200).every((v) => v.startsWith("a:"))).toBe(true);
    expect(read.slice(200).every((v) => v.startsWith("c:"))).toBe(true);
    expect(read).toHaveLength(400);
  });

  it("a large batch served to a parked reader is not reused under it", async () => {
    const broker = await env.broker();
    await broker.createTopic("parked");
    // A reader parked at the log end takes the appended batch from the produce result (no read).
    let held: Uint8Array | undefined;
    const woke = new Promise<void>((resolve) =>
      broker.onceDataAfter("parked", 0, 0n, () => {
        held = broker.appendedAt("parked", 0, 0n)?.records;
        resolve();
      }),
    );
    await broker.produce("parked", 0, large("s", 150, 1000));
    await woke;
    if (!held) throw new Error("the parked reader was not handed the stored batch");
    const copy = held.slice();
    for (let i = 0; i < 10; i++) await broker.produce("parked", 0, large(`t${i}`, 150, 1000)); // reuse whatever was pooled
    expect(held).toEqual(copy);
    expect(text.decode(decodeRecordBatch(held).records[0]!.value!)).toBe("s:0:".padEnd(1000, "s"));
  });
});
