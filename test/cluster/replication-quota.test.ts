// The replication throttle's parts without processes: the token bucket (burst, debt, refill), which
// replicas a list names for which broker, which rate a broker applies, the value checks, and what
// `reassign --throttle` sets and later removes.

import { describe, expect, it } from "vitest";
import { ReplicationThrottle, TokenBucket, awaitBudget, effectiveRate, replicaListed } from "../../src/cluster/replication-quota.js";
import { checkRate, checkThrottledReplicas } from "../../src/broker/throttle-configs.js";
import { drainMoves, throttlePlan, throttleRemoval, topicsThrottledFor } from "../../src/cluster/reassign-throttle.js";
import { Keys, parseSnapshot } from "../../src/cluster/layout.js";
import { memoryLogger } from "../../src/log.js";

describe("TokenBucket", () => {
  it("starts with one second's worth, goes into debt on a large take, refills at the rate up to the burst", () => {
    let now = 0;
    const bucket = new TokenBucket(() => now);
    expect(bucket.available()).toBe(Infinity);
    bucket.setRate(1000);
    expect(bucket.available()).toBe(1000);
    bucket.take(3000);
    expect(bucket.available()).toBe(-2000);
    expect(bucket.waitMs()).toBe(2001);
    now = 2500;
    expect(bucket.available()).toBe(500);
    now = 10_000;
    expect(bucket.available()).toBe(1000);
    bucket.setRate(undefined);
    expect(bucket.limited).toBe(false);
    expect(bucket.available()).toBe(Infinity);
  });

  it("awaitBudget waits for a refill within the wait, and answers 0 when none comes (a rate of 0)", async () => {
    const bucket = new TokenBucket();
    bucket.setRate(10_000);
    bucket.take(10_500);
    const started = Date.now();
    expect(await awaitBudget(bucket, 1000)).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    bucket.setRate(0);
    expect(await awaitBudget(bucket, 150)).toBe(0);
  });

  it("counts, for /metrics, the bytes taken while limited and the time awaitBudget waited", async () => {
    const bucket = new TokenBucket();
    bucket.take(700); // unlimited: not counted
    bucket.setRate(1000);
    bucket.take(1200);
    expect(bucket.throttledBytes).toBe(1200);
    expect(bucket.delayedMs).toBe(0);
    await awaitBudget(bucket, 1000);
    expect(bucket.delayedMs).toBeGreaterThanOrEqual(150);
    const throttle = new ReplicationThrottle(1);
    throttle.apply({ brokers: new Map([["", { "follower.replication.throttled.rate": "5" }]]), topics: new Map() });
    throttle.follower.take(9);
    expect(throttle.stats()).toEqual({ leader: { rate: undefined, throttledBytes: 0, delayedMs: 0 }, follower: { rate: 5, throttledBytes: 9, delayedMs: 0 } });
  });
});

