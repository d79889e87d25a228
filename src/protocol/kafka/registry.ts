// The API registry: one registration per Kafka API this broker speaks. The ApiVersions response is built
// from it, and the dispatcher checks requests against it, so what we advertise and what we decode
// cannot drift apart (kfake's regKey). Each API runs up to the newest version Kafka 4.1.0 defines for it,
// flexible versions included, except the KIP-890 transactions-v2 versions of AddPartitionsToTxn (4-5),
// EndTxn (5) and TxnOffsetCommit (5), whose coordinator semantics are not implemented. InitProducerId v6 is
// advertised although Kafka 4.1 marks it unstable (see apis/init-producer-id.ts). `flexibleFrom` (from each
// codec) picks the header flavours.

import * as apiVersions from "./apis/api-versions.js";
import * as alterConfigs from "./apis/alter-configs.js";
import * as createPartitions from "./apis/create-partitions.js";
import * as deleteGroups from "./apis/delete-groups.js";
import * as deleteRecords from "./apis/delete-records.js";
import * as describeCluster from "./apis/describe-cluster.js";
import * as describeConfigs from "./apis/describe-configs.js";
import * as describeLogDirs from "./apis/describe-log-dirs.js";
import * as describeProducers from "./apis/describe-producers.js";
import * as alterPartitionReassignments from "./apis/alter-partition-reassignments.js";
import * as listPartitionReassignments from "./apis/list-partition-reassignments.js";
import * as incrementalAlterConfigs from "./apis/incremental-alter-configs.js";
import * as offsetDelete from "./apis/offset-delete.js";
import * as offsetForLeaderEpoch from "./apis/offset-for-leader-epoch.js";
import * as createTopics from "./apis/create-topics.js";
import * as deleteTopics from "./apis/delete-topics.js";
import * as describeGroups from "./apis/describe-groups.js";
import * as fetch from "./apis/fetch.js";
import * as findCoordinator from "./apis/find-coordinator.js";
import * as heartbeat from "./apis/heartbeat.js";
import * as initProducerId from "./apis/init-producer-id.js";
import * as joinGroup from "./apis/join-group.js";
import * as leaveGroup from "./apis/leave-group.js";
import * as listGroups from "./apis/list-groups.js";
import * as listOffsets from "./apis/list-offsets.js";
import * as metadata from "./apis/metadata.js";
import * as offsetCommit from "./apis/offset-commit.js";
import * as offsetFetch from "./apis/offset-fetch.js";
import * as produce from "./apis/produce.js";
import * as syncGroup from "./apis/sync-group.js";
import * as saslHandshake from "./apis/sasl-handshake.js";
import * as saslAuthenticate from "./apis/sasl-authenticate.js";
import * as describeAcls from "./apis/describe-acls.js";
import * as createAcls from "./apis/create-acls.js";
import * as deleteAcls from "./apis/delete-acls.js";
import * as describeUserScramCredentials from "./apis/describe-user-scram-credentials.js";
import * as alterUserScramCredentials from "./apis/alter-user-scram-credentials.js";
import * as consumerGroupHeartbeat from "./apis/consumer-group-heartbeat.js";
import * as consumerGroupDescribe from "./apis/consumer-group-describe.js";
// Transactions (issue 16)
import * as addPartitionsToTxn from "./apis/add-partitions-to-txn.js";
import * as addOffsetsToTxn from "./apis/add-offsets-to-txn.js";
import * as endTxn from "./apis/end-txn.js";
import * as txnOffsetCommit from "./apis/txn-offset-commit.js";
import * as describeTransactions from "./apis/describe-transactions.js";
import * as listTransactions from "./apis/list-transactions.js";
import type { VersionRange } from "./errors.js";
import type { RequestHeaderVersion, ResponseHeaderVersion } from "./header.js";
import type { Reader } from "./reader.js";
import type { Writer } from "./writer.js";
import { KafkaErrors } from "../../errors/kafka-codes.js";

export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  InitProducerId: 22,
  DeleteRecords: 21,
  OffsetForLeaderEpoch: 23,
  DescribeConfigs: 32,
  AlterConfigs: 33,
  DescribeLogDirs: 35,
  CreatePartitions: 37,
  DeleteGroups: 42,
  IncrementalAlterConfigs: 44,
  AlterPartitionReassignments: 45,
  ListPartitionReassignments: 46,
  OffsetDelete: 47,
  DescribeCluster: 60,
  DescribeProducers: 61,
  // Security (issue 13)
  SaslHandshake: 17,
  DescribeAcls: 29,
  CreateAcls: 30,
  DeleteAcls: 31,
  SaslAuthenticate: 36,
  DescribeUserScramCredentials: 50,
  AlterUserScramCredentials: 51,
  // KIP-848 consumer groups (issue 15)
  ConsumerGroupHeartbeat: 68,
  ConsumerGroupDescribe: 69,
  // Transactions (issue 16)
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  TxnOffsetCommit: 28,
  DescribeTransactions: 65,
  ListTransactions: 66,
} as const;

