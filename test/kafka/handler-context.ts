// The Kafka handlers' context for a test server, for tests that call handlers directly (no sockets).
import type { KafkaBrokerContext } from "../../src/frontends/kafka/handlers/index.js";
import type { KafkaTestServer } from "./helpers.js";

export function handlerContext(s: KafkaTestServer): KafkaBrokerContext {
  return {
    broker: s.server.broker,
    coordinator: s.server.coordinator,
    transactions: s.server.transactions,
    nodeId: 1,
    advertisedHost: "127.0.0.1",
    advertisedPort: s.kafkaPort,
    clusterId: "test-cluster",
    autoCreateTopics: false,
    defaultPartitions: 1,
    logger: s.logger,
  };
}
