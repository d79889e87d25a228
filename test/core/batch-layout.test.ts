// The TypeScript header layout (src/core/record-batch/layout.ts) must say what the WASM core says
// (assembly/record-batch-header.ts): both are read here, field by field, and a batch encoded by the core is
// walked with the TypeScript accessors.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  BATCH_HEADER_SIZE,
  BatchField,
  batchSpans,
  baseOffsetAt,
  compressionAt,
  CRC_START,
  encodeRecordBatch,
  lastOffsetAt,
  LOG_OVERHEAD,
  maxTimestampAt,
  readBatchHeader,
  recordCountAt,
  stampBatch,
  viewOf,
  wholeBatchesEnd,
} from "../../src/core/index.js";

const assemblyHeader = readFileSync(new URL("../../assembly/record-batch-header.ts", import.meta.url), "utf8");

function assemblyConstant(name: string): number {
  const match = new RegExp(`export const ${name}: \\w+ = (\\d+);`).exec(assemblyHeader);
  if (!match?.[1]) throw new Error(`assembly/record-batch-header.ts has no constant ${name}`);
  return Number(match[1]);
}

describe("RecordBatch header layout", () => {
  it("matches the WASM core's field offsets one for one", () => {
    const fields = Object.entries(BatchField);
    expect(fields.length).toBe(13);
    for (const [name, offset] of fields) expect([name, assemblyConstant(`OFF_${name === "RECORD_COUNT" ? "COUNT" : name}`)]).toEqual([name, offset]);
    expect(assemblyConstant("HEADER_SIZE")).toBe(BATCH_HEADER_SIZE);
    expect(assemblyConstant("CRC_START")).toBe(CRC_START);
    // Every field offset in the assembly file is mirrored (no field added on one side only).
    const assemblyFields = [...assemblyHeader.matchAll(/export const OFF_(\w+): usize/g)].length;
    expect(assemblyFields).toBe(fields.length);
  });

  const batchAt = (base: bigint, n: number) => {
    const batch = encodeRecordBatch(Array.from({ length: n }, (_, i) => ({ value: `v${i}`, timestamp: 1_000 + i })));
    stampBatch(batch, base);
    return batch;
  };

  it("reads the fields the core wrote", () => {
    const batch = batchAt(40n, 3);
    const view = viewOf(batch);
    const header = readBatchHeader(batch);
    expect(baseOffsetAt(view, 0)).toBe(40n);
    expect(lastOffsetAt(view, 0)).toBe(42n);
    expect(recordCountAt(view, 0)).toBe(3);
    expect(maxTimestampAt(view, 0)).toBe(header.maxTimestamp);
    expect(compressionAt(view, 0)).toBe(0);
    expect(view.getInt32(BatchField.BATCH_LENGTH) + LOG_OVERHEAD).toBe(batch.length);
  });

  it("walks whole batches only: a torn tail, a limit and an impossible length stop the walk", () => {
    const a = batchAt(0n, 2);
    const b = batchAt(2n, 5);
    const joined = new Uint8Array(a.length + b.length);
    joined.set(a);
    joined.set(b, a.length);
    expect([...batchSpans(joined)]).toEqual([{ start: 0, size: a.length }, { start: a.length, size: b.length }]);
    expect(wholeBatchesEnd(joined)).toBe(joined.length);
    expect(wholeBatchesEnd(joined.subarray(0, joined.length - 1))).toBe(a.length);
    expect(wholeBatchesEnd(joined, 0, a.length + 10)).toBe(a.length);
    expect(wholeBatchesEnd(joined, a.length)).toBe(joined.length);
    const bad = joined.slice();
    viewOf(bad).setInt32(a.length + BatchField.BATCH_LENGTH, 3);
    expect([...batchSpans(bad)].length).toBe(1);
    expect(wholeBatchesEnd(new Uint8Array(5))).toBe(0);
  });
});
