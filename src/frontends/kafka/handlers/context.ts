// What every Kafka API handler gets: the broker core, the group coordinator, and how this node describes
// itself to clients. Handlers are plain functions (one file per API, kfake style) over this context; the
// listener (src/frontends/kafka) owns sockets and ordering, the handlers own meaning.

import type { Broker } from "../../../broker/broker.js";
import type { GroupCoordinator } from "../../../groups/index.js";
import type { TransactionCoordinator } from "../../../transactions/index.js";
import type { Logger } from "../../../log.js";
import type { ApiKeyValue, RequestHeader, RequestOf, ResponseOf } from "../../../protocol/kafka/index.js";
import type { Security } from "../../../security/index.js";
import type { ConnectionAuth } from "../connection-auth.js";

export interface KafkaBrokerContext {
  readonly broker: Broker;
  /** Consumer groups; undefined answers the group APIs with COORDINATOR_NOT_AVAILABLE. */
  readonly coordinator: GroupCoordinator | undefined;
  /** Transactions (issue 16); undefined answers the transaction APIs with COORDINATOR_NOT_AVAILABLE. */
  readonly transactions?: TransactionCoordinator;
  /** This broker's node id in Metadata and FindCoordinator. */
  readonly nodeId: number;
  /** Where clients are told to connect (Metadata brokers, FindCoordinator). */
  readonly advertisedHost: string;
  readonly advertisedPort: number;
  readonly clusterId: string;
  /** Metadata requests with allowAutoTopicCreation create missing topics (Kafka's auto.create.topics.enable). */
  readonly autoCreateTopics: boolean;
  /** Partitions of an auto-created topic, and of CreateTopics with numPartitions -1 (Kafka's num.partitions). */
  readonly defaultPartitions: number;
  readonly logger: Logger;
  /** Authentication and authorization (src/security); undefined = no SASL, everything allowed. */
  readonly security?: Security;
}

/** One request's envelope: its header and where it came from. */
export interface RequestInfo {
  readonly header: RequestHeader;
  /** `/address` of the client, as Kafka reports client hosts. */
  readonly clientHost: string;
  /** Aborted when the connection closes: long polls stop waiting. */
  readonly signal: AbortSignal;
  /** The connection's principal and SASL state; undefined (tests) = ANONYMOUS. */
  readonly auth?: ConnectionAuth;
}

/** A handler's answer when the request gets no response at all (Produce with acks=0). */
export const NO_RESPONSE = Symbol("no response");
export type NoResponse = typeof NO_RESPONSE;

export type Handler<K extends ApiKeyValue> = (
  ctx: KafkaBrokerContext,
  request: RequestOf<K>,
  info: RequestInfo,
) => ResponseOf<K> | NoResponse | Promise<ResponseOf<K> | NoResponse>;
