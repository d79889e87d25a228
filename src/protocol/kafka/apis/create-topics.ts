// CreateTopics (key 19), v0-7. 5+ is flexible.
//
// CreateTopicsRequest v0-7
//   topics         [ name                string
//                    num_partitions      int32     (-1 = broker default, v4+)
//                    replication_factor  int16     (-1 = broker default, v4+)
//                    assignments         [ partition_index int32, broker_ids [int32] ]
//                    configs             [ name string, value nullable_string ] ]
//   timeout_ms     int32
//   validate_only  bool      v1+
//
// CreateTopicsResponse v0-7
//   throttle_time_ms  int32     v2+
//   topics            [ name                 string
//                       topic_id             uuid              v7+
//                       error_code           int16
//                       error_message        nullable_string   v1+
//                       topic_config_error_code (tag 0) int16  v5+
//                       num_partitions       int32             v5+ (default -1)
//                       replication_factor   int16             v5+ (default -1)
//                       configs              nullable [ name string, value nullable_string, read_only bool,
//                                                       config_source int8, is_sensitive bool ]   v5+ ]
//
// Version notes: v1 validate_only, error_message; v2 throttle; v3 no change; v4 broker defaults
// (KIP-464); v5 flexible, configs in the response (KIP-525); v6 quota errors; v7 topic ids (KIP-516).

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 19, name: "CreateTopics", min: 0, max: 7, flexibleFrom: 5 };

export interface CreateTopicsRequest {
  topics: CreatableTopic[];
  timeoutMs: number;
  validateOnly: boolean;
}
export interface CreatableTopic {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: { partitionIndex: number; brokerIds: number[] }[];
  configs: { name: string; value: string | null }[];
}
export interface CreatableTopicConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  configSource: number;
  isSensitive: boolean;
}
export interface CreatableTopicResult {
  name: string;
  /** v7+. */
  topicId?: Uint8Array;
  errorCode: number;
  /** v1+, default null. */
  errorMessage?: string | null;
  /** v5+ tag, default 0. */
  topicConfigErrorCode?: number;
  /** v5+, default -1. */
  numPartitions?: number;
  /** v5+, default -1. */
  replicationFactor?: number;
  /** v5+, default null. */
  configs?: CreatableTopicConfig[] | null;
}
export interface CreateTopicsResponse {
  /** v2+, default 0. */
  throttleTimeMs?: number;
  topics: CreatableTopicResult[];
}

const request = [
  f("topics", arr(struct([
    f("name", "string", "0+"),
    f("numPartitions", "int32", "0+"),
    f("replicationFactor", "int16", "0+"),
    f("assignments", arr(struct([
      f("partitionIndex", "int32", "0+"),
      f("brokerIds", arr("int32"), "0+"),
    ])), "0+"),
    f("configs", arr(struct([
      f("name", "string", "0+"),
      f("value", "string", "0+", { nullable: "0+" }),
    ])), "0+"),
  ])), "0+"),
  f("timeoutMs", "int32", "0+", { default: 60000 }),
  f("validateOnly", "bool", "1+", { default: false }),
];

const response = [
  f("throttleTimeMs", "int32", "2+"),
  f("topics", arr(struct([
    f("name", "string", "0+"),
    f("topicId", "uuid", "7+"),
    f("errorCode", "int16", "0+"),
    f("errorMessage", "string", "1+", { nullable: "0+", default: null }),
    f("topicConfigErrorCode", "int16", "5+", { tag: 0, tagged: "5+", default: 0 }),
    f("numPartitions", "int32", "5+", { default: -1 }),
    f("replicationFactor", "int16", "5+", { default: -1 }),
    f("configs", arr(struct([
      f("name", "string", "5+"),
      f("value", "string", "5+", { nullable: "5+" }),
      f("readOnly", "bool", "5+"),
      f("configSource", "int8", "5+", { default: -1 }),
      f("isSensitive", "bool", "5+"),
    ])), "5+", { nullable: "5+" }),
  ])), "0+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<CreateTopicsRequest, CreateTopicsResponse>(
  versions,
  request,
  response,
);
