// Fetch (key 1), v4-11. v4 is the first version whose clients must accept RecordBatch v2 (so we never
// down-convert); 12+ is flexible.
//
// FetchRequest v4-11
//   replica_id             int32     -1 for consumers
//   max_wait_ms            int32
//   min_bytes              int32
//   max_bytes              int32
//   isolation_level        int8      0 read_uncommitted, 1 read_committed
//   session_id             int32     v7+ (default 0)
//   session_epoch          int32     v7+ (default -1)
//   topics                 [ topic       string
//                            partitions  [ partition             int32
//                                          current_leader_epoch  int32   v9+ (default -1)
//                                          fetch_offset          int64
//                                          log_start_offset      int64   v5+ (default -1)
//                                          partition_max_bytes   int32 ] ]
//   forgotten_topics_data  [ topic string, partitions [int32] ]    v7+
//   rack_id                string    v11+ (default "")
//
// FetchResponse v4-11
//   throttle_time_ms       int32
//   error_code             int16     v7+
//   session_id             int32     v7+
//   responses              [ topic       string
//                            partitions  [ partition_index         int32
//                                          error_code              int16
//                                          high_watermark          int64
//                                          last_stable_offset      int64
//                                          log_start_offset        int64   v5+
//                                          aborted_transactions    nullable [ producer_id int64, first_offset int64 ]
//                                          preferred_read_replica  int32   v11+ (-1 = none)
//                                          records                 nullable_bytes ] ]
//   (records is nullable in the grammar, but a Kafka broker never sends null, an error included: it sends
//   an empty set, and librdkafka fails on -1. The encoder writes null as empty.)
//
// Version notes:
// * v5 log_start_offset; v6 throttling (KIP-219); v7 fetch sessions (KIP-227); v8 no change; v9
//   current_leader_epoch (KIP-320); v10 zstd; v11 rack_id and preferred_read_replica (KIP-392).
// * records in a response may be given as several chunks (stored batches straight from the log); the
//   writer references chunks of 1 KiB and up instead of copying them (writer.ts), so encodeResponse
//   into a Writer, then `finish()` for the parts to hand to a vectored write.

import { checkVersion, type VersionRange } from "../errors.js";
import type { Reader } from "../reader.js";
import type { Records, Writer } from "../writer.js";

const EMPTY = new Uint8Array(0);

export const versions: VersionRange = { key: 1, name: "Fetch", min: 4, max: 11, flexibleFrom: 12 };

export interface FetchRequest {
  replicaId: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: number;
  sessionId: number;
  sessionEpoch: number;
  topics: FetchTopic[];
  forgottenTopicsData: ForgottenTopic[];
  rackId: string;
}
export interface FetchTopic {
  topic: string;
  partitions: FetchPartition[];
}
export interface FetchPartition {
  partition: number;
  currentLeaderEpoch: number;
  fetchOffset: bigint;
  logStartOffset: bigint;
  partitionMaxBytes: number;
}
export interface ForgottenTopic {
  topic: string;
  partitions: number[];
}

export interface FetchResponse {
  /** Default 0. */
  throttleTimeMs?: number;
  /** v7+, default 0. */
  errorCode?: number;
  /** v7+, default 0 (no fetch session). */
  sessionId?: number;
  responses: FetchTopicResponse[];
}
export interface FetchTopicResponse {
  topic: string;
  partitions: FetchPartitionResponse[];
}
export interface FetchPartitionResponse {
  partitionIndex: number;
  errorCode: number;
  highWatermark: bigint;
  /** Default -1. */
  lastStableOffset?: bigint;
  /** v5+, default -1. */
  logStartOffset?: bigint;
  /** Default null. */
  abortedTransactions?: AbortedTransaction[] | null;
  /** v11+, default -1. */
  preferredReadReplica?: number;
  /** Decoded responses always hold one Uint8Array (a view into the frame) or null. */
  records: Records;
}
export interface AbortedTransaction {
  producerId: bigint;
  firstOffset: bigint;
}

