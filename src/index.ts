// rivulet: the package entry point (Node). The browser-safe parts are rivulet/core and rivulet/client.
export * from "./core/index.js";
export { createBroker, Broker, type BrokerConfig, type CreateTopicOptions, type TopicDescription } from "./broker/index.js";
export { startServer, type ServerConfig, type RivuletServer } from "./server.js";
export { connect, RivuletClient } from "./client/index.js";
export { PartitionLog, type LogConfig } from "./storage/index.js";
