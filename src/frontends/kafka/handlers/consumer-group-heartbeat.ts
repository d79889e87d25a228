// ConsumerGroupHeartbeat (key 68), v0-1: KIP-848's consumer group protocol, where the broker assigns.
//
// Behavior: the coordinator's (src/groups/consumer/heartbeat.ts has the full table): join with epoch 0, then
// heartbeat with the epoch it answers; the response carries the member's assignment whenever it changes.
// Here only the wire concerns: topic ids ↔ names (owned partitions of a topic id this broker does not know,
// e.g. a deleted topic, are dropped: the member cannot hold them), the client id from the request header and
// the client host, and v1's rule that the client names its own member id (KIP-1082). Without a coordinator:
// COORDINATOR_NOT_AVAILABLE. Errors come with Kafka's error message text. The answer waits until the group's
// metadata records are durable (consumerGroupHeartbeatDurable), as Kafka answers once they are committed.
// With an authorizer, the topics a SubscribedTopicRegex matches count only where the principal may DESCRIBE
// them (Kafka 4, KAFKA-18813): the member is neither assigned nor told the names of the others.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { ConsumerGroupTopicPartitions } from "../../../protocol/kafka/apis/consumer-group-heartbeat.js";
import type { TopicPartition } from "../../../groups/index.js";
import type { Handler, KafkaBrokerContext } from "./context.js";
import { Operation, ResourceType } from "../../../security/index.js";
import { may } from "./authorize.js";
import { topicById, topicIdBytes } from "./topic-ids.js";

export const handleConsumerGroupHeartbeat: Handler<typeof ApiKey.ConsumerGroupHeartbeat> = async (ctx, request, info) => {
  if (!ctx.coordinator) return { errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code, memberEpoch: -1, heartbeatIntervalMs: 0 };
  const res = await ctx.coordinator.consumerGroupHeartbeatDurable({
    groupId: request.groupId,
    memberId: request.memberId,
    memberEpoch: request.memberEpoch,
    instanceId: request.instanceId ?? null,
    rackId: request.rackId ?? null,
    rebalanceTimeoutMs: request.rebalanceTimeoutMs ?? -1,
    subscribedTopicNames: request.subscribedTopicNames ?? null,
    subscribedTopicRegex: request.subscribedTopicRegex ?? null,
    serverAssignor: request.serverAssignor ?? null,
    topicPartitions: request.topicPartitions ? toNames(ctx, request.topicPartitions) : null,
    clientGeneratesMemberId: info.header.apiVersion >= 1,
    clientId: info.header.clientId ?? "",
    clientHost: info.clientHost,
    // KAFKA-18813: a regex resolves only to topics this principal may DESCRIBE (checked live, so ACL changes
    // show at the next heartbeat). Topic names it subscribes to by name were checked by the guard.
    topicVisible: ctx.security?.authorizer ? (topic) => may(ctx, info, Operation.DESCRIBE, ResourceType.TOPIC, topic) : undefined,
  });
  return {
    errorCode: res.errorCode,
    errorMessage: res.errorMessage,
    memberId: res.memberId,
    memberEpoch: res.memberEpoch,
    heartbeatIntervalMs: res.heartbeatIntervalMs,
    assignment: res.assignment ? { topicPartitions: toIds(ctx, res.assignment) } : null,
  };
};

function toNames(ctx: KafkaBrokerContext, owned: ConsumerGroupTopicPartitions[]): TopicPartition[] {
  const out: TopicPartition[] = [];
  for (const t of owned) {
    const topic = topicById(ctx, t.topicId);
    if (topic) for (const partition of t.partitions) out.push({ topic: topic.name, partition });
  }
  return out;
}

/** Names → ids, one entry per topic (a topic deleted meanwhile is left out: its id is gone). */
export function toIds(ctx: KafkaBrokerContext, partitions: TopicPartition[]): Array<ConsumerGroupTopicPartitions & { topicName: string }> {
  const byTopic = new Map<string, number[]>();
  for (const tp of partitions) {
    let list = byTopic.get(tp.topic);
    if (!list) byTopic.set(tp.topic, (list = []));
    list.push(tp.partition);
  }
  const out: Array<ConsumerGroupTopicPartitions & { topicName: string }> = [];
  for (const [name, list] of byTopic) {
    const record = ctx.broker.topic(name);
    if (record) out.push({ topicId: topicIdBytes(record), topicName: name, partitions: list.sort((a, b) => a - b) });
  }
  return out;
}
