// The broker core's public surface.
export { createBroker } from "./create-broker.js";
export { Broker, type ProduceOptions, type ProduceItem, type FetchOptions, type FetchItem, type OffsetSpec, type Result } from "./broker.js";
export type { BrokerConfig } from "./broker-config.js";
export type { CreateTopicOptions, TopicDescription } from "./topic-admin.js";
export type { TopicRecord } from "./topic-store.js";
export { DataDirLockedError } from "./lock-file.js";
export { MetadataError } from "./topic-startup.js";
export { InvalidTopicError, validateTopicName } from "./topic-name.js";
export { shardFor } from "./partition-table.js";
export type { ProduceOk as ProduceResult, FetchOk as FetchResult, ListOffsetsOk as ListOffsetsResult, Acks } from "../shard/protocol.js";
