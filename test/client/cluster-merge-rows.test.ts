// rows() on the cluster client's multi-partition consumer (src/client/cluster-merge.ts), against stand-in
// partition readers: every partition's batches are handed out once, in order per partition; a view is never
// overwritten before the application's next step (each reader holds one view, and its next batch is read
// into the same object, as a Consumer's RowStore is); positions move as views are handed out; reading both
// ways is refused; stop, close and a failing reader end it as next() would.
import { describe, expect, it } from "vitest";
import type { ConsumedRows } from "../../src/client/chunk-rows.js";
import { ClusterPartitionsConsumer } from "../../src/client/cluster-merge.js";
import type { ClusterConsumerOptions, ClusterHandle, PartitionReader } from "../../src/client/cluster-types.js";

/** A partition of `batches` batches of `perBatch` records, read into ONE reused view, as a Consumer does. */
class FakeReader implements PartitionReader {
  readonly view = { count: 0, first: 0n, partition: -1, offset: (i: number) => this.view.first + BigInt(i) };
  steps = 0;
  closed = false;

  constructor(
    readonly partition: number,
    private readonly batches: number,
    private readonly perBatch: number,
    private readonly failAt?: number,
  ) {
    this.view.partition = partition;
  }

  next(): Promise<never> {
    return Promise.reject(new Error("records not wanted here"));
  }

  async *rows(): AsyncGenerator<ConsumedRows, void, undefined> {
    for (let b = 0; b < this.batches && !this.closed; b++) {
      await new Promise((resolve) => setImmediate(resolve));
      if (b === this.failAt) throw new Error(`partition ${this.partition} failed`);
      this.steps++;
      // The same object, overwritten: what a view handed out earlier would show if read too late.
      this.view.count = this.perBatch;
      this.view.first = BigInt(b * this.perBatch);
      yield this.view as unknown as ConsumedRows;
    }
    // A live partition has no end: wait until closed.
    while (!this.closed) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

function merged(readers: FakeReader[]) {
  const byPartition = new Map(readers.map((r) => [r.partition, r]));
  const cluster = {
    partitionReader: (o: ClusterConsumerOptions) => byPartition.get(o.partition)!,
  } as unknown as ClusterHandle;
  const positions = new Map(readers.map((r) => [r.partition, 0n]));
  return new ClusterPartitionsConsumer(cluster, { topic: "t", partitions: readers.map((r) => r.partition), positions });
}

describe("the cluster's merged consumer, read with rows()", () => {
  it("hands out every batch once, in order per partition, each view intact until the next step", async () => {
    const readers = [new FakeReader(0, 5, 10), new FakeReader(1, 3, 7), new FakeReader(2, 4, 1)];
    const consumer = merged(readers);
    const seen = new Map<number, bigint[]>();
    let steps = 0;
    for await (const rows of consumer.rows()) {
      const view = rows as unknown as FakeReader["view"];
      const first = view.first;
      // Give the other readers every chance to step on before the view is read again.
      await new Promise((resolve) => setTimeout(resolve, 2));
      expect(view.first).toBe(first);
      seen.set(view.partition, [...(seen.get(view.partition) ?? []), first]);
      expect(consumer.positions().get(view.partition)).toBe(first + BigInt(view.count));
      if (++steps === 12) break;
    }
    expect(seen.get(0)).toEqual([0n, 10n, 20n, 30n, 40n]);
    expect(seen.get(1)).toEqual([0n, 7n, 14n]);
    expect(seen.get(2)).toEqual([0n, 1n, 2n, 3n]);
    // No reader ran ahead of what was handed out by more than the one view it holds.
    for (const r of readers) expect(r.steps).toBeLessThanOrEqual(seen.get(r.partition)!.length + 1);
    await consumer.close();
    expect(readers.every((r) => r.closed)).toBe(true);
  });

  it("refuses to be read both ways", async () => {
    const consumer = merged([new FakeReader(0, 2, 1)]);
    const rows = consumer.rows();
    await rows.next();
    await expect(consumer.next()).rejects.toThrow(/read with rows\(\)/);
    await consumer.close();
    expect((await rows.next()).done).toBe(true);
  });

  it("ends on stop() and throws a reader's failure", async () => {
    const stopping = merged([new FakeReader(0, 10, 1)]);
    let n = 0;
    for await (const _ of stopping.rows()) if (++n === 3) stopping.stop();
    expect(n).toBe(3);
    await stopping.close();

    const failing = merged([new FakeReader(0, 10, 1, 2), new FakeReader(1, 1, 1)]);
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const rows of failing.rows()) got.push((rows as unknown as FakeReader["view"]).partition);
      })(),
    ).rejects.toThrow("partition 0 failed");
    expect(got.length).toBeGreaterThanOrEqual(2);
    await failing.close();
  });
});
