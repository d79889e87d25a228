// Sends per-partition work to the owning shards: a request touching many partitions is split into one task
// per shard, the tasks run concurrently, and the outcomes are put back in the request's order. Errors come
// back as data and are rebuilt into typed errors here.

import { errorFromData } from "../errors/wire.js";
import type { RivuletError } from "../errors/index.js";
import type { Outcome, ShardResults, ShardTask } from "../shard/protocol.js";
import { shardFor, splitByShard } from "./partition-table.js";
import type { ShardPool } from "./shard-pool.js";

export type Result<T> = { ok: T; error?: undefined } | { ok?: undefined; error: RivuletError };

type ItemOp = "produce" | "fetch" | "listOffsets" | "deleteRecords" | "describeProducers" | "open" | "delete" | "status" | "reconfigure" | "writeMarkers" | "replicate" | "truncate";
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
    const field = op === "produce" || op === "fetch" || op === "listOffsets" || op === "deleteRecords" || op === "writeMarkers" || op === "replicate" || op === "truncate" ? "items" : "partitions";
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
}
