// DeleteRecords in cluster mode (Kafka's rules): only the partition's leader takes it, "-1" means the
// replicated high watermark (not the local log end, which may hold records the ISR does not have yet), an
// offset above that high watermark is OFFSET_OUT_OF_RANGE, and the answer waits until the followers that
// could be elected have moved their log start as far (ReplicationHooks.logStartMoved), or REQUEST_TIMED_OUT.

import { OffsetOutOfRangeError, type RivuletError } from "../errors/index.js";
import type { DeleteRecordsOk } from "../shard/protocol.js";
import type { ReplicationHooks } from "./replication-hooks.js";
import type { Result } from "./router.js";
import type { TopicAdmin } from "./topic-admin.js";
import { withTimeout } from "./with-timeout.js";

interface DeleteItem {
  topic: string;
  partition: number;
  offset: bigint;
}

/** The topic admin's partition check, then NOT_LEADER_OR_FOLLOWER off the leader, OFFSET_OUT_OF_RANGE above the high watermark. */
export function checkReplicatedDelete(replication: ReplicationHooks, item: DeleteItem, admin: Pick<TopicAdmin, "checkPartition">): void {
  admin.checkPartition(item.topic, item.partition);
  replication.checkLeader(item.topic, item.partition);
  const hw = replication.highWatermark(item.topic, item.partition);
  if (item.offset > hw) throw new OffsetOutOfRangeError(`cannot delete records before ${item.offset}: the high watermark of ${item.topic}-${item.partition} is ${hw}`, -1n, hw);
}

/** The items with "-1" replaced by the partition's high watermark. */
export function resolveHighWatermark<I extends DeleteItem>(replication: ReplicationHooks, items: I[]): I[] {
  return items.map((item) => (item.offset === -1n ? { ...item, offset: replication.highWatermark(item.topic, item.partition) } : item));
}

/** Waits for the followers of every deleted partition; a partition they do not reach in time gets the error. */
export async function awaitDeleteReplicated(replication: ReplicationHooks, items: readonly DeleteItem[], results: Result<DeleteRecordsOk>[], timeoutMs: number): Promise<void> {
  await Promise.all(
    results.map(async (result, i) => {
      if (!result.ok) return;
      const item = items[i]!;
      try {
        result.ok.lowWatermark = await withTimeout(replication.logStartMoved(item.topic, item.partition, result.ok.lowWatermark), timeoutMs, "DeleteRecords waiting for the followers");
      } catch (error) {
        results[i] = { error: error as RivuletError };
      }
    }),
  );
}