describe("throttled replicas and rates", () => {
  it("a list names partition:broker pairs, * names every replica", () => {
    expect(replicaListed("0:1, 1:2", 1, 2)).toBe(true);
    expect(replicaListed("0:1,1:2", 0, 2)).toBe(false);
    expect(replicaListed("*", 7, 9)).toBe(true);
    expect(replicaListed(undefined, 0, 1)).toBe(false);
    expect(replicaListed("", 0, 1)).toBe(false);
  });

  it("a broker's own rate wins over the cluster default; throttling needs both a rate and the listing", () => {
    const configs = { brokers: new Map([["", { "leader.replication.throttled.rate": "100" }], ["2", { "leader.replication.throttled.rate": "50" }]]), topics: new Map([["t", { "leader.replication.throttled.replicas": "0:1", "follower.replication.throttled.replicas": "*" }]]) };
    expect(effectiveRate(configs, 1, "leader.replication.throttled.rate")).toBe(100);
    expect(effectiveRate(configs, 2, "leader.replication.throttled.rate")).toBe(50);
    expect(effectiveRate(configs, 1, "follower.replication.throttled.rate")).toBeUndefined();
    const one = new ReplicationThrottle(1);
    one.apply(configs);
    expect(one.leaderThrottled("t", 0)).toBe(true);
    expect(one.leaderThrottled("t", 1)).toBe(false);
    expect(one.leaderThrottled("other", 0)).toBe(false);
    expect(one.followerThrottled("t", 0)).toBe(false); // listed (*), but no follower rate
    const two = new ReplicationThrottle(2);
    two.apply(configs);
    expect(two.leaderThrottled("t", 0)).toBe(false); // a rate, but 0:1 names broker 1 only
  });

  it("the leader's allowance: an in-sync follower or an unlisted partition gets the cap at once, a throttled one what the bucket holds, or 0 after the wait", async () => {
    const throttle = new ReplicationThrottle(1);
    throttle.apply({ brokers: new Map([["1", { "leader.replication.throttled.rate": "1000" }]]), topics: new Map([["t", { "leader.replication.throttled.replicas": "*" }]]) });
    throttle.leader.take(5000); // deep in debt: a throttled fetch would wait
    const started = Date.now();
    expect(await throttle.leaderAllowance("t", 0, true, 4096, 500, () => true)).toEqual({ maxBytes: 4096, throttled: false });
    expect(await throttle.leaderAllowance("u", 0, false, 4096, 500, () => true)).toEqual({ maxBytes: 4096, throttled: false });
    expect(Date.now() - started).toBeLessThan(100);
    expect(await throttle.leaderAllowance("t", 0, false, 4096, 100, () => true)).toEqual({ maxBytes: 0, throttled: true });
    throttle.apply({ brokers: new Map([["1", { "leader.replication.throttled.rate": "2000" }]]), topics: new Map([["t", { "leader.replication.throttled.replicas": "*" }]]) });
    expect(await throttle.leaderAllowance("t", 0, false, 4096, 100, () => true)).toEqual({ maxBytes: 2000, throttled: true });
  });

  it("a stored rate that is not one (another tool wrote it) is skipped, by the rule the APIs check by: the default applies, or none (never 0); one warning per value", () => {
    const logger = memoryLogger();
    const throttle = new ReplicationThrottle(1, Date.now, logger);
    const configs = (own: string, fallback?: string) => ({ brokers: new Map([["1", { "leader.replication.throttled.rate": own, "follower.replication.throttled.rate": own }], ...(fallback === undefined ? [] : [["", { "leader.replication.throttled.rate": fallback }] as [string, Record<string, string>]])]), topics: new Map() });
    for (const bad of ["fast", "-5", "1e6", "1.5", "99999999999999999999", ""]) {
      expect(() => checkRate("r", bad)).toThrow();
      expect(effectiveRate(configs(bad, "100"), 1, "leader.replication.throttled.rate")).toBe(100);
      expect(effectiveRate(configs(bad), 1, "leader.replication.throttled.rate")).toBeUndefined();
    }
    throttle.apply(configs("fast", "100"));
    throttle.apply(configs("fast", "100"));
    expect(throttle.leader.available()).toBe(100);
    expect(throttle.follower.limited).toBe(false);
    const warnings = logger.entries.filter((e) => e.level === "warn");
    expect(warnings.map((w) => [w.config, w.value])).toEqual([["leader.replication.throttled.rate", "fast"], ["follower.replication.throttled.rate", "fast"]]);
  });

  it("values: a rate is a non-negative integer; a list is *, empty or partition:broker items", () => {
    expect(checkRate("r", "0")).toBe(0);
    expect(checkRate("r", " 500000 ")).toBe(500000);
    for (const bad of ["-1", "1.5", "fast", "", "1e6"]) expect(() => checkRate("r", bad)).toThrow(/non-negative integer/);
    for (const good of ["*", "", "0:1", "0:1, 3:2"]) expect(() => checkThrottledReplicas("l", good)).not.toThrow();
    for (const bad of ["0-1", "0:", "a:b", "0:1,"]) expect(() => checkThrottledReplicas("l", bad)).toThrow(/partition:brokerId/);
  });
});

describe("reassign --throttle's plan", () => {
  const snapshot = () => {
    const snap = parseSnapshot(new Keys("/r"), {});
    snap.topics.set("t", { name: "t", partitions: 2, replicationFactor: 2, configs: {}, replicas: [[1, 2], [2, 3]] });
    snap.configs.topics.set("t", { "leader.replication.throttled.replicas": "5:9" });
    return snap;
  };

  it("rates on every broker a move touches; the leader list names current replicas, the follower list those added, merged", () => {
    const plan = throttlePlan(snapshot(), [{ topic: "t", partition: 0, replicas: [3, 4] }], 1000);
    expect([...plan.brokers.keys()].sort()).toEqual([1, 2, 3, 4]);
    expect(plan.brokers.get(4)).toEqual({ "leader.replication.throttled.rate": "1000", "follower.replication.throttled.rate": "1000" });
    expect(plan.topics.get("t")).toEqual({ "leader.replication.throttled.replicas": "5:9,0:1,0:2", "follower.replication.throttled.replicas": "0:3,0:4" });
  });

  it("drain --throttle: each partition of the drained broker moves to any live broker not draining; the follower list names them all, the rates go on all; a later run finds the topics by the leader list", () => {
    const snap = snapshot();
    for (const id of [1, 2, 3, 4, 5]) snap.brokers.set(id, {} as never);
    snap.draining.add(5);
    const moves = drainMoves(snap, 2);
    expect(moves).toEqual([{ topic: "t", partition: 0, replicas: [1, 3, 4] }, { topic: "t", partition: 1, replicas: [3, 1, 4] }]);
    const plan = throttlePlan(snap, moves, 1000);
    expect([...plan.brokers.keys()].sort()).toEqual([1, 2, 3, 4]);
    expect(plan.topics.get("t")).toEqual({ "leader.replication.throttled.replicas": "5:9,0:1,0:2,1:2,1:3", "follower.replication.throttled.replicas": "0:3,0:4,1:1,1:4" });
    snap.configs.topics.set("t", plan.topics.get("t")!);
    snap.configs.topics.set("u", { "leader.replication.throttled.replicas": "*" });
    expect(topicsThrottledFor(snap, 2)).toEqual(["t"]);
    expect(topicsThrottledFor(snap, 4)).toEqual([]);
  });

  it("removal: every broker with its own rate (not the \"\" default), the moved topics that have lists", () => {
    const snap = snapshot();
    snap.configs.brokers.set("", { "leader.replication.throttled.rate": "5" });
    snap.configs.brokers.set("2", { "follower.replication.throttled.rate": "5" });
    snap.configs.brokers.set("3", {});
    expect(throttleRemoval(snap, ["t", "other"])).toEqual({ brokers: ["2"], topics: ["t"] });
  });
});