/** Request and response types per API key. */
export interface ApiMessages {
  0: { request: produce.ProduceRequest; response: produce.ProduceResponse };
  1: { request: fetch.FetchRequest; response: fetch.FetchResponse };
  2: { request: listOffsets.ListOffsetsRequest; response: listOffsets.ListOffsetsResponse };
  3: { request: metadata.MetadataRequest; response: metadata.MetadataResponse };
  8: { request: offsetCommit.OffsetCommitRequest; response: offsetCommit.OffsetCommitResponse };
  9: { request: offsetFetch.OffsetFetchRequest; response: offsetFetch.OffsetFetchResponse };
  10: { request: findCoordinator.FindCoordinatorRequest; response: findCoordinator.FindCoordinatorResponse };
  11: { request: joinGroup.JoinGroupRequest; response: joinGroup.JoinGroupResponse };
  12: { request: heartbeat.HeartbeatRequest; response: heartbeat.HeartbeatResponse };
  13: { request: leaveGroup.LeaveGroupRequest; response: leaveGroup.LeaveGroupResponse };
  14: { request: syncGroup.SyncGroupRequest; response: syncGroup.SyncGroupResponse };
  15: { request: describeGroups.DescribeGroupsRequest; response: describeGroups.DescribeGroupsResponse };
  16: { request: listGroups.ListGroupsRequest; response: listGroups.ListGroupsResponse };
  18: { request: apiVersions.ApiVersionsRequest; response: apiVersions.ApiVersionsResponse };
  19: { request: createTopics.CreateTopicsRequest; response: createTopics.CreateTopicsResponse };
  20: { request: deleteTopics.DeleteTopicsRequest; response: deleteTopics.DeleteTopicsResponse };
  22: { request: initProducerId.InitProducerIdRequest; response: initProducerId.InitProducerIdResponse };
  21: { request: deleteRecords.DeleteRecordsRequest; response: deleteRecords.DeleteRecordsResponse };
  23: { request: offsetForLeaderEpoch.OffsetForLeaderEpochRequest; response: offsetForLeaderEpoch.OffsetForLeaderEpochResponse };
  32: { request: describeConfigs.DescribeConfigsRequest; response: describeConfigs.DescribeConfigsResponse };
  33: { request: alterConfigs.AlterConfigsRequest; response: alterConfigs.AlterConfigsResponse };
  35: { request: describeLogDirs.DescribeLogDirsRequest; response: describeLogDirs.DescribeLogDirsResponse };
  37: { request: createPartitions.CreatePartitionsRequest; response: createPartitions.CreatePartitionsResponse };
  42: { request: deleteGroups.DeleteGroupsRequest; response: deleteGroups.DeleteGroupsResponse };
  44: { request: incrementalAlterConfigs.IncrementalAlterConfigsRequest; response: incrementalAlterConfigs.IncrementalAlterConfigsResponse };
  45: { request: alterPartitionReassignments.AlterPartitionReassignmentsRequest; response: alterPartitionReassignments.AlterPartitionReassignmentsResponse };
  46: { request: listPartitionReassignments.ListPartitionReassignmentsRequest; response: listPartitionReassignments.ListPartitionReassignmentsResponse };
  47: { request: offsetDelete.OffsetDeleteRequest; response: offsetDelete.OffsetDeleteResponse };
  60: { request: describeCluster.DescribeClusterRequest; response: describeCluster.DescribeClusterResponse };
  61: { request: describeProducers.DescribeProducersRequest; response: describeProducers.DescribeProducersResponse };
  // Security (issue 13)
  17: { request: saslHandshake.SaslHandshakeRequest; response: saslHandshake.SaslHandshakeResponse };
  29: { request: describeAcls.DescribeAclsRequest; response: describeAcls.DescribeAclsResponse };
  30: { request: createAcls.CreateAclsRequest; response: createAcls.CreateAclsResponse };
  31: { request: deleteAcls.DeleteAclsRequest; response: deleteAcls.DeleteAclsResponse };
  36: { request: saslAuthenticate.SaslAuthenticateRequest; response: saslAuthenticate.SaslAuthenticateResponse };
  50: { request: describeUserScramCredentials.DescribeUserScramCredentialsRequest; response: describeUserScramCredentials.DescribeUserScramCredentialsResponse };
  51: { request: alterUserScramCredentials.AlterUserScramCredentialsRequest; response: alterUserScramCredentials.AlterUserScramCredentialsResponse };
  // KIP-848 consumer groups (issue 15)
  68: { request: consumerGroupHeartbeat.ConsumerGroupHeartbeatRequest; response: consumerGroupHeartbeat.ConsumerGroupHeartbeatResponse };
  69: { request: consumerGroupDescribe.ConsumerGroupDescribeRequest; response: consumerGroupDescribe.ConsumerGroupDescribeResponse };
  // Transactions (issue 16)
  24: { request: addPartitionsToTxn.AddPartitionsToTxnRequest; response: addPartitionsToTxn.AddPartitionsToTxnResponse };
  25: { request: addOffsetsToTxn.AddOffsetsToTxnRequest; response: addOffsetsToTxn.AddOffsetsToTxnResponse };
  26: { request: endTxn.EndTxnRequest; response: endTxn.EndTxnResponse };
  28: { request: txnOffsetCommit.TxnOffsetCommitRequest; response: txnOffsetCommit.TxnOffsetCommitResponse };
  65: { request: describeTransactions.DescribeTransactionsRequest; response: describeTransactions.DescribeTransactionsResponse };
  66: { request: listTransactions.ListTransactionsRequest; response: listTransactions.ListTransactionsResponse };
}
export type ApiKeyValue = keyof ApiMessages;
export type RequestOf<K extends ApiKeyValue> = ApiMessages[K]["request"];
export type ResponseOf<K extends ApiKeyValue> = ApiMessages[K]["response"];

