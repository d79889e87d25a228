// The dispatch table: one handler per API key in the codec registry (src/protocol/kafka/registry.ts). The
// mapped type makes a registered API without a handler a compile error, and the check below makes it a
// startup error too, so ApiVersions can never advertise something nobody answers.
//
//   frame ─► decodeRequestFrame ─► dispatch(ctx, decoded) ─► handler ─► encodeResponseFrame ─► parts
//                                                               └─► NO_RESPONSE (acks=0) ─► null

import {
  ApiKey,
  encodeResponseFrame,
  registrationFor,
  registrations,
  type ApiKeyValue,
  type DecodedRequest,
} from "../../../protocol/kafka/index.js";
import { handleApiVersions } from "./api-versions.js";
import { NO_RESPONSE, type Handler, type KafkaBrokerContext, type RequestInfo } from "./context.js";
import { handleCreateTopics } from "./create-topics.js";
import { handleDeleteTopics } from "./delete-topics.js";
import { handleDescribeGroups } from "./describe-groups.js";
import { handleFetch } from "./fetch.js";
import { handleFindCoordinator } from "./find-coordinator.js";
import { handleHeartbeat } from "./heartbeat.js";
import { handleInitProducerId } from "./init-producer-id.js";
import { handleJoinGroup } from "./join-group.js";
import { handleLeaveGroup } from "./leave-group.js";
import { handleListGroups } from "./list-groups.js";
import { handleListOffsets } from "./list-offsets.js";
import { handleMetadata } from "./metadata.js";
import { handleOffsetCommit } from "./offset-commit.js";
import { handleOffsetFetch } from "./offset-fetch.js";
import { handleProduce } from "./produce.js";
import { handleSyncGroup } from "./sync-group.js";
import { handleAlterConfigs } from "./alter-configs.js";
import { handleCreatePartitions } from "./create-partitions.js";
import { handleDeleteGroups } from "./delete-groups.js";
import { handleDeleteRecords } from "./delete-records.js";
import { handleDescribeCluster } from "./describe-cluster.js";
import { handleDescribeConfigs } from "./describe-configs.js";
import { handleDescribeLogDirs } from "./describe-log-dirs.js";
import { handleDescribeProducers } from "./describe-producers.js";
import { handleAlterPartitionReassignments } from "./alter-partition-reassignments.js";
import { handleListPartitionReassignments } from "./list-partition-reassignments.js";
import { handleIncrementalAlterConfigs } from "./incremental-alter-configs.js";
import { handleOffsetDelete } from "./offset-delete.js";
import { handleOffsetForLeaderEpoch } from "./offset-for-leader-epoch.js";
import { handleSaslHandshake } from "./sasl-handshake.js";
import { handleSaslAuthenticate } from "./sasl-authenticate.js";
import { handleDescribeAcls } from "./describe-acls.js";
import { handleCreateAcls } from "./create-acls.js";
import { handleDeleteAcls } from "./delete-acls.js";
import { handleDescribeUserScramCredentials } from "./describe-user-scram-credentials.js";
import { handleAlterUserScramCredentials } from "./alter-user-scram-credentials.js";
import { handleConsumerGroupHeartbeat } from "./consumer-group-heartbeat.js";
import { handleConsumerGroupDescribe } from "./consumer-group-describe.js";
import { handleAddPartitionsToTxn } from "./add-partitions-to-txn.js";
import { handleAddOffsetsToTxn } from "./add-offsets-to-txn.js";
import { handleEndTxn } from "./end-txn.js";
import { handleTxnOffsetCommit } from "./txn-offset-commit.js";
import { handleDescribeTransactions } from "./describe-transactions.js";
import { handleListTransactions } from "./list-transactions.js";
import { AuthenticationRequiredError, ClusterAuthorizationError, guards, PRE_AUTHENTICATION, READ_ONLY_ADMIN, SELF_AUTHORIZING } from "./guards.js";
import { mayCluster } from "./authorize.js";
import { Operation } from "../../../security/index.js";
import type { Guard } from "./guards-data.js";

