// The guard table: which Kafka APIs are authorized by a guard around their handler (guards-data.ts,
// guards-groups.ts). ApiVersions and the SASL APIs need no authorization; the ACL and SCRAM admin APIs
// check cluster rights inside their own handlers.

import type { ApiKeyValue } from "../../../protocol/kafka/index.js";
import { ApiKey } from "../../../protocol/kafka/index.js";
import { createTopicsGuard, deleteTopicsGuard, fetchGuard, initProducerIdGuard, listOffsetsGuard, metadataGuard, produceGuard, type Guard } from "./guards-data.js";
import { consumerGroupDescribeGuard, consumerGroupHeartbeatGuard } from "./guards-consumer.js";
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
  // KIP-848 consumer groups (issue 15)
  [ApiKey.ConsumerGroupHeartbeat]: consumerGroupHeartbeatGuard,
  [ApiKey.ConsumerGroupDescribe]: consumerGroupDescribeGuard,
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
 * The admin APIs without a per-resource guard yet (DescribeConfigs, AlterConfigs, CreatePartitions,
 * DeleteRecords, DeleteGroups, ...): with an authorizer on they fail closed, needing a cluster-wide right,
 * DESCRIBE for those that only read and ALTER for the rest. A request without it closes the connection
 * (AuthorizationRequiredError), named in the broker's log: never served unchecked.
 */
export const READ_ONLY_ADMIN: ReadonlySet<number> = new Set([
  ApiKey.DescribeConfigs,
  ApiKey.DescribeCluster,
  ApiKey.DescribeLogDirs,
  ApiKey.DescribeProducers,
  ApiKey.OffsetForLeaderEpoch,
]);

export class ClusterAuthorizationError extends Error {}

/** APIs a connection may use before it has authenticated (Kafka's SaslServerAuthenticator). */
export const PRE_AUTHENTICATION: ReadonlySet<number> = new Set([ApiKey.ApiVersions, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate]);

/** A request that arrives before authentication (or after the session expired): the connection is closed. */
export class AuthenticationRequiredError extends Error {}
