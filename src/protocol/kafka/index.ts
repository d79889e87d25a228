// Rivulet's Kafka wire-protocol codec: sans-IO, pure functions over Uint8Array.
//
//   bytes ─► FrameDecoder (header.ts) ─► decodeRequestFrame (frames.ts) ─► handler
//   handler ─► encodeResponseFrame (frames.ts) ─► Uint8Array[] parts ─► socket
//
// Each API lives in apis/<name>.ts (grammar block, types, four codec functions), exported here as a
// namespace (`produce.decodeRequest`), its types also at top level. registry.ts lists what we speak.

export { KafkaDecodeError, UnsupportedVersionError, type DecodeFailure, type VersionRange } from "./errors.js";
export { Reader } from "./reader.js";
export { Writer, concat, type Records, type WriterOptions } from "./writer.js";
export {
  DEFAULT_MAX_FRAME_SIZE,
  FrameDecoder,
  frameDecoder,
  frameEncode,
  readRequestHeader,
  readResponseHeader,
  writeRequestHeader,
  writeResponseHeader,
  type FrameDecoderOptions,
  type RequestHeader,
  type RequestHeaderVersion,
  type ResponseHeaderVersion,
} from "./header.js";
export {
  ApiKey,
  advertisedApis,
  apiVersionsResponse,
  isSupported,
  registrationFor,
  registrations,
  requestHeaderVersion,
  responseHeaderVersion,
  responseVersion,
  unsupportedApiVersionsResponse,
  type ApiCodec,
  type ApiKeyValue,
  type ApiMessages,
  type ApiRegistration,
  type RequestOf,
  type ResponseOf,
} from "./registry.js";
export {
  decodeRequestFrame,
  decodeRequestHeader,
  decodeResponseFrame,
  encodeRequestFrame,
  encodeResponseFrame,
  type DecodedRequest,
} from "./frames.js";

