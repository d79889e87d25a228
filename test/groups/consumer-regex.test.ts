// KIP-848 topic-regex subscriptions inside the coordinator (fake clock): the broker resolves the pattern
// against its topics, re-resolves it when topics are created or deleted (the group epoch moves), refuses
// patterns RE2 would refuse with INVALID_REGULAR_EXPRESSION, and keeps the regex across a restart.

import { describe, expect, it } from "vitest";
import { Err, InMemoryOffsetLog, type ConsumerGroupHeartbeatRequest, type GroupCoordinator, type TopicPartition } from "../../src/groups/index.js";
import { coordinator } from "./helpers.js";

const config = { consumerSessionTimeoutMs: 10_000, consumerHeartbeatIntervalMs: 250 };

function hb(overrides: Partial<ConsumerGroupHeartbeatRequest> = {}): ConsumerGroupHeartbeatRequest {
  return { groupId: "g", memberId: "m", memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 5000, subscribedTopicNames: null, subscribedTopicRegex: "orders-.*", serverAssignor: null, topicPartitions: [], ...overrides };
}

const names = (tps: TopicPartition[] | null) => (tps ?? []).map((tp) => `${tp.topic}-${tp.partition}`).sort();

async function setup(topics: Record<string, number>, log = new InMemoryOffsetLog()) {
  return coordinator({ offsetLog: log, partitionsFor: (t) => topics[t] ?? 0, topicNames: () => Object.keys(topics), config });
}

/** A steady heartbeat reporting what the member owns (nothing else changed). */
const steady = (coord: GroupCoordinator, epoch: number, owned: TopicPartition[], memberId = "m") =>
  coord.consumerGroupHeartbeat(hb({ memberId, memberEpoch: epoch, topicPartitions: owned, subscribedTopicRegex: null, rebalanceTimeoutMs: -1 }));

