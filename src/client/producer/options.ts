// The producer's options and record shape (split from producer.ts; re-exported there).

import type { RetryEvent } from "./partition-sender.js";

export interface ProducerOptions {
  /** 0, 1 or -1/"all" (default "all": durable per the topic's flush policy). */
  acks?: 0 | 1 | -1 | "all";
  /** How long a batch waits for more records before it may be sent. Default 5 ms. */
  lingerMs?: number;
  /**
   * A batch is sent once its records reach this many bytes (capped by the topic's max.message.bytes, 1 MiB
   * by default). Default 256 KiB; for bulk loading 1 MiB costs both ends less per record (docs/benchmarks.md).
   */
  batchBytes?: number;
  /**
   * send() waits while batching + in-flight bytes exceed this. Default 16 MiB. Buffers of acknowledged
   * batches kept for reuse are bounded by the same figure, across all partitions.
   */
  maxBufferedBytes?: number;
  /** Ask the broker for a producer id and number batches, so retries never duplicate or reorder. Default false. */
  idempotent?: boolean;
  /** Produce requests in flight per partition. Default 5 (at most 5 with idempotence: the broker's window). */
  maxInFlight?: number;
  /** @deprecated the old name of maxInFlight. */
  maxInFlightPerPartition?: number;
  /** Attempts after the first, within the delivery timeout. Default unlimited (as Kafka's retries). */
  retries?: number;
  /** Kafka's delivery.timeout.ms: a record fails if not acknowledged this long after its batch began. Default 120000. */
  deliveryTimeoutMs?: number;
  /** Kafka's request.timeout.ms: one produce request's deadline, then it is retried. Default 30000. */
  requestTimeoutMs?: number;
  /** First retry backoff, doubling per failure up to retryBackoffMaxMs. Defaults 100 and 1000 (Kafka's). */
  retryBackoffMs?: number;
  retryBackoffMaxMs?: number;
  /** acks 0: wait while the socket holds more unsent bytes than this. Default 4 MiB. */
  socketBufferBytes?: number;
  /** Called before each retry of a partition's batches (e.g. to say the broker is unreachable). */
  onRetry?: (event: RetryEvent) => void;
  /**
   * Compress each batch's records: Kafka's codec id (1 gzip, 2 snappy, 3 lz4, 4 zstd) and a synchronous
   * compressor of a records section. The codecs stay out of this isomorphic client: in Node pass
   * `{ codec, compress: await compressor(codec) }` from src/core/codecs.ts. A batch that would not shrink
   * goes uncompressed (so it never outgrows the size it was checked against).
   */
  compression?: BatchCompression;
}

export interface BatchCompression {
  codec: number;
  compress(records: Uint8Array): Uint8Array;
}

export interface ProducerRecord {
  topic: string;
  partition?: number;
  key?: Uint8Array | string | null;
  value: Uint8Array | string | null;
  headers?: { key: string; value: Uint8Array | string | null }[];
  timestamp?: number;
}
