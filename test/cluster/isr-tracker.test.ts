// The leader's high watermark over the maximal ISR (KIP-497, src/cluster/isr-tracker.ts), driven in
// process with a hand-built partition and a hand-driven clock: no etcd, no other broker. Broker 1 leads,
// broker 2 is in the ISR, broker 3 is not. Once broker 3 catches up it is proposed for the ISR and counts
// for the HW at once: until a snapshot settles the proposal (shows it in the ISR, or arrives after the
// proposal lapsed without it), the HW never passes what broker 3 has, and an acks=all record waits for
// it. A follower behind the HW is not proposed and does not hold the HW back.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EpochCache } from "../../src/cluster/epoch-cache.js";
import { IsrTracker } from "../../src/cluster/isr-tracker.js";
import { awaitFollowerLogStarts, failLogStartWaiters, settleLogStartWaiters } from "../../src/cluster/log-start-sync.js";
import type { IsrRequest } from "../../src/cluster/layout.js";
import type { LocalPartition } from "../../src/cluster/local-partition.js";
import { memoryLogger } from "../../src/log.js";

const dir = mkdtempSync(join(tmpdir(), "rivulet-isr-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LEADER = 1;
const LAG_MS = 10_000;
let partitions = 0;

/** Broker 1 leads at epoch 5 with 100 records, all on broker 2 (ISR [1, 2]); broker 3 has not fetched. */
function leading() {
  let now = 1_000_000;
  const proposals: IsrRequest[] = [];
  const published: bigint[] = [];
  const tracker = new IsrTracker({
    brokerId: LEADER,
    replicaLagTimeMaxMs: LAG_MS,
    logger: memoryLogger(),
    propose: async (_topic, _partition, request) => void proposals.push(request),
    publishHighWatermark: (_topic, _partition, hw) => void published.push(hw),
    clock: () => now,
  });
  const epochs = EpochCache.forPartition(dir, "t", partitions++);
  epochs.assign(5, 0n);
  const lp: LocalPartition = {
    topic: "t", partition: 0, role: "leader", leader: LEADER, leaderEpoch: 5, isr: [1, 2], replicas: [1, 2, 3], minIsr: 1,
    hw: 100n, leo: 100n, logStart: 0n, leaderSince: now, followers: new Map(), acks: [], logStartWaiters: [], dataWaiters: new Set(), epochs,
  };
  tracker.noteFollower(lp, 2, 100n, 0n);
  /** The leader appends up to `leo` with acks=all; the returned flag turns true once the HW passes it. */
  const append = (leo: bigint) => {
    const acked = { done: false };
    lp.leo = leo;
    lp.acks.push({ needed: leo, resolve: () => (acked.done = true), reject: (error) => { throw error; } });
    tracker.advanceHw(lp);
    return acked;
  };
  return { tracker, lp, proposals, published, append, advance: (ms: number) => (now += ms) };
}

describe("the high watermark over the maximal ISR", () => {
  it("a follower behind the HW is not proposed and does not hold the HW back", () => {
    const { tracker, lp, proposals, published, append } = leading();
    tracker.noteFollower(lp, 3, 50n, 0n);
    expect(lp.pendingIsr).toBeUndefined();
    expect(proposals).toEqual([]);
    const acked = append(150n);
    tracker.noteFollower(lp, 2, 150n, 0n);
    expect(lp.hw).toBe(150n);
    expect(published).toEqual([150n]);
    expect(acked.done).toBe(true);
  });

  it("a caught-up follower counts from its proposal; once a snapshot shows it in the ISR, as a member", () => {
    const { tracker, lp, proposals, published, append } = leading();
    tracker.noteFollower(lp, 3, 100n, 0n);
    expect(proposals).toEqual([{ leader: LEADER, leaderEpoch: 5, isr: [1, 2, 3] }]);
    expect(lp.pendingIsr?.ids).toEqual([3]);

    const acked = append(150n);
    tracker.noteFollower(lp, 2, 150n, 0n);
    // The snapshot's ISR alone ([1, 2], both at 150) would allow 150; broker 3, proposed, has 100.
    expect(lp.hw).toBe(100n);
    expect(acked.done).toBe(false);
    tracker.noteFollower(lp, 3, 120n, 0n);
    expect(lp.hw).toBe(120n);
    expect(published).toEqual([120n]);
    expect(acked.done).toBe(false);

    // The controller took the proposal: broker 3 is no longer pending but an ISR member, and still counts.
    tracker.applyIsr(lp, [1, 2, 3]);
    expect(lp.pendingIsr).toBeUndefined();
    expect(lp.hw).toBe(120n);
    tracker.noteFollower(lp, 3, 150n, 0n);
    expect(lp.hw).toBe(150n);
    expect(acked.done).toBe(true);
  });

  it("a proposal the snapshots do not take keeps counting until it lapses; then only the ISR counts", () => {
    const { tracker, lp, proposals, append, advance } = leading();
    tracker.noteFollower(lp, 3, 100n, 0n);
    expect(proposals).toHaveLength(1);
    const acked = append(150n);
    tracker.noteFollower(lp, 2, 150n, 0n);
    expect(lp.hw).toBe(100n);

    // A snapshot without broker 3 before the proposal lapsed: the controller may not have seen it yet.
    advance(LAG_MS - 1);
    tracker.applyIsr(lp, [1, 2]);
    expect(lp.pendingIsr?.ids).toEqual([3]);
    expect(lp.hw).toBe(100n);
    expect(acked.done).toBe(false);

    // The next snapshot after replica.lag.time.max.ms, still without it: refused; the ISR rule alone applies.
    advance(2);
    tracker.applyIsr(lp, [1, 2]);
    expect(lp.pendingIsr).toBeUndefined();
    expect(lp.hw).toBe(150n);
    expect(acked.done).toBe(true);
  });
});

// DeleteRecords (src/cluster/log-start-sync.ts): the leader answers once every live follower that could be
// elected (the ISR and the followers proposed for it) reports a log start at least as far.
describe("the followers' log starts after a DeleteRecords", () => {
  const down = new Set<number>();
  const awaited = (id: number) => id !== LEADER && !down.has(id);

  it("a follower behind the leader's log start is not proposed for the ISR until it has moved its own", () => {
    const { tracker, lp, proposals } = leading();
    lp.logStart = 40n;
    tracker.noteFollower(lp, 3, 100n, 0n);
    expect(proposals).toEqual([]);
    tracker.noteFollower(lp, 3, 100n, 40n);
    expect(proposals).toEqual([{ leader: LEADER, leaderEpoch: 5, isr: [1, 2, 3] }]);
  });

  it("answers once the ISR and the proposed followers have reached the new log start, not before", async () => {
    const { tracker, lp } = leading();
    tracker.noteFollower(lp, 3, 100n, 0n); // proposed for the ISR: it could be elected
    let answered: bigint | undefined;
    const woken: string[] = [];
    lp.dataWaiters.add(() => woken.push("parked fetch"));
    const done = awaitFollowerLogStarts(lp, awaited, 60n).then((low) => (answered = low));
    expect(woken).toEqual(["parked fetch"]); // the followers hear of it at once, not after their long-poll
    tracker.noteFollower(lp, 2, 100n, 60n);
    settleLogStartWaiters(lp, awaited);
    await Promise.resolve();
    expect(answered).toBeUndefined(); // broker 3 is still at 0
    tracker.noteFollower(lp, 3, 100n, 50n);
    settleLogStartWaiters(lp, awaited);
    await Promise.resolve();
    expect(answered).toBeUndefined();
    tracker.noteFollower(lp, 3, 100n, 60n);
    settleLogStartWaiters(lp, awaited);
    await done;
    expect(answered).toBe(60n);
    expect(lp.logStartWaiters).toEqual([]);
  });

  it("a follower dropped from the ISR no longer holds the answer; a leadership lost fails it", async () => {
    const { tracker, lp, advance } = leading();
    tracker.noteFollower(lp, 2, 100n, 0n);
    const first = awaitFollowerLogStarts(lp, awaited, 30n);
    advance(LAG_MS + 1);
    tracker.applyIsr(lp, [1]); // broker 2 shrunk out
    settleLogStartWaiters(lp, awaited);
    await expect(first).resolves.toBe(30n);

    tracker.applyIsr(lp, [1, 2]);
    const second = awaitFollowerLogStarts(lp, awaited, 70n);
    failLogStartWaiters(lp, new Error("lost leadership"));
    await expect(second).rejects.toThrow("lost leadership");
  });

  it("does not wait for a follower whose broker is down", async () => {
    const { tracker, lp } = leading();
    tracker.noteFollower(lp, 2, 100n, 0n);
    const waiting = awaitFollowerLogStarts(lp, awaited, 40n);
    down.add(2);
    try {
      settleLogStartWaiters(lp, awaited); // the next cluster snapshot no longer lists broker 2
      await expect(waiting).resolves.toBe(40n);
    } finally {
      down.delete(2);
    }
  });

  it("answers at once when every electable follower is already there", async () => {
    const { tracker, lp } = leading();
    tracker.noteFollower(lp, 2, 100n, 90n);
    await expect(awaitFollowerLogStarts(lp, awaited, 90n)).resolves.toBe(90n);
    expect(lp.logStartWaiters).toEqual([]);
  });
});
