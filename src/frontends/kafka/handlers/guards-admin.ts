// Authorization guards for the admin APIs of issue 15 (see guards-data.ts for how guards work). Each one
// checks what Kafka's KafkaApis checks for the same request, per resource, and answers the denied part
// with Kafka's code for that resource while the handler serves the rest:
//
//   DescribeConfigs            topic: DESCRIBE_CONFIGS topic (29); broker: DESCRIBE_CONFIGS cluster (31)
//   AlterConfigs,
//   IncrementalAlterConfigs    topic: ALTER_CONFIGS topic (29); broker: ALTER_CONFIGS cluster (31)
//   CreatePartitions           ALTER topic                                               29 per topic
//   DeleteRecords              DELETE topic                                              29 per partition
//   DeleteGroups               DELETE group                                              30 per group
//   OffsetDelete               DELETE group (30 for the whole request), then READ topic  29 per partition
//   DescribeCluster            nothing, as Kafka (any authenticated client sees the brokers, as in
//                              Metadata); authorized operations only with DESCRIBE on the cluster, else 0
//   DescribeLogDirs            DESCRIBE cluster: otherwise error 31 and no results
//   AlterPartitionReassignments ALTER cluster: otherwise error 31 for the whole request
//   ListPartitionReassignments DESCRIBE cluster: otherwise error 31 and no topics
//   DescribeProducers          READ topic                                                29 per partition
//   OffsetForLeaderEpoch       CLUSTER_ACTION on the cluster (a replica) covers every topic; otherwise
//                              DESCRIBE topic (KIP-320 consumers)                        29 per partition
//
// Config resource types other than topic and broker (BROKER_LOGGER 8, client metrics, groups) need the
// cluster right too (DESCRIBE_CONFIGS / ALTER_CONFIGS), as Kafka asks for BROKER_LOGGER; the handler then
// answers them as it does without an authorizer.

import { KafkaErrors } from "../../../errors/index.js";
import type { AlterConfigsResponse, ApiKey } from "../../../protocol/kafka/index.js";
import { Operation, ResourceType } from "../../../security/index.js";
import { may, mayCluster } from "./authorize.js";
import { NO_RESPONSE, type KafkaBrokerContext, type NoResponse, type RequestInfo } from "./context.js";
import { mergeAllowed, type Guard } from "./guards-data.js";

const TOPIC_DENIED = KafkaErrors.TOPIC_AUTHORIZATION_FAILED.code;
const GROUP_DENIED = KafkaErrors.GROUP_AUTHORIZATION_FAILED.code;
const CLUSTER_DENIED = KafkaErrors.CLUSTER_AUTHORIZATION_FAILED.code;
/** ConfigResource.Type's wire value for a topic; every other type is a broker-wide resource here. */
const CONFIG_TOPIC = 2;

function must<T>(r: T | NoResponse): T {
  if (r === NO_RESPONSE) throw new Error("handler gave no response where one is required");
  return r;
}

/** Kafka's check for one config resource: the code to answer with when denied, or NONE. */
function configDenial(ctx: KafkaBrokerContext, info: RequestInfo, operation: Operation, resourceType: number, name: string): number {
  if (resourceType === CONFIG_TOPIC) return may(ctx, info, operation, ResourceType.TOPIC, name) ? KafkaErrors.NONE.code : TOPIC_DENIED;
  return mayCluster(ctx, info, operation) ? KafkaErrors.NONE.code : CLUSTER_DENIED;
}

const deniedMessage = (code: number) => (code === TOPIC_DENIED ? "Topic authorization failed." : "Cluster authorization failed.");

export const describeConfigsGuard: Guard<typeof ApiKey.DescribeConfigs> = async (ctx, request, info, next) => {
  let throttleTimeMs = 0;
  const denial = (r: { resourceType: number; resourceName: string }) => configDenial(ctx, info, Operation.DESCRIBE_CONFIGS, r.resourceType, r.resourceName);
  const results = await mergeAllowed(
    request.resources,
    (r) => denial(r) === KafkaErrors.NONE.code,
    async (resources) => {
      const r = must(await next({ ...request, resources }));
      throttleTimeMs = r.throttleTimeMs ?? 0;
      return r.results;
    },
    (r) => {
      const errorCode = denial(r);
      return { errorCode, errorMessage: deniedMessage(errorCode), resourceType: r.resourceType, resourceName: r.resourceName, configs: [] };
    },
  );
  return { throttleTimeMs, results };
};

/** AlterConfigs and IncrementalAlterConfigs share their response and their rule. */
async function alterResources<R extends { resourceType: number; resourceName: string }>(
  ctx: KafkaBrokerContext,
  info: RequestInfo,
  resources: R[],
  call: (allowed: R[]) => Promise<AlterConfigsResponse | NoResponse>,
): Promise<AlterConfigsResponse> {
  let throttleTimeMs = 0;
  const denial = (r: R) => configDenial(ctx, info, Operation.ALTER_CONFIGS, r.resourceType, r.resourceName);
  const responses = await mergeAllowed(
    resources,
    (r) => denial(r) === KafkaErrors.NONE.code,
    async (allowed) => {
      const r = must(await call(allowed));
      throttleTimeMs = r.throttleTimeMs ?? 0;
      return r.responses;
    },
    (r) => {
      const errorCode = denial(r);
      return { errorCode, errorMessage: deniedMessage(errorCode), resourceType: r.resourceType, resourceName: r.resourceName };
    },
  );
  return { throttleTimeMs, responses };
}

export const alterConfigsGuard: Guard<typeof ApiKey.AlterConfigs> = (ctx, request, info, next) =>
  alterResources(ctx, info, request.resources, (resources) => next({ ...request, resources }));

