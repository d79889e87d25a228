// The storage engine: durable partition logs in Kafka's on-disk layout. Used from inside a shard worker.
export { PartitionLog, type PartitionLogOptions, type AppendResult, type ReadResult } from "./partition-log.js";
export { enforceRetention, type RetentionResult } from "./retention.js";
export { compactLog, type CompactionResult } from "./compaction.js";
export { offsetForTimestamp, type TimestampOffset } from "./timestamp-lookup.js";
export { defaultLogConfig, resolveLogConfig, parseKafkaConfigs, kafkaConfigNames, type LogConfig } from "./log-config.js";
export { nodeFileSystem, type FileSystem, type FileHandle } from "./fs.js";
export { segmentFileName } from "./segment.js";
