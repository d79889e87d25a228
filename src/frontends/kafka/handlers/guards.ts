// The guard table: which Kafka APIs are authorized by a guard around their handler (guards-data.ts,
// guards-groups.ts, guards-admin.ts). ApiVersions and the SASL APIs need no authorization; the ACL and SCRAM admin APIs
// check cluster rights inside their own handlers.

import type { ApiKeyValue } from "../../../protocol/kafka/index.js";
import { ApiKey } from "../../../protocol/kafka/index.js";
import { createTopicsGuard, deleteTopicsGuard, fetchGuard, initProducerIdGuard, listOffsetsGuard, metadataGuard, produceGuard, type Guard } from "./guards-data.js";
import { alterConfigsGuard, alterPartitionReassignmentsGuard, createPartitionsGuard, deleteGroupsGuard, deleteRecordsGuard, describeClusterGuard, describeConfigsGuard, describeLogDirsGuard, describeProducersGuard, incrementalAlterConfigsGuard, listPartitionReassignmentsGuard, offsetDeleteGuard, offsetForLeaderEpochGuard } from "./guards-admin.js";
import { consumerGroupDescribeGuard, consumerGroupHeartbeatGuard } from "./guards-consumer.js";
import { addOffsetsToTxnGuard, addPartitionsToTxnGuard, describeTransactionsGuard, endTxnGuard, listTransactionsGuard, txnOffsetCommitGuard } from "./guards-txn.js";
import { describeGroupsGuard, findCoordinatorGuard, heartbeatGuard, joinGroupGuard, leaveGroupGuard, listGroupsGuard, offsetCommitGuard, offsetFetchGuard, syncGroupGuard } from "./guards-groups.js";

export const guards: { readonly [K in ApiKeyValue]?: Guard<K> } = {
  [ApiKey.Produce]: produceGuard,
  [ApiKey.Fetch]: fetchGuard,
  [ApiKey.ListOffsets]: listOffsetsGuard,
  [ApiKey.Metadata]: metadataGuard,
  [ApiKey.OffsetCommit]: offsetCommitGuard,
  [ApiKey.OffsetFetch]: offsetFetchGuard,
  [ApiKey.FindCoordinator]: findCoordinatorGuard,
  [ApiKey.JoinGroup]: joinGroupGuard,
  [ApiKey.Heartbeat]: heartbeatGuard,
  [ApiKey.LeaveGroup]: leaveGroupGuard,
  [ApiKey.SyncGroup]: syncGroupGuard,
  [ApiKey.DescribeGroups]: describeGroupsGuard,
  [ApiKey.ListGroups]: listGroupsGuard,
  [ApiKey.CreateTopics]: createTopicsGuard,
  [ApiKey.DeleteTopics]: deleteTopicsGuard,
  [ApiKey.InitProducerId]: initProducerIdGuard,
  [ApiKey.DescribeConfigs]: describeConfigsGuard,
  [ApiKey.AlterConfigs]: alterConfigsGuard,
  [ApiKey.IncrementalAlterConfigs]: incrementalAlterConfigsGuard,
  [ApiKey.CreatePartitions]: createPartitionsGuard,
  [ApiKey.DeleteRecords]: deleteRecordsGuard,
  [ApiKey.DeleteGroups]: deleteGroupsGuard,
  [ApiKey.OffsetDelete]: offsetDeleteGuard,
  [ApiKey.DescribeCluster]: describeClusterGuard,
  [ApiKey.DescribeLogDirs]: describeLogDirsGuard,
  [ApiKey.DescribeProducers]: describeProducersGuard,
  [ApiKey.AlterPartitionReassignments]: alterPartitionReassignmentsGuard,
  [ApiKey.ListPartitionReassignments]: listPartitionReassignmentsGuard,
  [ApiKey.OffsetForLeaderEpoch]: offsetForLeaderEpochGuard,
  // KIP-848 consumer groups (issue 15)
  [ApiKey.ConsumerGroupHeartbeat]: consumerGroupHeartbeatGuard,
  [ApiKey.ConsumerGroupDescribe]: consumerGroupDescribeGuard,
  // Transactions (issue 16, guards-txn.ts)
  [ApiKey.AddPartitionsToTxn]: addPartitionsToTxnGuard,
  [ApiKey.AddOffsetsToTxn]: addOffsetsToTxnGuard,
  [ApiKey.EndTxn]: endTxnGuard,
  [ApiKey.TxnOffsetCommit]: txnOffsetCommitGuard,
  [ApiKey.DescribeTransactions]: describeTransactionsGuard,
  [ApiKey.ListTransactions]: listTransactionsGuard,
};

/** APIs that authorize inside their handlers (ACL and SCRAM admin) or need no authorization (SASL, ApiVersions). */
export const SELF_AUTHORIZING: ReadonlySet<number> = new Set([
  ApiKey.ApiVersions,
  ApiKey.SaslHandshake,
  ApiKey.SaslAuthenticate,
  ApiKey.DescribeAcls,
  ApiKey.CreateAcls,
  ApiKey.DeleteAcls,
  ApiKey.DescribeUserScramCredentials,
  ApiKey.AlterUserScramCredentials,
]);

/**
 * An API with neither a guard above nor a place in SELF_AUTHORIZING (one added later without its
 * authorization) fails closed under an authorizer: it needs a cluster-wide right, DESCRIBE for those listed
 * here as read-only and ALTER for the rest, and a request without it closes the connection
 * (ClusterAuthorizationError), named in the broker's log: never served unchecked. Every API registered
 * today has a guard or authorizes itself (test/security/kafka-admin-acls.test.ts checks it).
 */
export const READ_ONLY_ADMIN: ReadonlySet<number> = new Set<number>([]);

export class ClusterAuthorizationError extends Error {}

/** APIs a connection may use before it has authenticated (Kafka's SaslServerAuthenticator). */
export const PRE_AUTHENTICATION: ReadonlySet<number> = new Set([ApiKey.ApiVersions, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate]);

/** A request that arrives before authentication (or after the session expired): the connection is closed. */
export class AuthenticationRequiredError extends Error {}
