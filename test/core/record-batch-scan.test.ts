import { describe, expect, it } from "vitest";
import { encodeRecordBatch, scanBatches, stampBatch, Status } from "../../src/core/index.js";
import { assembleBatchRef } from "../reference/record-batch-ref.js";
import { flip } from "../helpers/flip.js";

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A log: batches of 1..5 records stamped with consecutive offsets, as the broker would append them. */
function log(batches: number, valueSize = 10): { bytes: Uint8Array; parts: Uint8Array[] } {
  const parts: Uint8Array[] = [];
  let next = 0n;
  for (let i = 0; i < batches; i++) {
    const n = 1 + (i % 5);
    const b = encodeRecordBatch(Array.from({ length: n }, (_, j) => ({ value: new Uint8Array(valueSize).fill(j), timestamp: 1000 + i * 10 + j })));
    stampBatch(b, next, i % 3);
    next += BigInt(n);
    parts.push(b);
  }
  return { bytes: concat(parts), parts };
}

describe("scanBatches", () => {
  it("reports every batch of a clean log and stops OK at its end", () => {
    const { bytes, parts } = log(12);
    const scan = scanBatches(bytes);
    expect(scan.stopStatus).toBe(Status.OK);
    expect(scan.stopReason).toBe("OK");
    expect(scan.validBytes).toBe(bytes.length);
    let position = 0;
    let offset = 0n;
    expect(scan.batches.length).toBe(12);
    scan.batches.forEach((b, i) => {
      const n = 1 + (i % 5);
      expect(b).toEqual({
        position, size: parts[i]!.length, baseOffset: offset, lastOffset: offset + BigInt(n - 1),
        maxTimestamp: 1000 + i * 10 + n - 1, recordCount: n, attributes: 0, partitionLeaderEpoch: i % 3,
      });
      position += parts[i]!.length;
      offset += BigInt(n);
    });
  });

  it("an empty input is a clean end", () => {
    expect(scanBatches(new Uint8Array(0))).toEqual({ batches: [], validBytes: 0, stopStatus: Status.OK, stopReason: "OK" });
  });

  it("a torn last batch, cut anywhere: TRUNCATED at its start", () => {
    const { bytes, parts } = log(4);
    const lastStart = bytes.length - parts[3]!.length;
    for (let cut = lastStart + 1; cut < bytes.length; cut++) {
      const scan = scanBatches(bytes.subarray(0, cut));
      expect(scan.stopReason, `cut at ${cut}`).toBe("TRUNCATED");
      expect(scan.validBytes).toBe(lastStart);
      expect(scan.batches.length).toBe(3);
    }
  });

  it("a corrupt middle batch stops the scan there (BAD_CRC), unless the CRC is not checked", () => {
    const { bytes, parts } = log(5);
    const start = parts[0]!.length + parts[1]!.length;
    const bad = bytes.slice();
    flip(bad, start + 70, 0x10);
    const scan = scanBatches(bad);
    expect([scan.stopReason, scan.validBytes, scan.batches.length]).toEqual(["BAD_CRC", start, 2]);
    expect(scanBatches(bad, { verifyCrc: false }).batches.length).toBe(5);
  });

  it("zeroed (preallocated) or garbage tails stop with BAD_LENGTH / BAD_MAGIC", () => {
    const { bytes } = log(3);
    const zeros = scanBatches(concat([bytes, new Uint8Array(100)]));
    expect([zeros.stopReason, zeros.validBytes, zeros.batches.length]).toEqual(["BAD_LENGTH", bytes.length, 3]);
    const other = log(1).bytes.slice();
    other[16] = 1;
    expect(scanBatches(concat([bytes, other])).stopReason).toBe("BAD_MAGIC");
  });

  it("a batch length claiming more than the input holds is TRUNCATED, not an allocation", () => {
    const { bytes } = log(2);
    const tail = new Uint8Array(64);
    new DataView(tail.buffer).setInt32(8, 0x7fffff00);
    const scan = scanBatches(concat([bytes, tail]));
    expect([scan.stopReason, scan.validBytes]).toEqual(["TRUNCATED", bytes.length]);
  });

  it("reports compressed batches by their header (records are not decoded)", () => {
    const gz = assembleBatchRef(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 3, { attributes: 1, baseOffset: 9n }, 5, 6);
    const [b] = scanBatches(gz).batches;
    expect([b!.attributes, b!.recordCount, b!.baseOffset, b!.lastOffset]).toEqual([1, 3, 9n, 11n]);
  });

  it("more batches than one call's entry slots: continues across calls", () => {
    const { bytes } = log(20_000, 1);
    const scan = scanBatches(bytes);
    expect([scan.stopReason, scan.batches.length, scan.validBytes]).toEqual(["OK", 20_000, bytes.length]);
    expect(scan.batches.at(-1)!.lastOffset).toBe(59_999n);
  });

  it("inputs over one 8 MiB window: batches straddling windows and a batch larger than a window", () => {
    const { bytes: many, parts } = log(100, 100_000); // ~ 30 MiB of 100 KB..500 KB batches
    const huge = encodeRecordBatch([{ value: new Uint8Array(9 << 20), timestamp: 1 }]);
    const all = concat([many, huge, many]);
    const scan = scanBatches(all);
    expect([scan.stopReason, scan.batches.length, scan.validBytes]).toEqual(["OK", 201, all.length]);
    expect(scan.batches[100]!.size).toBe(huge.length);
    expect(scan.batches[150]!.position).toBe(many.length + huge.length + parts.slice(0, 49).reduce((n, p) => n + p.length, 0));
    const torn = scanBatches(all.subarray(0, many.length + huge.length - 1));
    expect([torn.stopReason, torn.validBytes, torn.batches.length]).toEqual(["TRUNCATED", many.length, 100]);
  });
});
