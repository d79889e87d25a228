// Fetch (key 1), v4-18. v4 is the first version whose clients must accept RecordBatch v2 (so we never
// down-convert); 12+ is flexible.
//
// FetchRequest v4-18
//   cluster_id (tag 0)     nullable_string   v12+
//   replica_id             int32     v4-14, -1 for consumers
//   replica_state (tag 1)  { replica_id int32, replica_epoch int64 }   v15+
//   max_wait_ms            int32
//   min_bytes              int32
//   max_bytes              int32
//   isolation_level        int8      0 read_uncommitted, 1 read_committed
//   session_id             int32     v7+ (default 0)
//   session_epoch          int32     v7+ (default -1)
//   topics                 [ topic       string   v4-12
//                            topic_id    uuid     v13+
//                            partitions  [ partition             int32
//                                          current_leader_epoch  int32   v9+ (default -1)
//                                          fetch_offset          int64
//                                          last_fetched_epoch    int32   v12+ (default -1)
//                                          log_start_offset      int64   v5+ (default -1)
//                                          partition_max_bytes   int32
//                                          replica_directory_id (tag 0) uuid  v17+
//                                          high_watermark (tag 1)       int64 v18+ (default 2^63-1) ] ]
//   forgotten_topics_data  [ topic string v7-12, topic_id uuid v13+, partitions [int32] ]    v7+
//   rack_id                string    v11+ (default "")
//
// FetchResponse v4-18
//   throttle_time_ms       int32
//   error_code             int16     v7+
//   session_id             int32     v7+
//   responses              [ topic       string   v4-12
//                            topic_id    uuid     v13+
//                            partitions  [ partition_index         int32
//                                          error_code              int16
//                                          high_watermark          int64
//                                          last_stable_offset      int64
//                                          log_start_offset        int64   v5+
//                                          diverging_epoch (tag 0) { epoch int32, end_offset int64 }  v12+
//                                          current_leader (tag 1)  { leader_id int32, leader_epoch int32 } v12+
//                                          snapshot_id (tag 2)     { end_offset int64, epoch int32 }  v12+
//                                          aborted_transactions    nullable [ producer_id int64, first_offset int64 ]
//                                          preferred_read_replica  int32   v11+ (-1 = none)
//                                          records                 nullable records ] ]
//   node_endpoints (tag 0) [ node_id int32, host string, port int32, rack nullable_string ]  v16+
//
// Version notes:
// * v5 log_start_offset; v6 throttling (KIP-219); v7 fetch sessions (KIP-227); v8 no change; v9
//   current_leader_epoch (KIP-320); v10 zstd; v11 rack_id and preferred_read_replica (KIP-392); v12
//   flexible, last_fetched_epoch and the tagged leader fields (KIP-595); v13 topic ids (KIP-516); v14 no
//   change; v15 replica_state replaces replica_id (KIP-903); v16 node_endpoints (KIP-951); v17
//   replica_directory_id (KIP-858); v18 (Kafka 4.1) high_watermark, a tagged partition field a follower
//   sends (KIP-1166), response unchanged. Only v13's topic ids matter to a consumer. v18's layout was
//   cross-checked in Kafka 4.1.0's FetchRequest.json as generated into tychedelia/kafka-protocol-rs
//   (pinned to the 4.1.0 tag: tag 1, versions 18+, default 9223372036854775807) and franz-go's kmsg
//   definitions (generate/definitions/01_fetch: "HighWatermark: int64(9223372036854775807) // tag 1").
// * records in a response may be given as several chunks (stored batches straight from the log); the
//   writer references chunks of 1 KiB and up instead of copying them (writer.ts), so encodeResponse
//   into a Writer, then `finish()` for the parts to hand to a vectored write.
// * A null `records` in a response is written as empty records, never as null: Kafka never sends null
//   (partition errors carry MemoryRecords.EMPTY) and some clients fail on it.

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";
import type { Writer } from "../writer.js";
import { hasTaggedValues, writeFetchResponse } from "./fetch-response-writer.js";
import { nodeEndpoint } from "./produce.js";

export const versions: VersionRange = { key: 1, name: "Fetch", min: 4, max: 18, flexibleFrom: 12 };

export type { AbortedTransaction, FetchPartition, FetchPartitionResponse, FetchRequest, FetchResponse, FetchTopic, FetchTopicResponse, ForgottenTopic } from "./fetch-types.js";
import type { FetchRequest, FetchResponse } from "./fetch-types.js";

