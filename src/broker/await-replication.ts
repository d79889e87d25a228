import type { RivuletError } from "../errors/index.js";
import type { Acks, ProduceOk } from "../shard/protocol.js";
import type { ReplicationHooks } from "./replication-hooks.js";
import type { Result } from "./router.js";
import { withTimeout } from "./with-timeout.js";

/**
 * Cluster mode: each appended batch waits for the replication layer (acks=all: the in-sync replicas) before
 * its result is answered; a batch that cannot be replicated in time has its result replaced by the error.
 */
export async function awaitReplication(replication: ReplicationHooks, valid: readonly { topic: string; partition: number; acks: Acks }[], results: Result<ProduceOk>[], timeoutMs: number): Promise<void> {
  await Promise.all(
    results.map(async (result, i) => {
      if (!result.ok) return;
      const item = valid[i]!;
      try {
        await withTimeout(replication.appended(item.topic, item.partition, result.ok, item.acks), timeoutMs, "replication");
      } catch (error) {
        results[i] = { error: error as RivuletError };
      }
    }),
  );
}
