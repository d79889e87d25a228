// CreateTopics (key 19), v0-7.
//
// Behavior:
// - Per topic, in request order, errors as data: a name given twice in one request: INVALID_REQUEST for
//   each; an existing topic: TOPIC_ALREADY_EXISTS; a bad name: INVALID_TOPIC_EXCEPTION; partitions outside
//   [1, 10000]: INVALID_PARTITIONS; replication factor other than 1 or -1: INVALID_REPLICATION_FACTOR (one
//   node); an unknown or out-of-range config: INVALID_CONFIG (null config values are skipped, as Kafka
//   does).
// - numPartitions -1 (v4, KIP-464) means the default partition count; replicationFactor -1 means 1.
// - Manual assignments: allowed only with numPartitions = replicationFactor = -1 (as Kafka requires), and
//   every partition must be assigned to exactly this node; their count is the partition count.
// - validateOnly (v1+): the same checks, nothing created.
// - timeout_ms is not needed: creation is complete (durable metadata, partitions open) when we answer.
// - v5+ answers with the resulting partition count, replication factor 1 and the configs set on the topic
//   (source DYNAMIC_TOPIC_CONFIG); v7 adds the topic's id (all zeros under validateOnly).
// Version notes: v1 validate_only and error_message; v2 throttle time; v3 throttling; v4 -1 defaults;
// v5 flexible, configs in the response; v6 quota errors (none); v7 topic ids.

import { MAX_PARTITIONS } from "../../../broker/topic-admin.js";
import { validateTopicName } from "../../../broker/topic-name.js";
import { InvalidArgumentError, KafkaErrors, KafkaProtocolError, toKafkaCode } from "../../../errors/index.js";
import type { ApiKey, CreatableTopic, CreatableTopicResult } from "../../../protocol/kafka/index.js";
import { parseKafkaConfigs } from "../../../storage/log-config.js";
import type { Handler, KafkaBrokerContext } from "./context.js";
import { topicIdBytes } from "./topic-ids.js";

/** DescribeConfigs' source DYNAMIC_TOPIC_CONFIG: a value set on the topic itself. */
const TOPIC_CONFIG_SOURCE = 1;

export const handleCreateTopics: Handler<typeof ApiKey.CreateTopics> = async (ctx, request) => {
  const counts = new Map<string, number>();
  for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const topics: CreatableTopicResult[] = [];
  let created = false;
  for (const t of request.topics) {
    if (counts.get(t.name)! > 1) {
      topics.push({ name: t.name, errorCode: KafkaErrors.INVALID_REQUEST.code, errorMessage: `topic ${t.name} appears more than once in the request` });
      continue;
    }
    try {
      const { partitions, configs } = validate(ctx, t);
      let topicId: Uint8Array | undefined;
      const replicationFactor = ctx.broker.cluster && t.replicationFactor !== -1 ? t.replicationFactor : undefined;
      if (!request.validateOnly) {
        topicId = topicIdBytes(await ctx.broker.createTopic(t.name, { partitions, configs, replicationFactor }));
        created = true;
      }
      const described = Object.entries(configs).map(([name, value]) => ({ name, value, readOnly: false, configSource: TOPIC_CONFIG_SOURCE, isSensitive: false }));
      topics.push({ name: t.name, topicId, errorCode: KafkaErrors.NONE.code, errorMessage: null, numPartitions: partitions, replicationFactor: 1, configs: described });
    } catch (error) {
      topics.push({ name: t.name, errorCode: toKafkaCode(error), errorMessage: (error as Error).message });
    }
  }
  if (created) ctx.coordinator?.refreshTopics();
  return { topics };
};

function validate(ctx: KafkaBrokerContext, t: CreatableTopic): { partitions: number; configs: Record<string, string> } {
  validateTopicName(t.name);
  if (ctx.broker.topic(t.name)) throw new KafkaProtocolError("TOPIC_ALREADY_EXISTS", `topic ${t.name} already exists`);
  let partitions = t.numPartitions === -1 ? ctx.defaultPartitions : t.numPartitions;
  if (t.assignments.length > 0) {
    if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
      throw new KafkaProtocolError("INVALID_REQUEST", "with manual assignments, numPartitions and replicationFactor must be -1");
    }
    const indexes = new Set(t.assignments.map((a) => a.partitionIndex));
    if (indexes.size !== t.assignments.length || [...indexes].some((i) => i < 0 || i >= t.assignments.length)) {
      throw new KafkaProtocolError("INVALID_PARTITIONS", "manual assignments must number the partitions 0..n-1 once each");
    }
    if (t.assignments.some((a) => a.brokerIds.length !== 1 || a.brokerIds[0] !== ctx.nodeId)) {
      throw new KafkaProtocolError("INVALID_REPLICATION_FACTOR", `every partition must be assigned to this broker (${ctx.nodeId}) alone`);
    }
    partitions = t.assignments.length;
  } else if (ctx.broker.cluster) {
    // Cluster mode: at most the live broker count (Kafka's INVALID_REPLICATION_FACTOR otherwise).
    const live = ctx.broker.cluster.brokers().length;
    if (t.replicationFactor !== -1 && (t.replicationFactor < 1 || t.replicationFactor > live)) {
      throw new KafkaProtocolError("INVALID_REPLICATION_FACTOR", `replication factor must be in [1, ${live}] (live brokers), got ${t.replicationFactor}`);
    }
  } else if (t.replicationFactor !== 1 && t.replicationFactor !== -1) {
    throw new KafkaProtocolError("INVALID_REPLICATION_FACTOR", `replication factor must be 1 (or -1): this is a single-broker cluster, got ${t.replicationFactor}`);
  }
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
    throw new KafkaProtocolError("INVALID_PARTITIONS", `partitions must be in [1, ${MAX_PARTITIONS}], got ${partitions}`);
  }
  const configs: Record<string, string> = {};
  for (const c of t.configs) if (c.value !== null) configs[c.name] = c.value;
  try {
    parseKafkaConfigs(configs);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new KafkaProtocolError("INVALID_CONFIG", error.message);
    throw error;
  }
  return { partitions, configs };
}
