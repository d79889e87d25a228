// Metadata (key 3), v0-6. v0 is kafka-python's probe; 7+ adds leader epochs (which would arm newer
// librdkafka's KIP-320 validation) and 9+ is flexible.
//
// MetadataRequest v0-6
//   topics                    [ name string ]   v0: empty = all topics; v1+: nullable, null = all, [] = none
//   allow_auto_topic_creation bool              v4+ (default true)
//
// MetadataResponse v0-6
//   throttle_time_ms  int32                       v3+
//   brokers           [ node_id int32, host string, port int32, rack nullable_string v1+ ]
//   cluster_id        nullable_string             v2+
//   controller_id     int32                       v1+ (default -1)
//   topics            [ error_code   int16
//                       name         string
//                       is_internal  bool         v1+
//                       partitions   [ error_code        int16
//                                      partition_index   int32
//                                      leader_id         int32
//                                      replica_nodes     [int32]
//                                      isr_nodes         [int32]
//                                      offline_replicas  [int32]   v5+ ] ]
//
// Version notes:
// * Decoding folds v0's "empty means all" into null, so `topics === null` means all topics at every
//   version; encoding null at v0 writes the empty array back.
// * v2 cluster_id; v3 throttle_time_ms; v4 allow_auto_topic_creation; v5 offline_replicas; v6 throttling.

import { checkVersion, type VersionRange } from "../errors.js";
import type { Reader } from "../reader.js";
import type { Writer } from "../writer.js";

export const versions: VersionRange = { key: 3, name: "Metadata", min: 0, max: 6, flexibleFrom: 9 };

export interface MetadataRequest {
  /** null = all topics (at every version, see above). */
  topics: { name: string }[] | null;
  /** v4+, default true. */
  allowAutoTopicCreation: boolean;
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
  name: string;
  /** v1+, default false. */
  isInternal?: boolean;
  partitions: MetadataPartition[];
}
export interface MetadataPartition {
  errorCode: number;
  partitionIndex: number;
  leaderId: number;
  replicaNodes: number[];
  isrNodes: number[];
  /** v5+, default []. */
  offlineReplicas?: number[];
}

const int32s = (r: Reader) => r.array((r) => r.int32());
const writeInt32s = (w: Writer, xs: readonly number[]) => w.array(xs, (w, x) => w.int32(x));

export function decodeRequest(r: Reader, version: number): MetadataRequest {
  checkVersion(versions, version);
  const readTopic = (r: Reader) => ({ name: r.string() });
  let topics: { name: string }[] | null;
  if (version === 0) {
    const list = r.array(readTopic);
    topics = list.length === 0 ? null : list;
  } else {
    topics = r.nullableArray(readTopic);
  }
  const allowAutoTopicCreation = version >= 4 ? r.bool() : true;
  return { topics, allowAutoTopicCreation };
}

export function encodeRequest(w: Writer, version: number, req: MetadataRequest): void {
  checkVersion(versions, version);
  const writeTopic = (w: Writer, t: { name: string }) => w.string(t.name);
  if (version === 0) w.array(req.topics ?? [], writeTopic);
  else w.nullableArray(req.topics, writeTopic);
  if (version >= 4) w.bool(req.allowAutoTopicCreation);
}

export function encodeResponse(w: Writer, version: number, res: MetadataResponse): void {
  checkVersion(versions, version);
  if (version >= 3) w.int32(res.throttleTimeMs ?? 0);
  w.array(res.brokers, (w, b) => {
    w.int32(b.nodeId).string(b.host).int32(b.port);
    if (version >= 1) w.nullableString(b.rack ?? null);
  });
  if (version >= 2) w.nullableString(res.clusterId ?? null);
  if (version >= 1) w.int32(res.controllerId ?? -1);
  w.array(res.topics, (w, t) => {
    w.int16(t.errorCode).string(t.name);
    if (version >= 1) w.bool(t.isInternal ?? false);
    w.array(t.partitions, (w, p) => {
      w.int16(p.errorCode).int32(p.partitionIndex).int32(p.leaderId);
      writeInt32s(w, p.replicaNodes);
      writeInt32s(w, p.isrNodes);
      if (version >= 5) writeInt32s(w, p.offlineReplicas ?? []);
    });
  });
}

export function decodeResponse(r: Reader, version: number): MetadataResponse {
  checkVersion(versions, version);
  const throttleTimeMs = version >= 3 ? r.int32() : 0;
  const brokers = r.array((r) => ({
    nodeId: r.int32(),
    host: r.string(),
    port: r.int32(),
    rack: version >= 1 ? r.nullableString() : null,
  }));
  const clusterId = version >= 2 ? r.nullableString() : null;
  const controllerId = version >= 1 ? r.int32() : -1;
  const topics = r.array((r) => ({
    errorCode: r.int16(),
    name: r.string(),
    isInternal: version >= 1 ? r.bool() : false,
    partitions: r.array((r) => ({
      errorCode: r.int16(),
      partitionIndex: r.int32(),
      leaderId: r.int32(),
      replicaNodes: int32s(r),
      isrNodes: int32s(r),
      offlineReplicas: version >= 5 ? int32s(r) : [],
    })),
  }));
  return { throttleTimeMs, brokers, clusterId, controllerId, topics };
}