export function decodeRequest(r: Reader, version: number): FetchRequest {
  checkVersion(versions, version);
  const replicaId = r.int32();
  const maxWaitMs = r.int32();
  const minBytes = r.int32();
  const maxBytes = r.int32();
  const isolationLevel = r.int8();
  const sessionId = version >= 7 ? r.int32() : 0;
  const sessionEpoch = version >= 7 ? r.int32() : -1;
  const topics = r.array((r) => ({
    topic: r.string(),
    partitions: r.array((r) => ({
      partition: r.int32(),
      currentLeaderEpoch: version >= 9 ? r.int32() : -1,
      fetchOffset: r.int64(),
      logStartOffset: version >= 5 ? r.int64() : -1n,
      partitionMaxBytes: r.int32(),
    })),
  }));
  const forgottenTopicsData =
    version >= 7 ? r.array((r) => ({ topic: r.string(), partitions: r.array((r) => r.int32()) })) : [];
  const rackId = version >= 11 ? r.string() : "";
  return {
    replicaId,
    maxWaitMs,
    minBytes,
    maxBytes,
    isolationLevel,
    sessionId,
    sessionEpoch,
    topics,
    forgottenTopicsData,
    rackId,
  };
}

export function encodeRequest(w: Writer, version: number, req: FetchRequest): void {
  checkVersion(versions, version);
  w.int32(req.replicaId).int32(req.maxWaitMs).int32(req.minBytes).int32(req.maxBytes).int8(req.isolationLevel);
  if (version >= 7) w.int32(req.sessionId).int32(req.sessionEpoch);
  w.array(req.topics, (w, t) => {
    w.string(t.topic);
    w.array(t.partitions, (w, p) => {
      w.int32(p.partition);
      if (version >= 9) w.int32(p.currentLeaderEpoch);
      w.int64(p.fetchOffset);
      if (version >= 5) w.int64(p.logStartOffset);
      w.int32(p.partitionMaxBytes);
    });
  });
  if (version >= 7) {
    w.array(req.forgottenTopicsData, (w, t) => w.string(t.topic).array(t.partitions, (w, p) => w.int32(p)));
  }
  if (version >= 11) w.string(req.rackId);
}

export function encodeResponse(w: Writer, version: number, res: FetchResponse): void {
  checkVersion(versions, version);
  w.int32(res.throttleTimeMs ?? 0);
  if (version >= 7) w.int16(res.errorCode ?? 0).int32(res.sessionId ?? 0);
  w.array(res.responses, (w, t) => {
    w.string(t.topic);
    w.array(t.partitions, (w, p) => {
      w.int32(p.partitionIndex).int16(p.errorCode).int64(p.highWatermark).int64(p.lastStableOffset ?? -1n);
      if (version >= 5) w.int64(p.logStartOffset ?? -1n);
      w.nullableArray(p.abortedTransactions ?? null, (w, a) => w.int64(a.producerId).int64(a.firstOffset));
      if (version >= 11) w.int32(p.preferredReadReplica ?? -1);
      w.records(p.records ?? EMPTY);
    });
  });
}

export function decodeResponse(r: Reader, version: number): FetchResponse {
  checkVersion(versions, version);
  const throttleTimeMs = r.int32();
  const errorCode = version >= 7 ? r.int16() : 0;
  const sessionId = version >= 7 ? r.int32() : 0;
  const responses = r.array((r) => ({
    topic: r.string(),
    partitions: r.array(
      (r): FetchPartitionResponse => ({
        partitionIndex: r.int32(),
        errorCode: r.int16(),
        highWatermark: r.int64(),
        lastStableOffset: r.int64(),
        logStartOffset: version >= 5 ? r.int64() : -1n,
        abortedTransactions: r.nullableArray((r) => ({ producerId: r.int64(), firstOffset: r.int64() })),
        preferredReadReplica: version >= 11 ? r.int32() : -1,
        records: r.nullableBytes(),
      }),
    ),
  }));
  return { throttleTimeMs, errorCode, sessionId, responses };
}