export * as apiVersions from "./apis/api-versions.js";
export * as alterConfigs from "./apis/alter-configs.js";
export * as createPartitions from "./apis/create-partitions.js";
export * as deleteGroups from "./apis/delete-groups.js";
export * as deleteRecords from "./apis/delete-records.js";
export * as describeCluster from "./apis/describe-cluster.js";
export * as describeConfigs from "./apis/describe-configs.js";
export * as describeLogDirs from "./apis/describe-log-dirs.js";
export * as describeProducers from "./apis/describe-producers.js";
export * as alterPartitionReassignments from "./apis/alter-partition-reassignments.js";
export * as listPartitionReassignments from "./apis/list-partition-reassignments.js";
export * as incrementalAlterConfigs from "./apis/incremental-alter-configs.js";
export * as offsetDelete from "./apis/offset-delete.js";
export * as offsetForLeaderEpoch from "./apis/offset-for-leader-epoch.js";
export * as createTopics from "./apis/create-topics.js";
export * as deleteTopics from "./apis/delete-topics.js";
export * as describeGroups from "./apis/describe-groups.js";
export * as fetch from "./apis/fetch.js";
export * as findCoordinator from "./apis/find-coordinator.js";
export * as heartbeat from "./apis/heartbeat.js";
export * as initProducerId from "./apis/init-producer-id.js";
export * as joinGroup from "./apis/join-group.js";
export * as leaveGroup from "./apis/leave-group.js";
export * as listGroups from "./apis/list-groups.js";
export * as listOffsets from "./apis/list-offsets.js";
export * as addPartitionsToTxn from "./apis/add-partitions-to-txn.js";
export * as addOffsetsToTxn from "./apis/add-offsets-to-txn.js";
export * as endTxn from "./apis/end-txn.js";
export * as txnOffsetCommit from "./apis/txn-offset-commit.js";
export * as describeTransactions from "./apis/describe-transactions.js";
export * as listTransactions from "./apis/list-transactions.js";
export type { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from "./apis/add-partitions-to-txn.js";
export type { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from "./apis/add-offsets-to-txn.js";
export type { EndTxnRequest, EndTxnResponse } from "./apis/end-txn.js";
export type { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from "./apis/txn-offset-commit.js";
export type { DescribeTransactionsRequest, DescribeTransactionsResponse, TransactionStateDescription } from "./apis/describe-transactions.js";
export type { ListTransactionsRequest, ListTransactionsResponse } from "./apis/list-transactions.js";
export * as metadata from "./apis/metadata.js";
export * as offsetCommit from "./apis/offset-commit.js";
export * as offsetFetch from "./apis/offset-fetch.js";
export * as produce from "./apis/produce.js";
export * as syncGroup from "./apis/sync-group.js";
export * as saslHandshake from "./apis/sasl-handshake.js";
export * as saslAuthenticate from "./apis/sasl-authenticate.js";
export * as describeAcls from "./apis/describe-acls.js";
export * as createAcls from "./apis/create-acls.js";
export * as deleteAcls from "./apis/delete-acls.js";
export * as describeUserScramCredentials from "./apis/describe-user-scram-credentials.js";
export * as alterUserScramCredentials from "./apis/alter-user-scram-credentials.js";
export * as consumerGroupHeartbeat from "./apis/consumer-group-heartbeat.js";
export * as consumerGroupDescribe from "./apis/consumer-group-describe.js";

export type { ApiVersionsRequest, ApiVersionRange, ApiVersionsResponse } from "./apis/api-versions.js";
export type { CreateTopicsRequest, CreatableTopic, CreatableTopicResult, CreatableTopicConfig, CreateTopicsResponse } from "./apis/create-topics.js";
export type { DeleteTopicsRequest, DeleteTopicsResponse } from "./apis/delete-topics.js";
export type {
  DescribeGroupsRequest,
  DescribeGroupsResponse,
  DescribedGroup,
  DescribedGroupMember,
} from "./apis/describe-groups.js";
export type {
  FetchRequest,
  FetchTopic,
  FetchPartition,
  ForgottenTopic,
  FetchResponse,
  FetchTopicResponse,
  FetchPartitionResponse,
  AbortedTransaction,
} from "./apis/fetch.js";
export type { Coordinator, FindCoordinatorRequest, FindCoordinatorResponse } from "./apis/find-coordinator.js";
export type { HeartbeatRequest, HeartbeatResponse } from "./apis/heartbeat.js";
export type { InitProducerIdRequest, InitProducerIdResponse } from "./apis/init-producer-id.js";
export type { JoinGroupRequest, JoinGroupResponse, JoinGroupMember } from "./apis/join-group.js";
export type { MemberIdentity, LeaveGroupRequest, LeaveGroupResponse } from "./apis/leave-group.js";
export type { ListGroupsRequest, ListGroupsResponse } from "./apis/list-groups.js";
export type {
  ListOffsetsRequest,
  ListOffsetsTopic,
  ListOffsetsResponse,
  ListOffsetsTopicResponse,
  ListOffsetsPartitionResponse,
} from "./apis/list-offsets.js";
export type {
  MetadataRequest,
  MetadataResponse,
  MetadataBroker,
  MetadataTopic,
  MetadataPartition,
} from "./apis/metadata.js";
export type {
  OffsetCommitRequest,
  OffsetCommitTopic,
  OffsetCommitPartition,
  OffsetCommitResponse,
} from "./apis/offset-commit.js";
export type {
  OffsetFetchRequest,
  OffsetFetchResponse,
  OffsetFetchTopicResponse,
  OffsetFetchPartitionResponse,
} from "./apis/offset-fetch.js";
export type {
  ProduceRequest,
  ProduceTopicData,
  ProducePartitionData,
  ProduceResponse,
  ProduceTopicResponse,
  ProducePartitionResponse,
} from "./apis/produce.js";
export type { SyncGroupRequest, SyncGroupResponse } from "./apis/sync-group.js";
export type { AlterConfigsRequest, AlterConfigsResponse } from "./apis/alter-configs.js";
export type { CreatePartitionsRequest, CreatePartitionsResponse } from "./apis/create-partitions.js";
export type { DeleteGroupsRequest, DeleteGroupsResponse } from "./apis/delete-groups.js";
export type { DeleteRecordsRequest, DeleteRecordsResponse } from "./apis/delete-records.js";
export type { DescribeClusterRequest, DescribeClusterResponse } from "./apis/describe-cluster.js";
export type { DescribeConfigsRequest, DescribeConfigsResponse } from "./apis/describe-configs.js";
export type { DescribeLogDirsRequest, DescribeLogDirsResponse } from "./apis/describe-log-dirs.js";
export type { DescribeProducersRequest, DescribeProducersResponse } from "./apis/describe-producers.js";
export type { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from "./apis/incremental-alter-configs.js";
export type { OffsetDeleteRequest, OffsetDeleteResponse } from "./apis/offset-delete.js";
export type { OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from "./apis/offset-for-leader-epoch.js";
export type { DescribedConfig, ConfigSynonym, DescribeConfigsResult } from "./apis/describe-configs.js";
export type { ActiveProducer } from "./apis/describe-producers.js";

