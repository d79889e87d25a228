// Metadata (key 3), v0-6.
//
// Behavior:
// - Brokers: this one node, at the advertised host and port; controller id = our node id (admin clients send
//   CreateTopics/DeleteTopics to the controller); cluster id (v2+) is stable for a data directory.
// - Topics: null (v1+) or an empty list at v0 means all topics; `[]` at v1+ means none. Internal topics
//   (`__consumer_offsets`) are listed with isInternal (v1+), as Kafka does.
// - Every partition is led by this node, with replicas = isr = [node], no offline replicas.
// - A requested topic that does not exist: UNKNOWN_TOPIC_OR_PARTITION, unless allowAutoTopicCreation (v4+;
//   always true below v4) and the listener has autoCreateTopics on, then it is created with the default
//   partition count (Kafka answers LEADER_NOT_AVAILABLE for a topic created this way; we answer with the
//   new topic at once). A name that is not a valid topic name: INVALID_TOPIC_EXCEPTION. Auto-creation is
//   off by default: librdkafka producers and kafkajs ask for it on every request for an unknown topic.
// Version notes: v1 is_internal, rack, controller id; v2 cluster id; v3 throttle time; v4
// allow_auto_topic_creation; v5 offline replicas; v6 throttling semantics only.

import { isInternalTopic, validateTopicName } from "../../../broker/topic-name.js";
import type { TopicRecord } from "../../../broker/topic-store.js";
import { KafkaErrors, toKafkaCode } from "../../../errors/index.js";
import type { ApiKey, MetadataTopic } from "../../../protocol/kafka/index.js";
import type { Handler, KafkaBrokerContext } from "./context.js";

export const handleMetadata: Handler<typeof ApiKey.Metadata> = async (ctx, request) => {
  const topics: MetadataTopic[] = [];
  if (request.topics === null) {
    for (const record of ctx.broker.listTopics()) topics.push(describe(ctx, record));
  } else {
    for (const { name } of request.topics) topics.push(await lookup(ctx, name, request.allowAutoTopicCreation));
  }
  return {
    brokers: [{ nodeId: ctx.nodeId, host: ctx.advertisedHost, port: ctx.advertisedPort, rack: null }],
    clusterId: ctx.clusterId,
    controllerId: ctx.nodeId,
    topics,
  };
};

async function lookup(ctx: KafkaBrokerContext, name: string, allowAutoCreate: boolean): Promise<MetadataTopic> {
  const record = ctx.broker.topic(name);
  if (record) return describe(ctx, record);
  try {
    validateTopicName(name);
  } catch (error) {
    return { errorCode: toKafkaCode(error), name, isInternal: false, partitions: [] };
  }
  if (!allowAutoCreate || !ctx.autoCreateTopics) {
    return { errorCode: KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code, name, isInternal: false, partitions: [] };
  }
  try {
    const created = await ctx.broker.createTopic(name, { partitions: ctx.defaultPartitions });
    ctx.coordinator?.refreshTopics();
    ctx.logger.info("topic auto-created", { topic: name, partitions: created.partitions });
    return describe(ctx, created);
  } catch (error) {
    // Another request may have created it meanwhile.
    const now = ctx.broker.topic(name);
    if (now) return describe(ctx, now);
    return { errorCode: toKafkaCode(error), name, isInternal: false, partitions: [] };
  }
}

function describe(ctx: KafkaBrokerContext, record: TopicRecord): MetadataTopic {
  const node = [ctx.nodeId];
  return {
    errorCode: KafkaErrors.NONE.code,
    name: record.name,
    isInternal: isInternalTopic(record.name),
    partitions: Array.from({ length: record.partitions }, (_, partitionIndex) => ({
      errorCode: KafkaErrors.NONE.code,
      partitionIndex,
      leaderId: ctx.nodeId,
      replicaNodes: node,
      isrNodes: node,
      offlineReplicas: [],
    })),
  };
}