/** What each apis/<name>.ts module exports. */
export interface ApiCodec<Req, Res> {
  readonly versions: VersionRange;
  decodeRequest(r: Reader, version: number): Req;
  encodeRequest(w: Writer, version: number, req: Req): void;
  decodeResponse(r: Reader, version: number): Res;
  encodeResponse(w: Writer, version: number, res: Res): void;
}

export interface ApiRegistration<K extends ApiKeyValue = ApiKeyValue> {
  readonly key: K;
  readonly name: string;
  /** Advertised minimum. */
  readonly minVersion: number;
  /** Advertised (and implemented) maximum. */
  readonly maxVersion: number;
  /** Lowest version the codec actually handles; above minVersion only for Produce. */
  readonly implementedFrom: number;
  /** First flexible version in Kafka's definition; decides the header flavours. */
  readonly flexibleFrom: number;
  readonly codec: ApiCodec<RequestOf<K>, ResponseOf<K>>;
}

function register<K extends ApiKeyValue>(
  key: K,
  codec: ApiCodec<RequestOf<K>, ResponseOf<K>>,
  advertisedMin = codec.versions.min,
): ApiRegistration<K> {
  const { name, min, max, flexibleFrom } = codec.versions;
  if (codec.versions.key !== key) throw new Error(`registry: ${name} registered under key ${key}`);
  return { key, name, minVersion: advertisedMin, maxVersion: max, implementedFrom: min, flexibleFrom, codec };
}

