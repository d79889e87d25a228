// ListPartitionReassignments (key 46), v0: the partition reassignments in progress.
//
// Behavior: topics null lists every reassignment in progress, else only the named partitions that are
// moving (unknown or idle ones are left out, as Kafka does). Each shows its current replica set (target and
// leaving replicas while it moves), the replicas being added and those being removed. One node: never any.
// Read from etcd, not from this broker's copy of the cluster state: a client that has just had a move
// accepted (by any broker) must see it listed, as from Kafka's controller, until it completes.
// Authorization (guards-admin.ts): DESCRIBE on CLUSTER, else CLUSTER_AUTHORIZATION_FAILED (31).

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { OngoingPartitionReassignment } from "../../../protocol/kafka/apis/list-partition-reassignments.js";
import type { Handler } from "./context.js";

export const handleListPartitionReassignments: Handler<typeof ApiKey.ListPartitionReassignments> = async (ctx, request) => {
  const wanted = request.topics === null ? undefined : new Set(request.topics.flatMap((t) => t.partitionIndexes.map((p) => `${t.name}/${p}`)));
  const ongoing = (await ctx.broker.cluster?.reassignments?.(wanted ? (topic, p) => wanted.has(`${topic}/${p}`) : undefined)) ?? [];
  const byTopic = new Map<string, OngoingPartitionReassignment[]>();
  for (const r of ongoing) {
    let list = byTopic.get(r.topic);
    if (!list) byTopic.set(r.topic, (list = []));
    list.push({ partitionIndex: r.partition, replicas: r.replicas, addingReplicas: r.addingReplicas, removingReplicas: r.removingReplicas });
  }
  return { throttleTimeMs: 0, errorCode: KafkaErrors.NONE.code, errorMessage: null, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) };
};
