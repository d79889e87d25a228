// The Kafka TCP front end: listener.ts accepts, connection.ts frames, orders and backpressures.
export { startKafkaListener, clusterIdFor, type KafkaListener, type KafkaListenerOptions } from "./listener.js";
export { KafkaConnection } from "./connection.js";
