// Replica truncation (cluster mode): cutting a divergent tail at a batch boundary, across segments, with
// the recovery point moved down so a crash afterwards never trusts bytes past the new end.

import { describe, expect, it } from "vitest";
import { Partition } from "../../src/shard/partition.js";
import { memoryLogger } from "../../src/log.js";
import { truncateLogTo } from "../../src/storage/truncate.js";
import { PartitionLog } from "../../src/storage/partition-log.js";
import { batchOf, DIR, newFs, openLog } from "./helpers.js";

describe("truncateLogTo", () => {
  it("cuts at a batch boundary and appends continue from there", () => {
    const fs = newFs();
    const { log } = openLog(fs);
    for (let i = 0; i < 5; i++) log.append(batchOf(2)); // offsets 0..9, batches at 0,2,4,6,8
    expect(truncateLogTo(log, 6n)).toBe(6n);
    expect(log.logEndOffset).toBe(6n);
    expect(log.recoveryPoint).toBeLessThanOrEqual(6n);
    expect(log.append(batchOf(1)).baseOffset).toBe(6n);
    expect(log.read(0n, 1 << 20).logEndOffset).toBe(7n);
  });

  it("drops whole segments past the cut, and survives a reopen", async () => {
    const fs = newFs();
    const { log } = openLog(fs, { segmentBytes: 600 });
    for (let i = 0; i < 12; i++) log.append(batchOf(2)); // several segments
    expect(log.segments.length).toBeGreaterThan(2);
    truncateLogTo(log, 4n);
    expect(log.logEndOffset).toBe(4n);
    expect(log.segments.at(-1)!.baseOffset).toBeLessThanOrEqual(4n);
    await log.close();
    const again = PartitionLog.open({ dir: DIR, fs, logger: memoryLogger() });
    expect(again.logEndOffset).toBe(4n);
  });

  it("a flush in flight during the cut does not move the recovery point past it: what is appended after waits for its own fsync", async () => {
    const fs = newFs();
    fs.asyncSyncDelayMs = 30;
    const { log } = openLog(fs);
    for (let i = 0; i < 5; i++) log.append(batchOf(2)); // offsets 0..9
    const flushing = log.flush(); // covers up to 10
    truncateLogTo(log, 6n);
    log.append(batchOf(4)); // 6..9 again, new bytes the flush in flight never saw
    await flushing;
    // Offset 10 is durable only once the new bytes are: the flush's caller got a second fsync.
    expect(log.recoveryPoint).toBe(10n);
    expect(fs.durableLength(`${DIR}/00000000000000000000.log`)).toBe(log.activeSegment.size);
  });

  it("refuses to cut below the log start, and is a no-op at or past the end", () => {
    const fs = newFs();
    const { log } = openLog(fs);
    log.append(batchOf(3));
    expect(truncateLogTo(log, 10n)).toBe(3n);
    log.logStartOffset = 2n;
    expect(() => truncateLogTo(log, 1n)).toThrow(/below the log start/);
  });
});

describe("Partition.replicate", () => {
  it("appends a leader's batches at their own offsets and epochs, skipping what it has, refusing gaps", () => {
    const fs = newFs();
    const leader = Partition.open("t", 0, "/data/leader-0", {}, fs, memoryLogger());
    leader.produce(batchOf(2), 1, 3);
    leader.produce(batchOf(3), 1, 5);
    const bytes = leader.fetch(0n, 1 << 20).records;
    const follower = Partition.open("t", 0, "/data/follower-0", {}, fs, memoryLogger());
    const first = follower.replicate(bytes);
    expect(first.logEndOffset).toBe(5n);
    expect(first.epochStarts).toEqual([{ epoch: 3, startOffset: 0n }, { epoch: 5, startOffset: 2n }]);
    // The same bytes again: everything is below the log end, nothing is appended.
    expect(follower.replicate(bytes).logEndOffset).toBe(5n);
    // A batch past the log end (a gap) is refused.
    leader.produce(batchOf(1), 1, 5);
    leader.produce(batchOf(1), 1, 5);
    const tail = leader.fetch(6n, 1 << 20).records;
    expect(() => follower.replicate(tail)).toThrow(/does not start at the log end/);
    // Truncation rebuilds the follower to a shorter log.
    expect(follower.truncateTo(2n).logEndOffset).toBe(2n);
  });
});
