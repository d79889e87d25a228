// Metadata (key 3), v0-13. v0 is kafka-python's probe; 9+ is flexible.
//
// MetadataRequest v0-13
//   topics                    [ topic_id uuid v10+, name string (nullable v10+) ]
//                             v0: empty = all topics; v1+: nullable, null = all, [] = none
//   allow_auto_topic_creation bool              v4+ (default true)
//   include_cluster_authorized_operations bool  v8-10
//   include_topic_authorized_operations   bool  v8+
//
// MetadataResponse v0-13
//   throttle_time_ms  int32                       v3+
//   brokers           [ node_id int32, host string, port int32, rack nullable_string v1+ ]
//   cluster_id        nullable_string             v2+
//   controller_id     int32                       v1+ (default -1)
//   topics            [ error_code   int16
//                       name         string       (nullable v12+)
//                       topic_id     uuid         v10+
//                       is_internal  bool         v1+
//                       partitions   [ error_code        int16
//                                      partition_index   int32
//                                      leader_id         int32
//                                      leader_epoch      int32     v7+ (default -1)
//                                      replica_nodes     [int32]
//                                      isr_nodes         [int32]
//                                      offline_replicas  [int32]   v5+ ]
//                       topic_authorized_operations  int32  v8+ (default INT32_MIN = not requested) ]
//   cluster_authorized_operations  int32          v8-10
//   error_code                     int16          v13+ (KIP-1102)
//
// Version notes:
// * Decoding folds v0's "empty means all" into null, so `topics === null` means all topics at every
//   version; encoding null at v0 writes the empty array back.
// * v2 cluster_id; v3 throttle_time_ms; v4 allow_auto_topic_creation; v5 offline_replicas; v6 throttling;
//   v7 leader_epoch (KIP-320); v8 authorized operations (KIP-430); v9 flexible; v10 topic ids (KIP-516);
//   v11 drops the cluster operations (KIP-700); v12 nullable topic names in the response; v13 (Kafka 4.0,
//   KIP-1102) a top-level error_code, which a single broker never sets (it is for REBOOTSTRAP_REQUIRED).

import type { VersionRange } from "../errors.js";
import type { Reader } from "../reader.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";
import type { Writer } from "../writer.js";

export const versions: VersionRange = { key: 3, name: "Metadata", min: 0, max: 13, flexibleFrom: 9 };

export interface MetadataRequestTopic {
  /** v10+; all zeros when asking by name. */
  topicId?: Uint8Array;
  /** Null (v10+) when asking by topic id. */
  name: string | null;
}
export interface MetadataRequest {
  /** null = all topics (at every version, see above). */
  topics: MetadataRequestTopic[] | null;
  /** v4+, default true. */
  allowAutoTopicCreation: boolean;
  /** v8-10, default false. */
  includeClusterAuthorizedOperations?: boolean;
  /** v8+, default false. */
  includeTopicAuthorizedOperations?: boolean;
}

export interface MetadataResponse {
  /** v3+, default 0. */
  throttleTimeMs?: number;
  brokers: MetadataBroker[];
  /** v2+, default null. */
  clusterId?: string | null;
  /** v1+, default -1. */
  controllerId?: number;
  topics: MetadataTopic[];
  /** v8-10, default INT32_MIN. */
  clusterAuthorizedOperations?: number;
  /** v13+ (Kafka 4.0, KIP-1102): a top-level error (REBOOTSTRAP_REQUIRED); default 0. */
  errorCode?: number;
}
export interface MetadataBroker {
  nodeId: number;
  host: string;
  port: number;
  /** v1+, default null. */
  rack?: string | null;
}
export interface MetadataTopic {
  errorCode: number;
  name: string | null;
  /** v10+, default all zeros. */
  topicId?: Uint8Array;
  /** v1+, default false. */
  isInternal?: boolean;
  partitions: MetadataPartition[];
  /** v8+, default INT32_MIN. */
  topicAuthorizedOperations?: number;
}
export interface MetadataPartition {
  errorCode: number;
  partitionIndex: number;
  leaderId: number;
  /** v7+, default -1. */
  leaderEpoch?: number;
  replicaNodes: number[];
  isrNodes: number[];
  /** v5+, default []. */
  offlineReplicas?: number[];
}

const NO_OPERATIONS = -2147483648;

const request = [
  f("topics", arr(struct([
    f("topicId", "uuid", "10+"),
    f("name", "string", "0+", { nullable: "10+" }),
  ])), "0+", { nullable: "1+" }),
  f("allowAutoTopicCreation", "bool", "4+", { default: true }),
  f("includeClusterAuthorizedOperations", "bool", "8-10"),
  f("includeTopicAuthorizedOperations", "bool", "8+"),
];

const response = [
  f("throttleTimeMs", "int32", "3+"),
  f("brokers", arr(struct([
    f("nodeId", "int32", "0+"),
    f("host", "string", "0+"),
    f("port", "int32", "0+"),
    f("rack", "string", "1+", { nullable: "1+", default: null }),
  ])), "0+"),
  f("clusterId", "string", "2+", { nullable: "2+", default: null }),
  f("controllerId", "int32", "1+", { default: -1 }),
  f("topics", arr(struct([
    f("errorCode", "int16", "0+"),
    f("name", "string", "0+", { nullable: "12+" }),
    f("topicId", "uuid", "10+"),
    f("isInternal", "bool", "1+", { default: false }),
    f("partitions", arr(struct([
      f("errorCode", "int16", "0+"),
      f("partitionIndex", "int32", "0+"),
      f("leaderId", "int32", "0+"),
      f("leaderEpoch", "int32", "7+", { default: -1 }),
      f("replicaNodes", arr("int32"), "0+"),
      f("isrNodes", arr("int32"), "0+"),
      f("offlineReplicas", arr("int32"), "5+"),
    ])), "0+"),
    f("topicAuthorizedOperations", "int32", "8+", { default: NO_OPERATIONS }),
  ])), "0+"),
  f("clusterAuthorizedOperations", "int32", "8-10", { default: NO_OPERATIONS }),
  f("errorCode", "int16", "13+"),
];

const codec = defineApi<MetadataRequest, MetadataResponse>(versions, request, response);

export const { decodeResponse, encodeResponse } = codec;

export function decodeRequest(r: Reader, version: number): MetadataRequest {
  const req = codec.decodeRequest(r, version);
  if (version === 0 && req.topics?.length === 0) req.topics = null;
  return req;
}

export function encodeRequest(w: Writer, version: number, req: MetadataRequest): void {
  codec.encodeRequest(w, version, version === 0 && req.topics === null ? { ...req, topics: [] } : req);
}

/** The field lists, for the codec bench (bench/kafka-codec.bench.ts). */
export const schemas = { request, response };
