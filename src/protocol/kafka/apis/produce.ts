// Produce (key 0). This codec reads and writes v3-13; the registry advertises 0-13 (see registry.ts for
// why: librdkafka < 2.11.1 disables compression unless Produce v0 is advertised, KAFKA-18659).
// v0-2 carry the legacy MessageSet (magic 0/1) format, which we never store: a v0-2 request is
// refused with UnsupportedVersionError, and the listener closes the connection, as Kafka 4 does.
//
// Grammar (the field lists below, transcribed from Kafka's ProduceRequest/ProduceResponse.json):
//
// ProduceRequest v3-13
//   transactional_id  nullable_string
//   acks              int16                    0 = no response at all, 1 = leader, -1 = all in-sync
//   timeout_ms        int32
//   topic_data        [ name            string   v0-12
//                       topic_id        uuid     v13+
//                       partition_data  [ index    int32
//                                         records  nullable records (RecordBatch v2, opaque here) ] ]
//
// ProduceResponse v3-13
//   responses         [ name                 string   v0-12
//                       topic_id             uuid     v13+
//                       partition_responses  [ index                      int32
//                                              error_code                 int16
//                                              base_offset                int64
//                                              log_append_time_ms         int64   (-1 unless LogAppendTime)
//                                              log_start_offset           int64   v5+
//                                              record_errors              [ batch_index int32,
//                                                                           batch_index_error_message
//                                                                           nullable_string ]  v8+
//                                              error_message              nullable_string    v8+
//                                              current_leader (tag 0)     { leader_id, leader_epoch }  v10+ ] ]
//   throttle_time_ms  int32
//   node_endpoints (tag 0)  [ node_id int32, host string, port int32, rack nullable_string ]  v10+
//
// Version notes:
// * v3: RecordBatch v2 and transactional_id.  v4: KAFKA_STORAGE_ERROR may be returned.
// * v5: log_start_offset.  v6: throttling semantics (KIP-219).  v7: zstd allowed (KIP-110).
// * v8: record_errors/error_message (KIP-467).  v9: flexible (compact types, tagged fields).
// * v10: current_leader/node_endpoints tags (KIP-951; sent only on NOT_LEADER, which a single node never
//   answers).  v11: no wire change (KIP-890, transactions).  v12 (Kafka 4.0): no wire change (KIP-890 part 2:
//   the producer may rely on the broker adding the partition to its transaction).  v13 (Kafka 4.1,
//   KIP-516): each topic entry carries its topic_id instead of its name, in the request and the response;
//   an id the broker does not know is UNKNOWN_TOPIC_ID (100) per partition. Cross-checked in two
//   independent sources: Kafka 4.1.0's ProduceRequest/ProduceResponse.json as generated into
//   tychedelia/kafka-protocol-rs (pinned to the 4.1.0 tag: Name "3-12", TopicId "13", same position) and
//   the 4.1 branch definitions in Aiven's inkless fork (rlaidet/inkless, 4.1.0-SNAPSHOT), with franz-go's
//   kmsg definitions agreeing (max version 13).
// * records is a view into the request frame, not a copy: keep the frame alive, or copy, if the
//   batch outlives the request.

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 0, name: "Produce", min: 3, max: 13, flexibleFrom: 9 };

export interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topicData: ProduceTopicData[];
}
export interface ProduceTopicData {
  /** v0-12; "" when decoded from v13+. */
  name: string;
  /** v13+ (KIP-516); all zero when decoded from v0-12. */
  topicId?: Uint8Array;
  partitionData: ProducePartitionData[];
}
export interface ProducePartitionData {
  index: number;
  records: Uint8Array | null;
}

export interface ProduceResponse {
  responses: ProduceTopicResponse[];
  /** Default 0. */
  throttleTimeMs?: number;
}
export interface ProduceTopicResponse {
  /** v0-12. */
  name: string;
  /** v13+ (KIP-516). */
  topicId?: Uint8Array;
  partitionResponses: ProducePartitionResponse[];
}
export interface ProducePartitionResponse {
  index: number;
  errorCode: number;
  baseOffset: bigint;
  /** Default -1 (CreateTime topics). */
  logAppendTimeMs?: bigint;
  /** v5+, default -1. */
  logStartOffset?: bigint;
  /** v8+, default []. */
  recordErrors?: { batchIndex: number; batchIndexErrorMessage: string | null }[];
  /** v8+, default null. */
  errorMessage?: string | null;
}

const request = [
  f("transactionalId", "string", "3+", { nullable: "3+", default: null }),
  f("acks", "int16", "0+"),
  f("timeoutMs", "int32", "0+"),
  f("topicData", arr(struct([
    f("name", "string", "0-12"),
    f("topicId", "uuid", "13+"),
    f("partitionData", arr(struct([
      f("index", "int32", "0+"),
      f("records", "records", "0+", { nullable: "0+" }),
    ])), "0+"),
  ])), "0+"),
];

const leaderIdAndEpoch = struct([
  f("leaderId", "int32", "0+", { default: -1 }),
  f("leaderEpoch", "int32", "0+", { default: -1 }),
]);
export const nodeEndpoint = (v: string) => struct([
  f("nodeId", "int32", v),
  f("host", "string", v),
  f("port", "int32", v),
  f("rack", "string", v, { nullable: v, default: null }),
]);

const response = [
  f("responses", arr(struct([
    f("name", "string", "0-12"),
    f("topicId", "uuid", "13+"),
    f("partitionResponses", arr(struct([
      f("index", "int32", "0+"),
      f("errorCode", "int16", "0+"),
      f("baseOffset", "int64", "0+"),
      f("logAppendTimeMs", "int64", "2+", { default: -1n }),
      f("logStartOffset", "int64", "5+", { default: -1n }),
      f("recordErrors", arr(struct([
        f("batchIndex", "int32", "8+"),
        f("batchIndexErrorMessage", "string", "8+", { nullable: "8+", default: null }),
      ])), "8+"),
      f("errorMessage", "string", "8+", { nullable: "8+", default: null }),
      f("currentLeader", leaderIdAndEpoch, "10+", { tag: 0, tagged: "10+" }),
    ])), "0+"),
  ])), "0+"),
  f("throttleTimeMs", "int32", "1+", { default: 0 }),
  f("nodeEndpoints", arr(nodeEndpoint("10+")), "10+", { tag: 0, tagged: "10+" }),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<ProduceRequest, ProduceResponse>(
  versions,
  request,
  response,
);

/** The field lists, for the codec bench (bench/kafka-codec.bench.ts). */
export const schemas = { request, response };
