// Cluster mode, inside the shard: a follower's producer state is built from the batches it replicates
// (Partition.replicate), so after a failover it answers a producer's retry as the old leader would have:
// a replicated batch is a duplicate with its ORIGINAL offsets, the next sequence appends, a gap is
// OUT_OF_ORDER_SEQUENCE_NUMBER, an older epoch INVALID_PRODUCER_EPOCH. The same holds after the follower
// restarts (snapshot + log replay), and a truncation that cuts a batch off makes its retry append again.

import { describe, expect, it } from "vitest";
import { encodeRecordBatch } from "../../src/core/index.js";
import { memoryLogger } from "../../src/log.js";
import { Partition } from "../../src/shard/partition.js";
import { DIR, newFs } from "../storage/helpers.js";

const logger = memoryLogger();
const PID = 7001n;
const batch = (seq: number, n: number, epoch = 0) =>
  encodeRecordBatch(Array.from({ length: n }, (_, i) => ({ value: `v${seq + i}`, timestamp: 1_700_000_000_000 + seq + i })), { producerId: PID, producerEpoch: epoch, baseSequence: seq });

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe("producer state on a follower (replicate)", () => {
  it("a follower that becomes leader deduplicates retries of replicated batches, before and after a restart", async () => {
    const leader = Partition.open("t", 0, DIR, {}, newFs(), logger);
    const sent = [batch(0, 3), batch(3, 2), batch(5, 4)];
    for (const b of sent) leader.produce(b, 1, 4);
    const copied = leader.fetch(0n, 1 << 20).records;

    const fs = newFs();
    let follower = Partition.open("t", 0, DIR, {}, fs, logger);
    expect(follower.replicate(copied).logEndOffset).toBe(9n);

    // Retries of each replicated batch: no append, the original offsets.
    const dup = follower.produce(sent[1]!, -1, 5).result;
    expect(dup).toMatchObject({ duplicate: true, baseOffset: 3n, lastOffset: 4n });
    expect(follower.produce(sent[0]!, 1, 5).result).toMatchObject({ duplicate: true, baseOffset: 0n });
    expect(follower.log.logEndOffset).toBe(9n);
    // A gap, and an older epoch after a newer one, are refused as on the old leader.
    expect(code(() => follower.produce(batch(12, 1), 1, 5))).toBe("OUT_OF_ORDER_SEQUENCE_NUMBER");
    // The next sequence appends.
    expect(follower.produce(batch(9, 1), 1, 5).result).toMatchObject({ duplicate: false, baseOffset: 9n });

    // A restart (clean close: snapshot; the state comes back from it and the log).
    await follower.close();
    follower = Partition.open("t", 0, DIR, {}, fs, logger);
    expect(follower.produce(sent[2]!, 1, 5).result).toMatchObject({ duplicate: true, baseOffset: 5n, lastOffset: 8n });
    expect(follower.produce(batch(0, 1, 1), 1, 5).result).toMatchObject({ duplicate: false, baseOffset: 10n });
    expect(code(() => follower.produce(batch(10, 1, 0), 1, 5))).toBe("INVALID_PRODUCER_EPOCH");
    await follower.close();
    await leader.close();
  });

  it("after a truncation cut a replicated batch off, its retry appends (it is no longer in the log)", async () => {
    const leader = Partition.open("t", 0, DIR, {}, newFs(), logger);
    const sent = [batch(0, 2), batch(2, 2), batch(4, 2)];
    for (const b of sent) leader.produce(b, 1, 1);
    const fs = newFs();
    const follower = Partition.open("t", 0, DIR, {}, fs, logger);
    follower.replicate(leader.fetch(0n, 1 << 20).records);
    follower.snapshotProducers(); // a snapshot covering the batch that is about to be cut off
    follower.truncateTo(4n);
    expect(follower.log.logEndOffset).toBe(4n);
    expect(follower.produce(sent[1]!, 1, 2).result).toMatchObject({ duplicate: true, baseOffset: 2n });
    expect(follower.produce(sent[2]!, 1, 2).result).toMatchObject({ duplicate: false, baseOffset: 4n });
    await follower.close();
    await leader.close();
  });
});