export const incrementalAlterConfigsGuard: Guard<typeof ApiKey.IncrementalAlterConfigs> = (ctx, request, info, next) =>
  alterResources(ctx, info, request.resources, (resources) => next({ ...request, resources }));

export const createPartitionsGuard: Guard<typeof ApiKey.CreatePartitions> = async (ctx, request, info, next) => {
  let throttleTimeMs = 0;
  const results = await mergeAllowed(
    request.topics,
    (t) => may(ctx, info, Operation.ALTER, ResourceType.TOPIC, t.name),
    async (topics) => {
      const r = must(await next({ ...request, topics }));
      throttleTimeMs = r.throttleTimeMs ?? 0;
      return r.results;
    },
    (t) => ({ name: t.name, errorCode: TOPIC_DENIED, errorMessage: "Topic authorization failed." }),
  );
  return { throttleTimeMs, results };
};

export const deleteRecordsGuard: Guard<typeof ApiKey.DeleteRecords> = async (ctx, request, info, next) => {
  const topics = await mergeAllowed(
    request.topics,
    (t) => may(ctx, info, Operation.DELETE, ResourceType.TOPIC, t.name),
    async (topics) => must(await next({ ...request, topics })).topics,
    (t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: TOPIC_DENIED })) }),
  );
  return { throttleTimeMs: 0, topics };
};

export const deleteGroupsGuard: Guard<typeof ApiKey.DeleteGroups> = async (ctx, request, info, next) => {
  const results = await mergeAllowed(
    request.groupsNames,
    (g) => may(ctx, info, Operation.DELETE, ResourceType.GROUP, g),
    async (groupsNames) => must(await next({ ...request, groupsNames })).results,
    (groupId) => ({ groupId, errorCode: GROUP_DENIED }),
  );
  return { throttleTimeMs: 0, results };
};

export const offsetDeleteGuard: Guard<typeof ApiKey.OffsetDelete> = async (ctx, request, info, next) => {
  if (!may(ctx, info, Operation.DELETE, ResourceType.GROUP, request.groupId)) return { errorCode: GROUP_DENIED, throttleTimeMs: 0, topics: [] };
  let errorCode: number = KafkaErrors.NONE.code;
  const topics = await mergeAllowed(
    request.topics,
    (t) => may(ctx, info, Operation.READ, ResourceType.TOPIC, t.name),
    async (topics) => {
      const r = must(await next({ ...request, topics }));
      errorCode = r.errorCode;
      return r.topics;
    },
    (t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: TOPIC_DENIED })) }),
  );
  return { errorCode, throttleTimeMs: 0, topics };
};

/** Kafka's AclOperation codes a cluster resource can carry (KafkaApis's authorizedOperations for CLUSTER). */
const CLUSTER_OPERATIONS = [Operation.CREATE, Operation.ALTER, Operation.DESCRIBE, Operation.CLUSTER_ACTION, Operation.DESCRIBE_CONFIGS, Operation.ALTER_CONFIGS, Operation.IDEMPOTENT_WRITE];

export const describeClusterGuard: Guard<typeof ApiKey.DescribeCluster> = async (ctx, request, info, next) => {
  const r = must(await next(request));
  if (!request.includeClusterAuthorizedOperations) return r;
  const bits = mayCluster(ctx, info, Operation.DESCRIBE) ? CLUSTER_OPERATIONS.reduce((acc, op) => (mayCluster(ctx, info, op) ? acc | (1 << op) : acc), 0) : 0;
  return { ...r, clusterAuthorizedOperations: bits };
};

export const describeLogDirsGuard: Guard<typeof ApiKey.DescribeLogDirs> = async (ctx, request, info, next) =>
  mayCluster(ctx, info, Operation.DESCRIBE) ? next(request) : { throttleTimeMs: 0, errorCode: CLUSTER_DENIED, results: [] };

export const describeProducersGuard: Guard<typeof ApiKey.DescribeProducers> = async (ctx, request, info, next) => {
  const topics = await mergeAllowed(
    request.topics,
    (t) => may(ctx, info, Operation.READ, ResourceType.TOPIC, t.name),
    async (topics) => must(await next({ ...request, topics })).topics,
    (t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode: TOPIC_DENIED, errorMessage: "Topic authorization failed.", activeProducers: [] })) }),
  );
  return { throttleTimeMs: 0, topics };
};

export const offsetForLeaderEpochGuard: Guard<typeof ApiKey.OffsetForLeaderEpoch> = async (ctx, request, info, next) => {
  if (mayCluster(ctx, info, Operation.CLUSTER_ACTION)) return next(request);
  const topics = await mergeAllowed(
    request.topics,
    (t) => may(ctx, info, Operation.DESCRIBE, ResourceType.TOPIC, t.topic),
    async (topics) => must(await next({ ...request, topics })).topics,
    (t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ errorCode: TOPIC_DENIED, partition: p.partition, leaderEpoch: -1, endOffset: -1n })) }),
  );
  return { throttleTimeMs: 0, topics };
};

export const alterPartitionReassignmentsGuard: Guard<typeof ApiKey.AlterPartitionReassignments> = async (ctx, request, info, next) =>
  mayCluster(ctx, info, Operation.ALTER)
    ? next(request)
    : { throttleTimeMs: 0, allowReplicationFactorChange: request.allowReplicationFactorChange ?? true, errorCode: CLUSTER_DENIED, errorMessage: "Cluster authorization failed.", responses: [] };

export const listPartitionReassignmentsGuard: Guard<typeof ApiKey.ListPartitionReassignments> = async (ctx, request, info, next) =>
  mayCluster(ctx, info, Operation.DESCRIBE) ? next(request) : { throttleTimeMs: 0, errorCode: CLUSTER_DENIED, errorMessage: "Cluster authorization failed.", topics: [] };
