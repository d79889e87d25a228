// Sends per-partition work to the owning shards: a request touching many partitions is split into one task
// per shard, the tasks run concurrently, and the outcomes are put back in the request's order. Errors come
// back as data and are rebuilt into typed errors here.

import { errorFromData } from "../errors/wire.js";
import type { RivuletError } from "../errors/index.js";
import type { Outcome, ShardResults, ShardTask } from "../shard/protocol.js";
import { shardFor, splitByShard } from "./partition-table.js";
import type { ShardPool } from "./shard-pool.js";

export type Result<T> = { ok: T; error?: undefined } | { ok?: undefined; error: RivuletError };

type ItemOp = "produce" | "fetch" | "listOffsets" | "deleteRecords" | "describeProducers" | "open" | "delete" | "status" | "reconfigure" | "writeMarkers" | "replicate" | "truncate" | "committed";
type OkOf<K extends ItemOp> = ShardResults[K] extends Outcome<infer T>[] ? T : never;
type Item = { topic: string; partition: number };

export class ShardRouter {
  constructor(readonly shards: readonly ShardPool[]) {}

  shardOf(topic: string, partition: number): ShardPool {
    return this.shards[shardFor(topic, partition, this.shards.length)]!;
  }

  /**
   * Runs `op` over items that each name a partition. `transfer(item)` lists buffers to move (not copy) to
   * the worker with that item.
   */
  async run<K extends ItemOp, I extends Item>(
    op: K,
    items: readonly I[],
    transfer?: (item: I) => ArrayBuffer | undefined,
  ): Promise<Result<OkOf<K>>[]> {
    const out = new Array<Result<OkOf<K>>>(items.length);
    const field = op === "produce" || op === "fetch" || op === "listOffsets" || op === "deleteRecords" || op === "writeMarkers" || op === "replicate" || op === "truncate" || op === "committed" ? "items" : "partitions";
    const only = this.onlyShard(items);
    if (only !== undefined) {
      // Every item on one shard (a single-partition produce or read, the hot case): one task, no regrouping.
      const transferList: ArrayBuffer[] = [];
      if (transfer) for (const item of items) {
        const buffer = transfer(item);
        if (buffer) transferList.push(buffer);
      }
      const task = { op, [field]: items } as unknown as Extract<ShardTask, { op: K }>;
      const outcomes = (await this.shards[only]!.run(task, transferList)) as unknown as Outcome<OkOf<K>>[];
      for (let i = 0; i < outcomes.length; i++) {
        const outcome = outcomes[i]!;
        out[i] = "ok" in outcome ? { ok: outcome.ok } : { error: errorFromData(outcome.error) };
      }
      return out;
    }
    await Promise.all(
      [...splitByShard(items, this.shards.length)].map(async ([index, group]) => {
        const transferList: ArrayBuffer[] = [];
        if (transfer) for (const item of group.items) {
          const buffer = transfer(item);
          if (buffer) transferList.push(buffer);
        }
        const task = { op, [field]: group.items } as unknown as Extract<ShardTask, { op: K }>;
        const outcomes = (await this.shards[index]!.run(task, transferList)) as unknown as Outcome<OkOf<K>>[];
        outcomes.forEach((outcome, i) => {
          out[group.positions[i]!] = "ok" in outcome ? { ok: outcome.ok } : { error: errorFromData(outcome.error) };
        });
      }),
    );
    return out;
  }

  /** The shard owning every item, if there is one. */
  private onlyShard(items: readonly Item[]): number | undefined {
    const n = this.shards.length;
    if (items.length === 0) return undefined;
    const first = shardFor(items[0]!.topic, items[0]!.partition, n);
    for (let i = 1; i < items.length; i++) if (shardFor(items[i]!.topic, items[i]!.partition, n) !== first) return undefined;
    return first;
  }
}
