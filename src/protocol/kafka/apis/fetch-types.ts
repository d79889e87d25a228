// The Fetch request and response shapes (the grammar is in fetch.ts), apart so the hand-written response
// writer (fetch-response-writer.ts) and the codec can both use them.

import type { Records } from "../writer.js";

export interface FetchRequest {
  /** v12+ tag, default null. */
  clusterId?: string | null;
  /** v4-14; -1 for consumers. */
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
  /** v4-12; "" from v13 (resolve topicId). */
  topic: string;
  /** v13+; all zeros before. */
  topicId?: Uint8Array;
  partitions: FetchPartition[];
}
export interface FetchPartition {
  partition: number;
  currentLeaderEpoch: number;
  fetchOffset: bigint;
  /** v12+, default -1. */
  lastFetchedEpoch?: number;
  logStartOffset: bigint;
  partitionMaxBytes: number;
  /**
   * v18+ (tagged, KIP-1166): the high watermark a follower replica knows; consumers send the default
   * (2^63-1, "not supported"). Decoded and ignored: no Kafka-protocol follower fetches from this broker.
   */
  highWatermark?: bigint;
}
export interface ForgottenTopic {
  /** v7-12; "" from v13. */
  topic: string;
  /** v13+. */
  topicId?: Uint8Array;
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
  /** v4-12. */
  topic: string;
  /** v13+. */
  topicId?: Uint8Array;
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
