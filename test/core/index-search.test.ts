import { describe, expect, it } from "vitest";
import { IndexBlock, offsetIndexLookup, searchOffsetIndex, searchTimeIndex, timeIndexLookup } from "../../src/core/index.js";
import { seededRandom } from "../helpers/random.js";

function offsetIndex(entries: Array<[number, number]>): Uint8Array {
  const bytes = new Uint8Array(entries.length * 8);
  const view = new DataView(bytes.buffer);
  entries.forEach(([rel, pos], i) => {
    view.setUint32(i * 8, rel);
    view.setUint32(i * 8 + 4, pos);
  });
  return bytes;
}

function timeIndex(entries: Array<[bigint, number]>): Uint8Array {
  const bytes = new Uint8Array(entries.length * 12);
  const view = new DataView(bytes.buffer);
  entries.forEach(([ts, rel], i) => {
    view.setBigInt64(i * 12, ts);
    view.setUint32(i * 12 + 8, rel);
  });
  return bytes;
}

/** The obvious linear scan, as the oracle. */
function linear<T>(keys: T[], target: T): number {
  let found = -1;
  keys.forEach((k, i) => {
    if (k <= target) found = i;
  });
  return found;
}

describe("offset index search", () => {
  it("finds the largest entry at or below the target", () => {
    const index = offsetIndex([[0, 0], [10, 4096], [25, 8200], [40, 12300]]);
    expect(searchOffsetIndex(index, 0)).toBe(0);
    expect(searchOffsetIndex(index, 9)).toBe(0);
    expect(searchOffsetIndex(index, 10)).toBe(1);
    expect(searchOffsetIndex(index, 39)).toBe(2);
    expect(searchOffsetIndex(index, 4_000_000_000)).toBe(3);
    expect(searchOffsetIndex(offsetIndex([[5, 0]]), 4)).toBe(-1);
    expect(searchOffsetIndex(new Uint8Array(0), 4)).toBe(-1);
    expect(searchOffsetIndex(index, -1)).toBe(-1);
  });

  it("agrees with a linear scan on random sorted indexes, including u32 keys above 2^31", () => {
    const random = seededRandom(3);
    for (let round = 0; round < 200; round++) {
      const n = Math.floor(random() * 300);
      const keys: number[] = [];
      let k = Math.floor(random() * 10);
      for (let i = 0; i < n; i++) keys.push((k += 1 + Math.floor(random() * 2 ** 23)));
      const bytes = offsetIndex(keys.map((key, i) => [key, i * 4096]));
      const block = new IndexBlock(8, 16);
      block.append(bytes);
      for (let t = 0; t < 20; t++) {
        const target = Math.floor(random() * (k + 20));
        expect(searchOffsetIndex(bytes, target)).toBe(linear(keys, target));
        expect(offsetIndexLookup(block, target)).toBe(linear(keys, target));
      }
      block.close();
    }
  });

  it("an IndexBlock keeps its entries across growth and truncation", () => {
    const block = new IndexBlock(8, 16);
    for (let i = 0; i < 1000; i++) block.append(offsetIndex([[i * 3, i * 100]]));
    expect(block.entries).toBe(1000);
    expect(offsetIndexLookup(block, 301)).toBe(100);
    block.truncateEntries(50);
    expect(offsetIndexLookup(block, 301)).toBe(49);
    expect(block.bytes().length).toBe(400);
    block.close();
  });
});

describe("time index search", () => {
  it("finds the largest timestamp at or below the target, with negative timestamps", () => {
    const entries: Array<[bigint, number]> = [[-5n, 0], [1_700_000_000_000n, 3], [1_700_000_000_500n, 9]];
    const bytes = timeIndex(entries);
    expect(searchTimeIndex(bytes, -6n)).toBe(-1);
    expect(searchTimeIndex(bytes, -5n)).toBe(0);
    expect(searchTimeIndex(bytes, 1_700_000_000_499n)).toBe(1);
    expect(searchTimeIndex(bytes, 2n ** 62n)).toBe(2);
    const block = new IndexBlock(12, 24);
    block.append(bytes);
    expect(timeIndexLookup(block, 1_700_000_000_000n)).toBe(1);
    block.close();
  });

  it("agrees with a linear scan on random indexes", () => {
    const random = seededRandom(11);
    for (let round = 0; round < 100; round++) {
      const n = Math.floor(random() * 200);
      const keys: bigint[] = [];
      let ts = BigInt(Math.floor(random() * 1e12));
      for (let i = 0; i < n; i++) keys.push((ts += BigInt(Math.floor(random() * 1000))));
      const bytes = timeIndex(keys.map((k, i) => [k, i]));
      for (let t = 0; t < 20; t++) {
        const target = ts - BigInt(Math.floor(random() * 1e5));
        expect(searchTimeIndex(bytes, target)).toBe(linear(keys, target));
      }
    }
  });
});
