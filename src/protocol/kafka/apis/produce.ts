// Produce (key 0). This codec reads and writes v3-7; the registry advertises 0-7 (see registry.ts for
// why: librdkafka < 2.11.1 disables compression unless Produce v0 is advertised, KAFKA-18659).
// v0-2 carry the legacy MessageSet (magic 0/1) format, which we never store: a v0-2 request is
// refused with UnsupportedVersionError, and the listener closes the connection, as Kafka 4 does.
//
// ProduceRequest v3-7
//   transactional_id  nullable_string
//   acks              int16                    0 = no response at all, 1 = leader, -1 = all in-sync
//   timeout_ms        int32
//   topic_data        [ name            string
//                       partition_data  [ index    int32
//                                         records  nullable_bytes  (RecordBatch v2, opaque here) ] ]
//
// ProduceResponse v3-7
//   responses         [ name                 string
//                       partition_responses  [ index               int32
//                                              error_code          int16
//                                              base_offset         int64
//                                              log_append_time_ms  int64   (-1 unless LogAppendTime)
//                                              log_start_offset    int64   v5+ ] ]
//   throttle_time_ms  int32
//
// Version notes:
// * v3: RecordBatch v2 and transactional_id.  v4: KAFKA_STORAGE_ERROR may be returned.
// * v5: log_start_offset.  v6: throttling semantics (KIP-219).  v7: zstd allowed (KIP-110).
// * v8 adds record_errors/error_message; v9+ is flexible: both out of this profile.
// * records is a view into the request frame, not a copy: keep the frame alive, or copy, if the
//   batch outlives the request.

import { checkVersion, type VersionRange } from "../errors.js";
import type { Reader } from "../reader.js";
import type { Writer } from "../writer.js";

export const versions: VersionRange = { key: 0, name: "Produce", min: 3, max: 7, flexibleFrom: 9 };

export interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topicData: ProduceTopicData[];
}
export interface ProduceTopicData {
  name: string;
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
  name: string;
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
}

export function decodeRequest(r: Reader, version: number): ProduceRequest {
  checkVersion(versions, version);
  return {
    transactionalId: r.nullableString(),
    acks: r.int16(),
    timeoutMs: r.int32(),
    topicData: r.array((r) => ({
      name: r.string(),
      partitionData: r.array((r) => ({ index: r.int32(), records: r.nullableBytes() })),
    })),
  };
}

export function encodeRequest(w: Writer, version: number, req: ProduceRequest): void {
  checkVersion(versions, version);
  w.nullableString(req.transactionalId).int16(req.acks).int32(req.timeoutMs);
  w.array(req.topicData, (w, t) => {
    w.string(t.name);
    w.array(t.partitionData, (w, p) => w.int32(p.index).records(p.records));
  });
}

export function encodeResponse(w: Writer, version: number, res: ProduceResponse): void {
  checkVersion(versions, version);
  w.array(res.responses, (w, t) => {
    w.string(t.name);
    w.array(t.partitionResponses, (w, p) => {
      w.int32(p.index).int16(p.errorCode).int64(p.baseOffset).int64(p.logAppendTimeMs ?? -1n);
      if (version >= 5) w.int64(p.logStartOffset ?? -1n);
    });
  });
  w.int32(res.throttleTimeMs ?? 0);
}

export function decodeResponse(r: Reader, version: number): ProduceResponse {
  checkVersion(versions, version);
  const responses = r.array((r) => ({
    name: r.string(),
    partitionResponses: r.array((r) => ({
      index: r.int32(),
      errorCode: r.int16(),
      baseOffset: r.int64(),
      logAppendTimeMs: r.int64(),
      logStartOffset: version >= 5 ? r.int64() : -1n,
    })),
  }));
  return { responses, throttleTimeMs: r.int32() };
}
