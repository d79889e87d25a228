// Kafka API handlers: one file per API, each opening with its Behavior block; dispatch.ts is the index.
export { dispatch, handlers } from "./dispatch.js";
export { NO_RESPONSE, type Handler, type KafkaBrokerContext, type NoResponse, type RequestInfo } from "./context.js";
