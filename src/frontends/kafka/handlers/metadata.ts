// Metadata (key 3), v0-12.
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
// - Topic ids (v10+): every topic carries its stable UUID (kept with the topic since creation). A request
//   by id (name null) for an unknown id: UNKNOWN_TOPIC_ID, name null; a request by name never creates by id.
// - Leader epochs (v7+): single node -1 (unknown; with no leader changes the epoch never moves, and a
//   known one would make librdkafka and Java clients validate positions after every metadata change).
//   Cluster mode: the partition's leader epoch from etcd (OffsetForLeaderEpoch answers from the leader's
//   epoch cache, Fetch/ListOffsets check the client's epoch).
// - Authorized operations (v8+): INT32_MIN ("not requested") unless asked for; when asked, every topic
//   operation is allowed (there are no ACLs): READ..DESCRIBE_CONFIGS bits as Kafka encodes them.
// Version notes: v1 is_internal, rack, controller id; v2 cluster id; v3 throttle time; v4
// allow_auto_topic_creation; v5 offline replicas; v6 throttling semantics only; v7 leader epochs; v8
// authorized operations; v9 flexible; v10 topic ids; v11 no cluster operations; v12 nullable names.

import { isInternalTopic, validateTopicName } from "../../../broker/topic-name.js";
import type { TopicRecord } from "../../../broker/topic-store.js";
import { KafkaErrors, toKafkaCode } from "../../../errors/index.js";
import type { ApiKey, MetadataTopic } from "../../../protocol/kafka/index.js";
import type { Handler, KafkaBrokerContext } from "./context.js";
import { MoreKafkaCodes, ZERO_UUID, isZeroUuid, topicById, topicIdBytes } from "./topic-ids.js";

// Kafka's AclOperation codes: READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8,
// DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11 — the operations a topic supports, all allowed here.
const TOPIC_OPERATIONS = [3, 4, 5, 6, 7, 8, 10, 11].reduce((bits, op) => bits | (1 << op), 0);
const CLUSTER_OPERATIONS = [4, 5, 7, 8, 9, 10, 11, 12].reduce((bits, op) => bits | (1 << op), 0);
const NOT_REQUESTED = -2147483648;

export const handleMetadata: Handler<typeof ApiKey.Metadata> = async (ctx, request) => {
  const topics: MetadataTopic[] = [];
  if (request.topics === null) {
    for (const record of ctx.broker.listTopics()) topics.push(describe(ctx, record));
  } else {
    for (const t of request.topics) {
      if (t.name === null || (!isZeroUuid(t.topicId) && t.name === "")) {
        const record = t.topicId ? topicById(ctx, t.topicId) : undefined;
        topics.push(record ? describe(ctx, record) : { errorCode: MoreKafkaCodes.UNKNOWN_TOPIC_ID, name: null, topicId: t.topicId ?? ZERO_UUID, isInternal: false, partitions: [] });
      } else {
        topics.push(await lookup(ctx, t.name, request.allowAutoTopicCreation));
      }
    }
  }
  const operations = request.includeTopicAuthorizedOperations ? TOPIC_OPERATIONS : NOT_REQUESTED;
  for (const t of topics) t.topicAuthorizedOperations = t.errorCode === KafkaErrors.NONE.code ? operations : NOT_REQUESTED;
  const cluster = ctx.broker.cluster;
  return {
    // Cluster mode: every live broker and the etcd-elected controller (src/cluster/).
    brokers: cluster
      ? cluster.brokers().filter((b) => b.kafkaPort > 0).map((b) => ({ nodeId: b.id, host: b.host, port: b.id === ctx.nodeId ? ctx.advertisedPort : b.kafkaPort, rack: null }))
      : [{ nodeId: ctx.nodeId, host: ctx.advertisedHost, port: ctx.advertisedPort, rack: null }],
    clusterId: ctx.clusterId,
    controllerId: cluster ? cluster.controllerId() : ctx.nodeId,
    topics,
    clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : NOT_REQUESTED,
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
  if (ctx.broker.cluster) return describeInCluster(ctx, record);
  const node = [ctx.nodeId];
  return {
    errorCode: KafkaErrors.NONE.code,
    name: record.name,
    topicId: topicIdBytes(record),
    isInternal: isInternalTopic(record.name),
    partitions: Array.from({ length: record.partitions }, (_, partitionIndex) => ({
      errorCode: KafkaErrors.NONE.code,
      partitionIndex,
      leaderId: ctx.nodeId,
      leaderEpoch: -1,
      replicaNodes: node,
      isrNodes: node,
      offlineReplicas: [],
    })),
  };
}

/**
 * Cluster mode: each partition's leader, replicas and ISR from the etcd metadata. A partition with no live
 * leader answers LEADER_NOT_AVAILABLE (retriable). Leader epochs are the
 * controller's (clients send them back in Fetch/ListOffsets and validate positions with OffsetForLeaderEpoch).
 */
function describeInCluster(ctx: KafkaBrokerContext, record: TopicRecord): MetadataTopic {
  const cluster = ctx.broker.cluster!;
  const live = new Set(cluster.brokers().map((b) => b.id));
  return {
    errorCode: KafkaErrors.NONE.code,
    name: record.name,
    topicId: topicIdBytes(record),
    isInternal: isInternalTopic(record.name),
    partitions: Array.from({ length: record.partitions }, (_, partitionIndex) => {
      const state = cluster.partition(record.name, partitionIndex);
      const leader = state && live.has(state.leader) ? state.leader : -1;
      return {
        errorCode: leader === -1 ? KafkaErrors.LEADER_NOT_AVAILABLE.code : KafkaErrors.NONE.code,
        partitionIndex,
        leaderId: leader,
        leaderEpoch: state?.leaderEpoch ?? -1,
        replicaNodes: state?.replicas ?? [],
        isrNodes: state?.isr ?? [],
        offlineReplicas: (state?.replicas ?? []).filter((id) => !live.has(id)),
      };
    }),
  };
}
