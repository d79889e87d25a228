// The shapes the broker core's produce and fetch calls take, apart from the Broker class that runs them.

import type { Acks } from "../shard/protocol.js";

export interface ProduceOptions {
  /** 0: fire and forget; 1 (default): in the OS page cache; -1 / "all": durable per the flush policy. */
  acks?: Acks | "all";
  /** Fail with REQUEST_TIMED_OUT if the shard has not answered in this time. Default 30000. */
  timeoutMs?: number;
  /** The caller gives up `batch`: its whole ArrayBuffer is moved to the shard instead of copied. */
  transfer?: boolean;
  /**
   * Allow appends to internal (`__`) topics: the broker's own writers only (the groups layer). Clients on
   * either front end never set it, so they get INVALID_TOPIC_EXCEPTION as from Kafka ("Cannot append to
   * internal topic").
   */
  internal?: boolean;
}

export interface ProduceItem {
  topic: string;
  partition: number;
  batch: Uint8Array;
}

export interface FetchOptions {
  /** Bytes to return at most per partition (at least one whole batch is returned). Default 1 MiB. */
  maxBytes?: number;
  /** Wait until at least this many bytes are available (across the request). Default 1. */
  minBytes?: number;
  /** Longest wait for minBytes. Default 0 (answer at once). */
  maxWaitMs?: number;
  signal?: AbortSignal;
  /** "read_committed": only records below each partition's last stable offset (Kafka isolation_level 1). */
  isolation?: "read_uncommitted" | "read_committed";
}

/**
 * Decides whether a transactional batch (producer id, epoch) may be appended to a partition: undefined
 * to accept, else the typed error to answer (set by the transaction coordinator, KIP-890 style).
 */
export type TransactionalWriteCheck = (topic: string, partition: number, producerId: bigint, producerEpoch: number) => Error | undefined;

export interface FetchItem {
  topic: string;
  partition: number;
  offset: bigint;
  maxBytes?: number;
}

export interface PartitionCounters {
  producedBytes: number;
  producedRecords: number;
  fetchedBytes: number;
}
