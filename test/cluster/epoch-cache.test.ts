// The leader-epoch cache answers OffsetForLeaderEpoch as KIP-101/279 define it, and survives a reopen.

import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EpochCache } from "../../src/cluster/epoch-cache.js";
import { parseEtcdEndpoints } from "../../src/cluster/config.js";
import { FrameReader, encodeFrame } from "../../src/cluster/wire.js";

const dir = mkdtempSync(join(tmpdir(), "rivulet-epochs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("EpochCache", () => {
  it("a write the disk refuses is KAFKA_STORAGE_ERROR, changes neither the file nor the cache, and leaves no temporary file", () => {
    const cache = EpochCache.forPartition(dir, "refused", 0);
    cache.assign(1, 0n);
    // A directory where the temporary file goes: the open fails (EISDIR), even as root.
    const file = join(dir, "__cluster", "epochs", "refused-0.json");
    mkdirSync(`${file}.tmp`);
    expect(() => cache.assign(2, 10n)).toThrow(expect.objectContaining({ code: "KAFKA_STORAGE_ERROR", kafkaCode: 56 }));
    // Not in effect either: the cache answers from what a restart would read.
    expect(cache.list()).toEqual([{ epoch: 1, startOffset: 0n }]);
    rmSync(`${file}.tmp`, { recursive: true });
    expect(new EpochCache(file).list()).toEqual([{ epoch: 1, startOffset: 0n }]);
    cache.assign(3, 20n);
    expect(new EpochCache(file).list()).toEqual([{ epoch: 1, startOffset: 0n }, { epoch: 3, startOffset: 20n }]);
    expect(readdirSync(join(dir, "__cluster", "epochs")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("answers the end offset of an epoch, the largest known epoch at or below a requested one", () => {
    const cache = EpochCache.forPartition(dir, "t", 0);
    cache.assign(0, 0n);
    cache.assign(2, 10n);
    cache.assign(5, 25n);
    cache.assign(4, 30n); // older than the latest: ignored
    expect(cache.endOffsetFor(0, 40n)).toEqual({ epoch: 0, endOffset: 10n });
    expect(cache.endOffsetFor(1, 40n)).toEqual({ epoch: 0, endOffset: 10n });
    expect(cache.endOffsetFor(3, 40n)).toEqual({ epoch: 2, endOffset: 25n });
    expect(cache.endOffsetFor(5, 40n)).toEqual({ epoch: 5, endOffset: 40n });
    expect(cache.endOffsetFor(-1, 40n)).toEqual({ epoch: -1, endOffset: -1n });
    cache.truncateFromEnd(20n);
    expect(cache.latestEpoch).toBe(2);
    const reopened = EpochCache.forPartition(dir, "t", 0);
    expect(reopened.list()).toEqual([{ epoch: 0, startOffset: 0n }, { epoch: 2, startOffset: 10n }]);
  });

  it("drops epochs that wrote nothing when a newer one starts at the same offset", () => {
    const cache = EpochCache.forPartition(dir, "t", 1);
    cache.assign(1, 5n);
    cache.assign(2, 5n);
    expect(cache.list()).toEqual([{ epoch: 2, startOffset: 5n }]);
  });
});

describe("cluster config and wire", () => {
  it("parses etcd endpoints", () => {
    expect(parseEtcdEndpoints("etcd://h1:2379,h2:2379")).toEqual(["http://h1:2379", "http://h2:2379"]);
    expect(parseEtcdEndpoints(["https://x:1"])).toEqual(["https://x:1"]);
    expect(() => parseEtcdEndpoints("etcd://")).toThrow();
  });

  it("frames headers and bodies across arbitrary chunking, and refuses oversized frames", () => {
    const frame = encodeFrame({ id: 3, offset: 12345678901234n }, new Uint8Array([1, 2, 3]));
    const reader = new FrameReader();
    const out = [...reader.push(frame.subarray(0, 5)), ...reader.push(frame.subarray(5))];
    expect(out).toHaveLength(1);
    expect(out[0]!.header).toEqual({ id: 3, offset: 12345678901234n });
    expect([...out[0]!.body]).toEqual([1, 2, 3]);
    const huge = Buffer.alloc(8);
    huge.writeUInt32BE(0xfffffff0, 0);
    expect(() => new FrameReader().push(huge)).toThrow(/refused/);
  });

  it("a string shaped like a wire bigint stays a string (a topic named 2024n never replicated)", () => {
    const header = { id: 1, topic: "2024n", group: "-5n~", other: "n7n", offset: 2024n, negative: -3n };
    const [frame] = new FrameReader().push(encodeFrame(header));
    expect(frame!.header).toEqual(header);
  });

  it("refuses a header that is not a JSON object (null once crashed the broker: its id was read off it)", () => {
    for (const json of ["null", "42", "[1]", '"id"']) {
      const text = Buffer.from(json);
      const head = Buffer.alloc(8);
      head.writeUInt32BE(4 + text.length, 0);
      head.writeUInt32BE(text.length, 4);
      expect(() => new FrameReader().push(Buffer.concat([head, text])), json).toThrow(/not a JSON object/);
    }
  });
});
