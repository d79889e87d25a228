// Authorization of the KIP-848 APIs (guards-consumer.ts) with a stub authorizer that allows a fixed set of
// (operation, resource type, name): ConsumerGroupHeartbeat needs READ on the group and DESCRIBE on every
// subscribed topic; ConsumerGroupDescribe needs DESCRIBE per group, and denied groups are answered with
// GROUP_AUTHORIZATION_FAILED next to the allowed ones.

import { describe, expect, it } from "vitest";
import type { KafkaBrokerContext, RequestInfo } from "../../src/frontends/kafka/handlers/index.js";
import { consumerGroupDescribeGuard, consumerGroupHeartbeatGuard } from "../../src/frontends/kafka/handlers/guards-consumer.js";
import { Operation, ResourceType, type Operation as Op, type ResourceType as RT } from "../../src/security/index.js";

function ctxAllowing(allowed: Array<[Op, RT, string]>): KafkaBrokerContext {
  const key = (op: Op, type: RT, name: string) => `${op}/${type}/${name}`;
  const set = new Set(allowed.map(([op, type, name]) => key(op, type, name)));
  const security = { authorizer: {}, allowed: (_p: unknown, _h: string, op: Op, type: RT, name: string) => set.has(key(op, type, name)) };
  return { security } as unknown as KafkaBrokerContext;
}
const info = { header: { apiKey: 68, apiVersion: 1, correlationId: 1, clientId: "c" }, clientHost: "/127.0.0.1", signal: new AbortController().signal } as RequestInfo;

describe("KIP-848 guards", () => {
  const heartbeat = { groupId: "g", memberId: "m", memberEpoch: 0, subscribedTopicNames: ["orders", "audit"], topicPartitions: [] };
  const served = { errorCode: 0, memberId: "m", memberEpoch: 1, heartbeatIntervalMs: 5000 };

  it("ConsumerGroupHeartbeat: READ group, then DESCRIBE on each subscribed topic", async () => {
    const next = async () => served;
    const noGroup = await consumerGroupHeartbeatGuard(ctxAllowing([[Operation.DESCRIBE, ResourceType.TOPIC, "orders"]]), heartbeat, info, next);
    expect(noGroup).toMatchObject({ errorCode: 30, memberEpoch: -1 });
    const oneTopic = await consumerGroupHeartbeatGuard(
      ctxAllowing([[Operation.READ, ResourceType.GROUP, "g"], [Operation.DESCRIBE, ResourceType.TOPIC, "orders"]]),
      heartbeat,
      info,
      next,
    );
    expect(oneTopic).toMatchObject({ errorCode: 29, errorMessage: "Not authorized to describe topics: audit." });
    const all = await consumerGroupHeartbeatGuard(
      ctxAllowing([[Operation.READ, ResourceType.GROUP, "g"], [Operation.DESCRIBE, ResourceType.TOPIC, "orders"], [Operation.DESCRIBE, ResourceType.TOPIC, "audit"]]),
      heartbeat,
      info,
      next,
    );
    expect(all).toBe(served);
  });

  it("ConsumerGroupDescribe: DESCRIBE per group; the handler only sees the allowed ones", async () => {
    let asked: string[] = [];
    const next = async (req: { groupIds: string[] }) => {
      asked = req.groupIds;
      return { groups: req.groupIds.map((groupId) => ({ errorCode: 0, groupId, groupState: "Stable", groupEpoch: 1, assignmentEpoch: 1, assignorName: "uniform", members: [] })) };
    };
    const r = await consumerGroupDescribeGuard(ctxAllowing([[Operation.DESCRIBE, ResourceType.GROUP, "b"]]), { groupIds: ["a", "b"], includeAuthorizedOperations: false }, info, next as never);
    expect(asked).toEqual(["b"]);
    expect(r).toMatchObject({ groups: [{ groupId: "a", errorCode: 30 }, { groupId: "b", errorCode: 0, groupState: "Stable" }] });
  });

  it("ConsumerGroupDescribe: a group whose assignments hold a topic the describer cannot see answers TOPIC_AUTHORIZATION_FAILED, without members", async () => {
    const tps = (topicName: string) => ({ topicPartitions: [{ topicId: new Uint8Array(16), topicName, partitions: [0] }] });
    const member = (id: string, topic: string) => ({ memberId: id, instanceId: null, rackId: null, memberEpoch: 1, clientId: "c", clientHost: "/h", subscribedTopicNames: [], subscribedTopicRegex: "o.*", assignment: tps(topic), targetAssignment: tps(topic), memberType: 1 });
    const next = async (req: { groupIds: string[] }) => ({
      groups: req.groupIds.map((groupId) => ({ errorCode: 0, groupId, groupState: "Stable", groupEpoch: 1, assignmentEpoch: 1, assignorName: "uniform", members: groupId === "mixed" ? [member("a", "orders"), member("b", "secret")] : [member("a", "orders")] })),
    });
    const ctx = ctxAllowing([[Operation.DESCRIBE, ResourceType.GROUP, "mixed"], [Operation.DESCRIBE, ResourceType.GROUP, "plain"], [Operation.DESCRIBE, ResourceType.TOPIC, "orders"]]);
    const r = await consumerGroupDescribeGuard(ctx, { groupIds: ["mixed", "plain"], includeAuthorizedOperations: false }, info, next as never);
    expect(r).toMatchObject({ groups: [{ groupId: "mixed", errorCode: 29, members: [] }, { groupId: "plain", errorCode: 0, members: [{ memberId: "a" }] }] });
  });
});
