// AlterPartitionReassignments (key 45), v0-1: move partitions to other brokers (kafka-reassign-partitions).
//
// Behavior:
// - Cluster mode: each partition's request is checked against the cluster metadata and recorded for the
//   controller, which moves the partition step by step (src/cluster/partition-reassignment.ts: new replicas
//   join and catch up, leadership moves if the leader leaves, then the old replicas are dropped). The answer
//   comes once the request is recorded, as Kafka answers once the reassignment has started;
//   ListPartitionReassignments shows progress. Per partition: UNKNOWN_TOPIC_OR_PARTITION; INVALID_REPLICA_
//   ASSIGNMENT (39) for an empty list, duplicates, brokers that are not alive or are being drained;
//   INVALID_REPLICATION_FACTOR (38) when v1's AllowReplicationFactorChange is false and the count changes;
//   replicas null cancels: back to the original replicas, or NO_REASSIGNMENT_IN_PROGRESS (85) when none.
// - One node: the only possible replica set is [this broker]. Asking for it is a no-op (NONE), any other
//   set INVALID_REPLICA_ASSIGNMENT, a cancel NO_REASSIGNMENT_IN_PROGRESS; unknown partitions as above.
// - A partition named twice in one request: INVALID_REQUEST for each mention.
// - Authorization (guards-admin.ts): ALTER on CLUSTER, else CLUSTER_AUTHORIZATION_FAILED (31) for the whole
//   request. The response echoes AllowReplicationFactorChange (v1).

import { KafkaErrors, KafkaProtocolError, toKafkaCode } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler, KafkaBrokerContext } from "./context.js";

export const handleAlterPartitionReassignments: Handler<typeof ApiKey.AlterPartitionReassignments> = async (ctx, request) => {
  const allowRfChange = request.allowReplicationFactorChange ?? true;
  const seen = new Map<string, number>();
  for (const t of request.topics) for (const p of t.partitions) seen.set(`${t.name}/${p.partitionIndex}`, (seen.get(`${t.name}/${p.partitionIndex}`) ?? 0) + 1);
  const responses = [];
  for (const t of request.topics) {
    const partitions = [];
    for (const p of t.partitions) {
      try {
        if (seen.get(`${t.name}/${p.partitionIndex}`)! > 1) throw new KafkaProtocolError("INVALID_REQUEST", `${t.name}-${p.partitionIndex} appears more than once in the request`);
        await reassign(ctx, t.name, p.partitionIndex, p.replicas, allowRfChange);
        partitions.push({ partitionIndex: p.partitionIndex, errorCode: KafkaErrors.NONE.code, errorMessage: null });
      } catch (error) {
        partitions.push({ partitionIndex: p.partitionIndex, errorCode: toKafkaCode(error), errorMessage: error instanceof Error ? error.message : String(error) });
      }
    }
    responses.push({ name: t.name, partitions });
  }
  return { throttleTimeMs: 0, allowReplicationFactorChange: allowRfChange, errorCode: KafkaErrors.NONE.code, errorMessage: null, responses };
};

async function reassign(ctx: KafkaBrokerContext, topic: string, partition: number, replicas: number[] | null, allowRfChange: boolean): Promise<void> {
  const cluster = ctx.broker.cluster;
  if (cluster?.reassign) return cluster.reassign(topic, partition, replicas, allowRfChange);
  const record = ctx.broker.topic(topic);
  if (!record || partition < 0 || partition >= record.partitions) throw new KafkaProtocolError("UNKNOWN_TOPIC_OR_PARTITION", `${topic}-${partition} does not exist`);
  if (replicas === null) throw new KafkaProtocolError("NO_REASSIGNMENT_IN_PROGRESS", `no reassignment of ${topic}-${partition} is in progress`);
  if (replicas.length !== 1 || replicas[0] !== ctx.nodeId) {
    throw new KafkaProtocolError("INVALID_REPLICA_ASSIGNMENT", `a single broker (node ${ctx.nodeId}) is the only replica a partition can have; got [${replicas.join(",")}]`);
  }
}
