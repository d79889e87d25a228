import { describe, expect, it } from "vitest";
import { PRODUCER_IDS_FILE, ProducerIdAllocator } from "../../src/broker/producer-ids.js";
import { InvalidArgumentError, StorageError } from "../../src/core/index.js";
import { MemoryFileSystem } from "../helpers/memory-fs.js";

const DATA = "/data";
const FILE = `${DATA}/${PRODUCER_IDS_FILE}`;

function freshFs(): MemoryFileSystem {
  const fs = new MemoryFileSystem();
  fs.mkdirp(DATA);
  fs.syncDir("/");
  return fs;
}

function take(allocator: ProducerIdAllocator, n: number): bigint[] {
  return Array.from({ length: n }, () => allocator.next().producerId);
}

function writeFile(fs: MemoryFileSystem, path: string, text: string): void {
  const bytes = new TextEncoder().encode(text);
  const h = fs.open(path, true);
  h.truncate(0);
  h.write(bytes, 0, bytes.length, 0);
  h.close();
}

describe("ProducerIdAllocator", () => {
  it("hands out increasing ids from 0 with epoch 0", () => {
    const allocator = ProducerIdAllocator.open(freshFs(), DATA, 10);
    expect(allocator.next()).toEqual({ producerId: 0n, producerEpoch: 0 });
    expect(take(allocator, 25)).toEqual(Array.from({ length: 25 }, (_, i) => BigInt(i + 1)));
  });

  it("reserves ids in blocks: one fsync per block, not per id", () => {
    const fs = freshFs();
    const allocator = ProducerIdAllocator.open(fs, DATA);
    expect(fs.syncCount).toBe(0); // opening reserves nothing
    take(allocator, 2500);
    expect(fs.syncCount).toBe(3);
    expect(allocator.reservedEnd).toBe(3000n);
    expect(JSON.parse(new TextDecoder().decode(fs.bytes(FILE)))).toEqual({ version: 1, reservedEnd: "3000" });
  });

  it("never reuses an id after a power cut", () => {
    const fs = freshFs();
    const first = ProducerIdAllocator.open(fs, DATA, 100);
    const before = take(first, 150);
    fs.powerCut();
    const second = ProducerIdAllocator.open(fs, DATA, 100);
    const after = take(second, 150);
    expect(after[0]).toBe(200n); // the rest of the reserved block is skipped
    expect(after[0]! > before.at(-1)!).toBe(true);
    fs.powerCut();
    const third = ProducerIdAllocator.open(fs, DATA, 100);
    expect(third.next().producerId).toBe(400n);
  });

  it("never reuses an id when reopened without any close", () => {
    const fs = freshFs();
    const seen = new Set<bigint>();
    for (let run = 0; run < 5; run++) {
      const allocator = ProducerIdAllocator.open(fs, DATA, 7);
      for (const id of take(allocator, 10)) {
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      }
    }
    expect(seen.size).toBe(50);
  });

  it("a power cut in the middle of a block reservation hands out nothing twice", () => {
    const fs = freshFs();
    const allocator = ProducerIdAllocator.open(fs, DATA, 10);
    const handed = take(allocator, 10);
    fs.failNext("sync", "EIO");
    expect(() => allocator.next()).toThrow(StorageError);
    fs.powerCut();
    const reopened = ProducerIdAllocator.open(fs, DATA, 10);
    expect(reopened.next().producerId).toBe(10n);
    expect(handed.at(-1)).toBe(9n);
  });

  it("a failed reservation throws StorageError, hands out nothing, and a retry continues", () => {
    const fs = freshFs();
    const allocator = ProducerIdAllocator.open(fs, DATA, 5);
    take(allocator, 5);
    fs.failNext("rename", "ENOSPC");
    const error = (() => {
      try {
        allocator.next();
      } catch (e) {
        return e;
      }
    })() as StorageError;
    expect(error).toBeInstanceOf(StorageError);
    expect(error.errno).toBe("ENOSPC");
    expect(allocator.next().producerId).toBe(5n);
  });

  it("refuses a corrupt file with a StorageError rather than risk reuse", () => {
    for (const text of ["", "{", "null", "[]", '{"version":2,"reservedEnd":"5"}', '{"version":1}', '{"version":1,"reservedEnd":5}', '{"version":1,"reservedEnd":"-5"}', '{"version":1,"reservedEnd":"1e3"}', '{"version":1,"reservedEnd":"99999999999999999999"}']) {
      const fs = freshFs();
      writeFile(fs, FILE, text);
      expect(() => ProducerIdAllocator.open(fs, DATA), text).toThrow(StorageError);
      try {
        ProducerIdAllocator.open(fs, DATA);
      } catch (e) {
        expect((e as StorageError).retriable).toBe(false);
        expect((e as Error).message).toContain("corrupt");
      }
    }
  });

  it("creates the data directory and rejects a bad block size", () => {
    const fs = new MemoryFileSystem();
    expect(ProducerIdAllocator.open(fs, "/new/dir").next().producerId).toBe(0n);
    expect(fs.exists("/new/dir/producer-ids.json")).toBe(true);
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => ProducerIdAllocator.open(fs, "/new/dir", bad)).toThrow(InvalidArgumentError);
  });
});