describe("KIP-848 SubscribedTopicRegex", () => {
  it("subscribes to the topics whose whole name matches", async () => {
    const { coord } = await setup({ "orders-eu": 2, "orders-us": 1, "audit": 3, "reorders-x": 1 });
    const r = coord.consumerGroupHeartbeat(hb());
    expect(r).toMatchObject({ errorCode: Err.NONE, memberEpoch: 1 });
    expect(names(r.assignment)).toEqual(["orders-eu-0", "orders-eu-1", "orders-us-0"]);
    expect(coord.describeConsumerGroup("g").members[0]).toMatchObject({ subscribedTopicRegex: "orders-.*", subscribedTopicNames: [] });
  });

  it("re-resolves when a matching topic is created or a matched one deleted: the group epoch moves", async () => {
    const topics: Record<string, number> = { "orders-eu": 2 };
    const { coord } = await setup(topics);
    const first = coord.consumerGroupHeartbeat(hb());
    expect(names(first.assignment)).toEqual(["orders-eu-0", "orders-eu-1"]);
    topics["orders-apac"] = 2;
    topics["unrelated"] = 5;
    const grown = steady(coord, first.memberEpoch, first.assignment!);
    expect(grown.memberEpoch).toBe(2);
    expect(names(grown.assignment)).toEqual(["orders-apac-0", "orders-apac-1", "orders-eu-0", "orders-eu-1"]);
    delete topics["orders-eu"];
    const shrunk = steady(coord, grown.memberEpoch, grown.assignment!);
    expect(names(shrunk.assignment)).toEqual(["orders-apac-0", "orders-apac-1"]);
    expect(coord.describeConsumerGroup("g").groupEpoch).toBe(3);
    // Once it stops reporting the deleted topic's partitions it moves to the new epoch; then nothing changes.
    const moved = steady(coord, shrunk.memberEpoch, shrunk.assignment!);
    expect(moved.memberEpoch).toBe(3);
    expect(steady(coord, moved.memberEpoch, shrunk.assignment!)).toMatchObject({ memberEpoch: 3, assignment: null });
    expect(coord.describeConsumerGroup("g")).toMatchObject({ groupEpoch: 3, state: "Stable" });
  });

  it("names and a regex together subscribe to both; \"\" clears the regex; a new regex moves the epoch", async () => {
    const { coord } = await setup({ "orders-eu": 1, audit: 1, billing: 1 });
    const r = coord.consumerGroupHeartbeat(hb({ subscribedTopicNames: ["audit"] }));
    expect(names(r.assignment)).toEqual(["audit-0", "orders-eu-0"]);
    const cleared = coord.consumerGroupHeartbeat(hb({ memberEpoch: r.memberEpoch, subscribedTopicRegex: "", subscribedTopicNames: null, topicPartitions: r.assignment, rebalanceTimeoutMs: -1 }));
    expect(cleared.memberEpoch).toBe(r.memberEpoch); // revoking orders-eu first
    expect(names(cleared.assignment)).toEqual(["audit-0"]);
    const done = steady(coord, cleared.memberEpoch, cleared.assignment!);
    expect(done.memberEpoch).toBe(2);
    const other = coord.consumerGroupHeartbeat(hb({ memberEpoch: done.memberEpoch, subscribedTopicRegex: "bill.*|aud.*", topicPartitions: [{ topic: "audit", partition: 0 }], rebalanceTimeoutMs: -1 }));
    expect(other.memberEpoch).toBe(3);
    expect(names(other.assignment)).toEqual(["audit-0", "billing-0"]);
  });

  it("two members with different patterns share only what each matches", async () => {
    const { coord } = await setup({ "a-1": 2, "a-2": 2, "b-1": 2 });
    const a = coord.consumerGroupHeartbeat(hb({ memberId: "a", subscribedTopicRegex: "a-.*" }));
    const b = coord.consumerGroupHeartbeat(hb({ memberId: "b", subscribedTopicRegex: "b-.*" }));
    steady(coord, a.memberEpoch, a.assignment!, "a");
    const b2 = steady(coord, b.memberEpoch, b.assignment!, "b");
    const a2 = steady(coord, 2, a.assignment!, "a");
    expect(names(b2.assignment ?? b.assignment)).toEqual(["b-1-0", "b-1-1"]);
    expect(names(a2.assignment ?? a.assignment).every((n) => n.startsWith("a-"))).toBe(true);
  });

  it("refuses patterns RE2 refuses with INVALID_REGULAR_EXPRESSION and Kafka's reason; the group is not created", async () => {
    const { coord } = await setup({ x: 1 });
    for (const bad of ["(a", "a(?=b)", "(a)\\1", "a**", "x{1001}"]) {
      const r = coord.consumerGroupHeartbeat(hb({ subscribedTopicRegex: bad }));
      expect(r, bad).toMatchObject({ errorCode: Err.INVALID_REGULAR_EXPRESSION, memberEpoch: -1 });
      expect(r.errorMessage).toContain("is not a valid regular expression");
    }
    expect(coord.listGroups()).toEqual([]);
    // Neither names nor a regex in a join: INVALID_REQUEST.
    expect(coord.consumerGroupHeartbeat(hb({ subscribedTopicRegex: null })).errorCode).toBe(Err.INVALID_REQUEST);
  });

  it("the regex survives a restart and is resolved again against the topics then", async () => {
    const topics: Record<string, number> = { "orders-eu": 1 };
    const log = new InMemoryOffsetLog();
    const first = await setup(topics, log);
    const r = await first.coord.consumerGroupHeartbeatDurable(hb());
    first.coord.close();
    topics["orders-us"] = 1;
    const { coord } = await setup(topics, log);
    expect(coord.describeConsumerGroup("g").members[0]).toMatchObject({ memberId: "m", memberEpoch: r.memberEpoch, subscribedTopicRegex: "orders-.*" });
    const after = await coord.consumerGroupHeartbeatDurable(hb({ memberEpoch: r.memberEpoch, topicPartitions: r.assignment, subscribedTopicRegex: null, rebalanceTimeoutMs: -1 }));
    expect(names(after.assignment)).toEqual(["orders-eu-0", "orders-us-0"]);
  });
});
