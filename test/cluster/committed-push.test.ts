// The shards are told the high watermarks that moved (src/cluster/committed-push.ts), so compaction of an
// idle partition is not stuck after a restart: unchanged ones are not sent again, a failed one is, and a
// partition that left and came back is told from scratch.

import { describe, expect, it } from "vitest";
import { CommittedPush } from "../../src/cluster/committed-push.js";
import type { LocalPartition } from "../../src/cluster/local-partition.js";
import type { Result } from "../../src/broker/router.js";
import type { CommittedItem } from "../../src/shard/protocol.js";
import { KafkaProtocolError } from "../../src/errors/index.js";

const part = (partition: number, role: LocalPartition["role"], hw: bigint) => ({ topic: "t", partition, role, hw }) as LocalPartition;

describe("CommittedPush", () => {
  it("tells each hosted partition's high watermark once per move, retries a failure, and starts over after forget", async () => {
    const told: CommittedItem[][] = [];
    let failPartition = -1;
    const push = new CommittedPush(async (items) => {
      told.push(items);
      return items.map((i): Result<true> => (i.partition === failPartition ? { error: new KafkaProtocolError("KAFKA_STORAGE_ERROR", "refused") } : { ok: true }));
    });
    const parts = [part(0, "leader", 10n), part(1, "follower", 5n), part(2, "none", 7n)];
    await push.tick(parts);
    expect(told.pop()).toEqual([{ topic: "t", partition: 0, highWatermark: 10n }, { topic: "t", partition: 1, highWatermark: 5n }]);

    await push.tick(parts); // nothing moved: no task at all
    expect(told).toEqual([]);

    parts[0]!.hw = 12n;
    failPartition = 0;
    await push.tick(parts);
    expect(told.pop()).toEqual([{ topic: "t", partition: 0, highWatermark: 12n }]);
    failPartition = -1;
    await push.tick(parts); // the failed one again
    expect(told.pop()).toEqual([{ topic: "t", partition: 0, highWatermark: 12n }]);

    push.forget("t", 1);
    await push.tick(parts);
    expect(told.pop()).toEqual([{ topic: "t", partition: 1, highWatermark: 5n }]);
  });
});
