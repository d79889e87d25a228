// KIP-848 regex subscriptions with an authorizer (Kafka 4, KAFKA-18813): the topics a member's regex matches
// count only where its principal may DESCRIBE them (ConsumerGroupHeartbeatRequest.topicVisible, checked at
// every heartbeat), so rights granted or taken away move the group epoch and the assignment follows.

import { describe, expect, it } from "vitest";
import type { ConsumerGroupHeartbeatRequest, TopicPartition } from "../../src/groups/index.js";
import { coordinator } from "./helpers.js";

const config = { consumerSessionTimeoutMs: 10_000, consumerHeartbeatIntervalMs: 250 };
const topics: Record<string, number> = { "orders-eu": 2, "orders-us": 2, audit: 1 };

function hb(overrides: Partial<ConsumerGroupHeartbeatRequest>): ConsumerGroupHeartbeatRequest {
  return { groupId: "g", memberId: "m", memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 5000, subscribedTopicNames: null, subscribedTopicRegex: "orders-.*", serverAssignor: null, topicPartitions: [], ...overrides };
}
const names = (tps: TopicPartition[] | null | undefined) => (tps ?? []).map((tp) => `${tp.topic}-${tp.partition}`).sort();

describe("KIP-848 regex matches filtered by the member's DESCRIBE rights", () => {
  it("a member is assigned only the matches it may see; rights granted or revoked move the epoch", async () => {
    const { coord } = await coordinator({ partitionsFor: (t) => topics[t] ?? 0, topicNames: () => Object.keys(topics), config });
    const rights = new Set(["orders-eu"]);
    const visible = (t: string) => rights.has(t);
    const joined = coord.consumerGroupHeartbeat(hb({ memberId: "alice", topicVisible: visible }));
    expect(names(joined.assignment)).toEqual(["orders-eu-0", "orders-eu-1"]);
    expect(coord.describeConsumerGroup("g").members[0]!.targetAssignment.map((tp) => tp.topic)).not.toContain("orders-us");

    // Granted: the next heartbeat resolves orders-us too, though no topic was created.
    rights.add("orders-us");
    const granted = coord.consumerGroupHeartbeat(hb({ memberId: "alice", memberEpoch: joined.memberEpoch, subscribedTopicRegex: null, rebalanceTimeoutMs: -1, topicPartitions: joined.assignment, topicVisible: visible }));
    expect(granted.memberEpoch).toBeGreaterThan(joined.memberEpoch);
    expect(names(granted.assignment)).toEqual(["orders-eu-0", "orders-eu-1", "orders-us-0", "orders-us-1"]);

    // Revoked: orders-eu is taken away at the next heartbeat.
    rights.delete("orders-eu");
    const revoked = coord.consumerGroupHeartbeat(hb({ memberId: "alice", memberEpoch: granted.memberEpoch, subscribedTopicRegex: null, rebalanceTimeoutMs: -1, topicPartitions: granted.assignment, topicVisible: visible }));
    expect(names(revoked.assignment)).toEqual(["orders-us-0", "orders-us-1"]);
  });

  it("each member's rights apply to its own matches only: another member with wider rights takes the rest", async () => {
    const { coord } = await coordinator({ partitionsFor: (t) => topics[t] ?? 0, topicNames: () => Object.keys(topics), config });
    const a = coord.consumerGroupHeartbeat(hb({ memberId: "narrow", topicVisible: (t) => t === "orders-eu" }));
    expect(names(a.assignment)).toEqual(["orders-eu-0", "orders-eu-1"]);
    const b = coord.consumerGroupHeartbeat(hb({ memberId: "wide" }));
    // The wide member sees both topics; the narrow one is never given orders-us.
    let narrow = a;
    let wide = b;
    for (let i = 0; i < 4; i++) {
      narrow = coord.consumerGroupHeartbeat(hb({ memberId: "narrow", memberEpoch: narrow.memberEpoch, subscribedTopicRegex: null, rebalanceTimeoutMs: -1, topicPartitions: narrow.assignment ?? [], topicVisible: (t) => t === "orders-eu" }));
      wide = coord.consumerGroupHeartbeat(hb({ memberId: "wide", memberEpoch: wide.memberEpoch, subscribedTopicRegex: null, rebalanceTimeoutMs: -1, topicPartitions: wide.assignment ?? [] }));
    }
    const described = coord.describeConsumerGroup("g");
    const target = (id: string) => names(described.members.find((m) => m.memberId === id)!.targetAssignment);
    expect(target("narrow").every((tp) => tp.startsWith("orders-eu-"))).toBe(true);
    expect([...target("narrow"), ...target("wide")].sort()).toEqual(["orders-eu-0", "orders-eu-1", "orders-us-0", "orders-us-1"]);
    expect(target("wide")).toEqual(expect.arrayContaining(["orders-us-0", "orders-us-1"]));
  });

  it("without a filter (no authorizer) every match counts, and the steady heartbeat does not move the epoch", async () => {
    const { coord } = await coordinator({ partitionsFor: (t) => topics[t] ?? 0, topicNames: () => Object.keys(topics), config });
    const joined = coord.consumerGroupHeartbeat(hb({ memberId: "m" }));
    expect(names(joined.assignment)).toEqual(["orders-eu-0", "orders-eu-1", "orders-us-0", "orders-us-1"]);
    const again = coord.consumerGroupHeartbeat(hb({ memberId: "m", memberEpoch: joined.memberEpoch, subscribedTopicRegex: null, rebalanceTimeoutMs: -1, topicPartitions: joined.assignment }));
    expect(again).toMatchObject({ memberEpoch: joined.memberEpoch, assignment: null });
  });
});
