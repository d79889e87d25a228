// Broker settings. Every field has an embedded default, so `createBroker({})` runs a working broker with
// its data in ./data.

import { availableParallelism } from "node:os";
import { InvalidArgumentError } from "../errors/index.js";
import type { Logger, LogLevel } from "../log.js";
import { defaultFileCacheCapacity } from "../storage/file-cache.js";
import type { FileSystem } from "../storage/fs.js";
import type { LogConfig } from "../storage/log-config.js";
import type { ShardFaults } from "../shard/fault-injection.js";

export interface BrokerConfig {
  /** Where partitions and metadata live. Default `./data`. */
  dataDir?: string;
  /** Shard worker threads (one owner per partition). Default: the machine's available parallelism. */
  shards?: number;
  /** Defaults for every topic's log (Kafka's broker-level log.* settings); a topic's own configs win. */
  topicDefaults?: Partial<LogConfig>;
  /** Tasks one shard runs at once (an acks=all fsync must not stall other partitions). Default 64. */
  shardConcurrency?: number;
  /** Tasks a shard queues beyond those before refusing; callers should respect needsDrain first. Default 4096. */
  shardMaxQueue?: number;
  /** How often shards check flush.ms deadlines. Default 100 ms. */
  flushTickMs?: number;
  /** Kafka log.retention.check.interval.ms. Default 300000 (5 min). */
  retentionCheckMs?: number;
  /** Kafka log.cleaner.backoff.ms: how often compacted topics are cleaned. Default 15000. */
  compactionCheckMs?: number;
  /** Bytes of recent chunks kept for streaming subscribers at the same position. Default 8 MiB. */
  sharedReadCacheBytes?: number;
  /**
   * Rebuild topics.json from the partition directories when it is missing, unreadable or does not
   * describe every directory (otherwise the broker refuses to start). Default false; see docs/operations.md.
   */
  rebuildMetadata?: boolean;
  /** Most partitions one topic may have (create, add partitions). Default 1000. */
  maxPartitionsPerTopic?: number;
  /** Most partitions across every topic of this broker. Default 4000. */
  maxPartitionsPerBroker?: number;
  /**
   * Smallest segment.bytes a topic may set. Default 14 (Kafka's log-config floor) for embedded use and
   * tests; `rivulet serve` passes 1 MiB (Kafka 4's floor for segment.bytes). See docs/operations.md.
   */
  minSegmentBytes?: number;
  /** Bytes of client requests being read or processed at once, both front ends together (Kafka's queued.max.request.bytes). Default 100 MiB. */
  queuedMaxRequestBytes?: number;
  /** Descriptors of closed segments each shard keeps open (an LRU). Default 256, or RLIMIT_NOFILE/4 if lower. */
  maxOpenSegmentFiles?: number;
  logger?: Logger;
  logLevel?: LogLevel;
  /** File-system seam for metadata (tests); partitions always use the real one inside shards. */
  fs?: FileSystem;
  /** Failure tests only: storage faults the shards inject (src/shard/fault-injection.ts). */
  shardFaults?: ShardFaults;
  /**
   * Cluster mode (src/cluster/ replicates the partitions): compaction stays below the high watermark the
   * replication layer passes to the shards. Set by `startServer` with `cluster`. Default false.
   */
  replicated?: boolean;
}

export type ResolvedBrokerConfig = Required<Omit<BrokerConfig, "logger" | "fs" | "logLevel" | "shardFaults">> & Pick<BrokerConfig, "logger" | "fs" | "shardFaults"> & { logLevel: LogLevel };

export function resolveBrokerConfig(config: BrokerConfig): ResolvedBrokerConfig {
  const resolved = {
    dataDir: config.dataDir ?? "./data",
    shards: config.shards ?? availableParallelism(),
    topicDefaults: config.topicDefaults ?? {},
    shardConcurrency: config.shardConcurrency ?? 64,
    shardMaxQueue: config.shardMaxQueue ?? 4096,
    flushTickMs: config.flushTickMs ?? 100,
    retentionCheckMs: config.retentionCheckMs ?? 300_000,
    compactionCheckMs: config.compactionCheckMs ?? 15_000,
    sharedReadCacheBytes: config.sharedReadCacheBytes ?? 8 * 1024 * 1024,
    rebuildMetadata: config.rebuildMetadata ?? false,
    maxPartitionsPerTopic: config.maxPartitionsPerTopic ?? 1000,
    maxPartitionsPerBroker: config.maxPartitionsPerBroker ?? 4000,
    minSegmentBytes: config.minSegmentBytes ?? 14,
    queuedMaxRequestBytes: config.queuedMaxRequestBytes ?? 100 * 1024 * 1024,
    maxOpenSegmentFiles: config.maxOpenSegmentFiles ?? defaultFileCacheCapacity(),
    logger: config.logger,
    logLevel: config.logLevel ?? "warn",
    fs: config.fs,
    shardFaults: config.shardFaults,
    replicated: config.replicated ?? false,
  };
  if (typeof resolved.rebuildMetadata !== "boolean") throw new InvalidArgumentError(`rebuildMetadata must be a boolean, got ${String(resolved.rebuildMetadata)}`);
  for (const [name, min] of [["shards", 1], ["shardConcurrency", 1], ["shardMaxQueue", 0], ["flushTickMs", 1], ["retentionCheckMs", 1], ["compactionCheckMs", 1], ["sharedReadCacheBytes", 0], ["maxPartitionsPerTopic", 1], ["maxPartitionsPerBroker", 1], ["minSegmentBytes", 14], ["queuedMaxRequestBytes", 1024]] as const) {
    const value = resolved[name];
    if (!Number.isInteger(value) || value < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got ${value}`);
  }
  if (!Number.isInteger(resolved.maxOpenSegmentFiles) || resolved.maxOpenSegmentFiles < 1) {
    throw new InvalidArgumentError(`maxOpenSegmentFiles must be an integer >= 1, got ${resolved.maxOpenSegmentFiles}`);
  }
  return resolved;
}