const request = [
  f("clusterId", "string", "12+", { nullable: "12+", tag: 0, tagged: "12+", default: null }),
  f("replicaId", "int32", "0-14", { default: -1 }),
  f("replicaState", struct([
    f("replicaId", "int32", "15+", { default: -1 }),
    f("replicaEpoch", "int64", "15+", { default: -1n }),
  ]), "15+", { tag: 1, tagged: "15+" }),
  f("maxWaitMs", "int32", "0+"),
  f("minBytes", "int32", "0+"),
  f("maxBytes", "int32", "3+", { default: 0x7fffffff }),
  f("isolationLevel", "int8", "4+", { default: 0 }),
  f("sessionId", "int32", "7+", { default: 0 }),
  f("sessionEpoch", "int32", "7+", { default: -1 }),
  f("topics", arr(struct([
    f("topic", "string", "0-12"),
    f("topicId", "uuid", "13+"),
    f("partitions", arr(struct([
      f("partition", "int32", "0+"),
      f("currentLeaderEpoch", "int32", "9+", { default: -1 }),
      f("fetchOffset", "int64", "0+"),
      f("lastFetchedEpoch", "int32", "12+", { default: -1 }),
      f("logStartOffset", "int64", "5+", { default: -1n }),
      f("partitionMaxBytes", "int32", "0+"),
      f("replicaDirectoryId", "uuid", "17+", { tag: 0, tagged: "17+" }),
      f("highWatermark", "int64", "18+", { tag: 1, tagged: "18+", default: 0x7fffffffffffffffn }),
    ])), "0+"),
  ])), "0+"),
  f("forgottenTopicsData", arr(struct([
    f("topic", "string", "7-12"),
    f("topicId", "uuid", "13+"),
    f("partitions", arr("int32"), "7+"),
  ])), "7+"),
  f("rackId", "string", "11+", { default: "" }),
];

const response = [
  f("throttleTimeMs", "int32", "1+"),
  f("errorCode", "int16", "7+"),
  f("sessionId", "int32", "7+", { default: 0 }),
  f("responses", arr(struct([
    f("topic", "string", "0-12"),
    f("topicId", "uuid", "13+"),
    f("partitions", arr(struct([
      f("partitionIndex", "int32", "0+"),
      f("errorCode", "int16", "0+"),
      f("highWatermark", "int64", "0+"),
      f("lastStableOffset", "int64", "4+", { default: -1n }),
      f("logStartOffset", "int64", "5+", { default: -1n }),
      f("divergingEpoch", struct([
        f("epoch", "int32", "12+", { default: -1 }),
        f("endOffset", "int64", "12+", { default: -1n }),
      ]), "12+", { tag: 0, tagged: "12+" }),
      f("currentLeader", struct([
        f("leaderId", "int32", "12+", { default: -1 }),
        f("leaderEpoch", "int32", "12+", { default: -1 }),
      ]), "12+", { tag: 1, tagged: "12+" }),
      f("snapshotId", struct([
        f("endOffset", "int64", "0+", { default: -1n }),
        f("epoch", "int32", "0+", { default: -1 }),
      ]), "12+", { tag: 2, tagged: "12+" }),
      f("abortedTransactions", arr(struct([
        f("producerId", "int64", "4+"),
        f("firstOffset", "int64", "4+"),
      ])), "4+", { nullable: "4+" }),
      f("preferredReadReplica", "int32", "11+", { default: -1 }),
      f("records", "records", "0+", { nullable: "0+" }),
    ])), "0+"),
  ])), "0+"),
  f("nodeEndpoints", arr(nodeEndpoint("16+")), "16+", { tag: 0, tagged: "16+" }),
];

const codec = defineApi<FetchRequest, FetchResponse>(versions, request, response);
const EMPTY = new Uint8Array(0);

export const { decodeRequest, encodeRequest, decodeResponse } = codec;

export function encodeResponse(w: Writer, version: number, res: FetchResponse): void {
  for (const t of res.responses) for (const p of t.partitions) if (p.records === null) p.records = EMPTY;
  if (version >= versions.min && version <= versions.max && !hasTaggedValues(res)) writeFetchResponse(w, version, res);
  else codec.encodeResponse(w, version, res);
}

/** The schema's encoder, for tests that compare it with the hand-written one. */
export const encodeResponseBySchema = codec.encodeResponse;