export const handlers: { readonly [K in ApiKeyValue]: Handler<K> } = {
  [ApiKey.Produce]: handleProduce,
  [ApiKey.Fetch]: handleFetch,
  [ApiKey.ListOffsets]: handleListOffsets,
  [ApiKey.Metadata]: handleMetadata,
  [ApiKey.OffsetCommit]: handleOffsetCommit,
  [ApiKey.OffsetFetch]: handleOffsetFetch,
  [ApiKey.FindCoordinator]: handleFindCoordinator,
  [ApiKey.JoinGroup]: handleJoinGroup,
  [ApiKey.Heartbeat]: handleHeartbeat,
  [ApiKey.LeaveGroup]: handleLeaveGroup,
  [ApiKey.SyncGroup]: handleSyncGroup,
  [ApiKey.DescribeGroups]: handleDescribeGroups,
  [ApiKey.ListGroups]: handleListGroups,
  [ApiKey.ApiVersions]: handleApiVersions,
  [ApiKey.CreateTopics]: handleCreateTopics,
  [ApiKey.DeleteTopics]: handleDeleteTopics,
  [ApiKey.InitProducerId]: handleInitProducerId,
  [ApiKey.AlterConfigs]: handleAlterConfigs,
  [ApiKey.CreatePartitions]: handleCreatePartitions,
  [ApiKey.DeleteGroups]: handleDeleteGroups,
  [ApiKey.DeleteRecords]: handleDeleteRecords,
  [ApiKey.DescribeCluster]: handleDescribeCluster,
  [ApiKey.DescribeConfigs]: handleDescribeConfigs,
  [ApiKey.DescribeLogDirs]: handleDescribeLogDirs,
  [ApiKey.DescribeProducers]: handleDescribeProducers,
  [ApiKey.AlterPartitionReassignments]: handleAlterPartitionReassignments,
  [ApiKey.ListPartitionReassignments]: handleListPartitionReassignments,
  [ApiKey.IncrementalAlterConfigs]: handleIncrementalAlterConfigs,
  [ApiKey.OffsetDelete]: handleOffsetDelete,
  [ApiKey.OffsetForLeaderEpoch]: handleOffsetForLeaderEpoch,
  // Security (issue 13)
  [ApiKey.SaslHandshake]: handleSaslHandshake,
  [ApiKey.SaslAuthenticate]: handleSaslAuthenticate,
  [ApiKey.DescribeAcls]: handleDescribeAcls,
  [ApiKey.CreateAcls]: handleCreateAcls,
  [ApiKey.DeleteAcls]: handleDeleteAcls,
  [ApiKey.DescribeUserScramCredentials]: handleDescribeUserScramCredentials,
  [ApiKey.AlterUserScramCredentials]: handleAlterUserScramCredentials,
  // KIP-848 consumer groups (issue 15)
  [ApiKey.ConsumerGroupHeartbeat]: handleConsumerGroupHeartbeat,
  [ApiKey.ConsumerGroupDescribe]: handleConsumerGroupDescribe,
  // Transactions (issue 16)
  [ApiKey.AddPartitionsToTxn]: handleAddPartitionsToTxn,
  [ApiKey.AddOffsetsToTxn]: handleAddOffsetsToTxn,
  [ApiKey.EndTxn]: handleEndTxn,
  [ApiKey.TxnOffsetCommit]: handleTxnOffsetCommit,
  [ApiKey.DescribeTransactions]: handleDescribeTransactions,
  [ApiKey.ListTransactions]: handleListTransactions,
};

for (const reg of registrations) {
  if (typeof handlers[reg.key] !== "function") throw new Error(`no handler for registered Kafka API ${reg.name} (${reg.key})`);
}

/**
 * Runs the request's handler and encodes its response frame (size prefix included) as parts for a
 * vectored write; null when the request gets no response (Produce acks=0). Handlers answer Kafka errors
 * as data; a throw here is a bug, and the caller closes the connection.
 */
export async function dispatch(ctx: KafkaBrokerContext, decoded: DecodedRequest, info: RequestInfo): Promise<Uint8Array[] | null> {
  const handler = handlers[decoded.apiKey] as Handler<ApiKeyValue>;
  // Authentication first (Kafka closes a connection that sends anything else before SASL completes, or
  // after its session expired), then authorization through the API's guard when an authorizer is on.
  if (!PRE_AUTHENTICATION.has(decoded.apiKey) && info.auth && ((ctx.security?.requireAuthentication && !info.auth.authenticated) || info.auth.expired)) {
    throw new AuthenticationRequiredError(info.auth.expired ? "session expired: re-authenticate (KIP-368)" : `${registrationFor(decoded.apiKey).name} before authentication`);
  }
  const guard = ctx.security?.authorizer ? (guards[decoded.apiKey] as Guard<ApiKeyValue> | undefined) : undefined;
  if (ctx.security?.authorizer && !guard && !SELF_AUTHORIZING.has(decoded.apiKey)) {
    const operation = READ_ONLY_ADMIN.has(decoded.apiKey) ? Operation.DESCRIBE : Operation.ALTER;
    if (!mayCluster(ctx, info, operation)) {
      throw new ClusterAuthorizationError(`${registrationFor(decoded.apiKey).name} needs ${operation === Operation.ALTER ? "ALTER" : "DESCRIBE"} on the cluster (no per-resource check for it yet)`);
    }
  }
  const response = guard
    ? await guard(ctx, decoded.request as never, info, async (request) => handler(ctx, request as never, info))
    : await handler(ctx, decoded.request as never, info);
  if (response === NO_RESPONSE) return null;
  const { apiVersion, correlationId } = decoded.header;
  return encodeResponseFrame(decoded.apiKey, apiVersion, correlationId, response as never);
}
