// CreatePartitions (key 37), v0-3.
//
// Behavior:
// - count is the new total: it must exceed the current count (and stay <= 10000), else INVALID_PARTITIONS;
//   unknown topic: UNKNOWN_TOPIC_OR_PARTITION; a topic named twice: INVALID_REQUEST for each.
// - Manual assignments must give one list per new partition, each exactly [this node]; else
//   INVALID_REPLICA_ASSIGNMENT (39). Cluster mode: the controller places the new partitions' replicas like
//   topic creation (docs/cluster.md), so a manual assignment is INVALID_REPLICA_ASSIGNMENT.
// - No existing data moves: the new partitions start empty, existing partitions keep their logs and
//   offsets. Keyed placement changes for records produced afterwards (hash(key) % partitions now picks
//   among more partitions, as in Kafka), so a key's new records may land on a different partition than
//   its old ones: per-key ordering holds only from the change on.
// - validate_only: the same checks, nothing created. Otherwise the partitions exist (durable metadata,
//   logs open) when we answer, and groups are told the topic grew (they rebalance onto the new partitions).

import { MAX_PARTITIONS } from "../../../broker/topic-admin.js";
import { KafkaErrors, KafkaProtocolError, toKafkaCode } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

const INVALID_REPLICA_ASSIGNMENT = 39;

export const handleCreatePartitions: Handler<typeof ApiKey.CreatePartitions> = async (ctx, request) => {
  const counts = new Map<string, number>();
  for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const results = [];
  let grew = false;
  for (const t of request.topics) {
    try {
      if (counts.get(t.name)! > 1) throw new KafkaProtocolError("INVALID_REQUEST", `topic ${t.name} appears more than once in the request`);
      const record = ctx.broker.topic(t.name);
      if (!record) throw new KafkaProtocolError("UNKNOWN_TOPIC_OR_PARTITION", `topic ${t.name} does not exist`);
      if (!Number.isInteger(t.count) || t.count <= record.partitions || t.count > MAX_PARTITIONS) {
        throw new KafkaProtocolError("INVALID_PARTITIONS", `topic ${t.name} has ${record.partitions} partitions; the new count must be larger (and <= ${MAX_PARTITIONS}), got ${t.count}`);
      }
      if (t.assignments !== null && ctx.broker.cluster) {
        results.push({ name: t.name, errorCode: INVALID_REPLICA_ASSIGNMENT, errorMessage: "in cluster mode the controller places replicas: give no assignment" });
        continue;
      }
      if (t.assignments !== null) {
        const added = t.count - record.partitions;
        if (t.assignments.length !== added || t.assignments.some((a) => a.brokerIds.length !== 1 || a.brokerIds[0] !== ctx.nodeId)) {
          results.push({ name: t.name, errorCode: INVALID_REPLICA_ASSIGNMENT, errorMessage: `give ${added} assignments, each [${ctx.nodeId}] (this broker alone)` });
          continue;
        }
      }
      if (!request.validateOnly) {
        await ctx.broker.addPartitions(t.name, t.count);
        grew = true;
        ctx.logger.info("partitions added", { topic: t.name, from: record.partitions, to: t.count });
      }
      results.push({ name: t.name, errorCode: KafkaErrors.NONE.code, errorMessage: null });
    } catch (error) {
      results.push({ name: t.name, errorCode: toKafkaCode(error), errorMessage: (error as Error).message });
    }
  }
  if (grew) ctx.coordinator?.refreshTopics();
  return { results };
};