export const registrations: readonly ApiRegistration[] = [
  // Advertised from v0 although only v3-7 are handled: librdkafka < 2.11.1 checks Produce v0 before it
  // compresses (KAFKA-18659, librdkafka#4956); a v0-2 request gets UNSUPPORTED_VERSION and a close.
  register(ApiKey.Produce, produce, 0),
  register(ApiKey.Fetch, fetch),
  register(ApiKey.ListOffsets, listOffsets),
  register(ApiKey.Metadata, metadata),
  register(ApiKey.OffsetCommit, offsetCommit),
  register(ApiKey.OffsetFetch, offsetFetch),
  register(ApiKey.FindCoordinator, findCoordinator),
  register(ApiKey.JoinGroup, joinGroup),
  register(ApiKey.Heartbeat, heartbeat),
  register(ApiKey.LeaveGroup, leaveGroup),
  register(ApiKey.SyncGroup, syncGroup),
  register(ApiKey.DescribeGroups, describeGroups),
  register(ApiKey.ListGroups, listGroups),
  register(ApiKey.ApiVersions, apiVersions),
  register(ApiKey.CreateTopics, createTopics),
  register(ApiKey.DeleteTopics, deleteTopics),
  register(ApiKey.InitProducerId, initProducerId),
  // Admin APIs.
  register(ApiKey.DeleteRecords, deleteRecords),
  register(ApiKey.OffsetForLeaderEpoch, offsetForLeaderEpoch),
  register(ApiKey.DescribeConfigs, describeConfigs),
  register(ApiKey.AlterConfigs, alterConfigs),
  register(ApiKey.DescribeLogDirs, describeLogDirs),
  register(ApiKey.CreatePartitions, createPartitions),
  register(ApiKey.DeleteGroups, deleteGroups),
  register(ApiKey.IncrementalAlterConfigs, incrementalAlterConfigs),
  register(ApiKey.OffsetDelete, offsetDelete),
  register(ApiKey.DescribeCluster, describeCluster),
  register(ApiKey.DescribeProducers, describeProducers),
  register(ApiKey.AlterPartitionReassignments, alterPartitionReassignments),
  register(ApiKey.ListPartitionReassignments, listPartitionReassignments),
  // Security (issue 13)
  register(ApiKey.SaslHandshake, saslHandshake),
  register(ApiKey.DescribeAcls, describeAcls),
  register(ApiKey.CreateAcls, createAcls),
  register(ApiKey.DeleteAcls, deleteAcls),
  register(ApiKey.SaslAuthenticate, saslAuthenticate),
  register(ApiKey.DescribeUserScramCredentials, describeUserScramCredentials),
  register(ApiKey.AlterUserScramCredentials, alterUserScramCredentials),
  // KIP-848 consumer groups (issue 15)
  register(ApiKey.ConsumerGroupHeartbeat, consumerGroupHeartbeat),
  register(ApiKey.ConsumerGroupDescribe, consumerGroupDescribe),
  // Transactions (issue 16)
  register(ApiKey.AddPartitionsToTxn, addPartitionsToTxn),
  register(ApiKey.AddOffsetsToTxn, addOffsetsToTxn),
  register(ApiKey.EndTxn, endTxn),
  register(ApiKey.TxnOffsetCommit, txnOffsetCommit),
  register(ApiKey.DescribeTransactions, describeTransactions),
  register(ApiKey.ListTransactions, listTransactions),
] as ApiRegistration[];

const byKey = new Map<number, ApiRegistration>(registrations.map((r) => [r.key, r]));

export function registrationFor<K extends ApiKeyValue>(key: K): ApiRegistration<K>;
export function registrationFor(key: number): ApiRegistration | undefined;
export function registrationFor(key: number): ApiRegistration | undefined {
  return byKey.get(key);
}

/** True when the codec can decode this request (Produce v0-2 are advertised but not). */
export function isSupported(key: number, version: number): boolean {
  const reg = byKey.get(key);
  return reg !== undefined && version >= reg.implementedFrom && version <= reg.maxVersion;
}

/** Header v2 for flexible requests, else v1 (v0 belongs to ControlledShutdown v0, which we lack). */
export function requestHeaderVersion(key: number, version: number): RequestHeaderVersion {
  const reg = byKey.get(key);
  return reg !== undefined && version >= reg.flexibleFrom ? 2 : 1;
}

/** Header v1 for flexible responses, else v0; ApiVersions always v0 (KIP-511). */
export function responseHeaderVersion(key: number, version: number): ResponseHeaderVersion {
  if (key === ApiKey.ApiVersions) return 0;
  const reg = byKey.get(key);
  return reg !== undefined && version >= reg.flexibleFrom ? 1 : 0;
}

/**
 * The version a response is written in: the request's, except an ApiVersions request newer than ours,
 * which Kafka answers in the v0 format (RequestContext.apiVersion) so any client can read it.
 */
export function responseVersion(key: number, version: number): number {
  if (key === ApiKey.ApiVersions && version > apiVersions.versions.max) return 0;
  return version;
}

/** The advertised ranges, ordered by key, as the ApiVersions response carries them. */
export function advertisedApis(): apiVersions.ApiVersionRange[] {
  return [...registrations]
    .sort((a, b) => a.key - b.key)
    .map((r) => ({ apiKey: r.key, minVersion: r.minVersion, maxVersion: r.maxVersion }));
}

export function apiVersionsResponse(throttleTimeMs = 0): apiVersions.ApiVersionsResponse {
  return { errorCode: KafkaErrors.NONE.code, apiKeys: advertisedApis(), throttleTimeMs };
}

/**
 * The reply to an ApiVersions request above our maximum, to be written at v0 (see responseVersion):
 * UNSUPPORTED_VERSION plus our ranges. Kafka itself lists only the ApiVersions entry; the full list
 * (as kfake sends) carries that entry too, and clients only look for it before retrying lower.
 */
export function unsupportedApiVersionsResponse(): apiVersions.ApiVersionsResponse {
  return { errorCode: KafkaErrors.UNSUPPORTED_VERSION.code, apiKeys: advertisedApis(), throttleTimeMs: 0 };
}
