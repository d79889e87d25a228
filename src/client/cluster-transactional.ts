// The WebSocket transactional producer through the cluster client (docs/cluster.md "Clients"):
//
//   const producer = cluster.producer({ transactionalId: "orders-enricher" });
//   await producer.beginTransaction();
//   await producer.send({ topic: "out", partition: 0, value: "x" });
//   await producer.commitTransaction();
//
// Behavior (the routes TransactionalProducer asks, transactional-producer.ts):
// - coordinator: the leader of the id's `__transaction_state` partition, Kafka's partitionFor
//   (abs(String#hashCode) % partitions, the broker's own function), looked up in fresh metadata each time.
// - leader: the partition's leader, as the other cluster producers route.
// - retry: a lost connection, a timeout, NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS,
//   COORDINATOR_NOT_AVAILABLE, CONCURRENT_TRANSACTIONS (an end the coordinator is still finishing) and the
//   leader-change errors are sent again after a backoff and a metadata refresh, until `retryTimeoutMs`
//   (default 60 s) after the first failure of that request. So a coordinator killed mid-transaction is
//   followed to the next leader of the id's partition, which loaded the transaction (Ongoing: the producer
//   goes on and ends it; Prepare*: it finishes it, and the producer's retried end answers NONE). A retried
//   batch keeps its producer id, epoch and sequence: a leader that already has it does not store it twice.
//   Anything else (fencing, authorization, INVALID_TXN_STATE, ...) fails the call as on one broker.

import { RivuletError } from "../errors/index.js";
import type { ClusterMetadata } from "./admin.js";
import type { Connection } from "./connection.js";
import { ConnectionError, TimeoutError } from "./errors.js";
import type { RivuletClient } from "./index.js";
import { offsetsPartitionFor } from "./cluster-group.js";
import { TransactionalProducer, type TransactionalProducerOptions, type TxnRoutes } from "./transactional-producer.js";

export const TRANSACTION_STATE_TOPIC = "__transaction_state";

const RETRY = new Set([
  "NOT_COORDINATOR", "COORDINATOR_LOAD_IN_PROGRESS", "COORDINATOR_NOT_AVAILABLE", "CONCURRENT_TRANSACTIONS",
  "NOT_LEADER_OR_FOLLOWER", "LEADER_NOT_AVAILABLE", "FENCED_LEADER_EPOCH", "UNKNOWN_LEADER_EPOCH", "NOT_ENOUGH_REPLICAS",
  "NOT_ENOUGH_REPLICAS_AFTER_APPEND", "NETWORK_EXCEPTION", "REQUEST_TIMED_OUT",
]);

/** What these routes need of the cluster client (RivuletCluster; an interface so there is no import cycle). */
export interface TxnClusterHandle {
  readonly metadata: ClusterMetadata;
  refresh(topics: string[]): Promise<ClusterMetadata>;
  client(url: string): Promise<RivuletClient>;
  leaderFor(topic: string, partition: number): Promise<RivuletClient>;
  leaderUrl(topic: string, partition: number): string | undefined;
  partitionCount(topic: string): number | undefined;
}

export interface ClusterTransactionalOptions extends TransactionalProducerOptions {
  /** How long one request is sent again after its first failure (coordinator or leader moves). Default 60000. */
  retryTimeoutMs?: number;
}

export function clusterTransactionalProducer(cluster: TxnClusterHandle, options: ClusterTransactionalOptions): TransactionalProducer {
  return new TransactionalProducer(new ClusterTxnRoutes(cluster, options), undefined, options);
}

class ClusterTxnRoutes implements TxnRoutes {
  /** When the request being retried first failed (reset by a success). */
  private firstFailure: number | undefined;
  private readonly topics = new Set<string>();

  constructor(private readonly cluster: TxnClusterHandle, private readonly options: ClusterTransactionalOptions) {}

  async coordinator(): Promise<Connection> {
    await this.cluster.refresh([TRANSACTION_STATE_TOPIC]);
    const count = this.cluster.partitionCount(TRANSACTION_STATE_TOPIC);
    if (!count) throw new RivuletError("COORDINATOR_NOT_AVAILABLE", "the cluster has no __transaction_state topic yet", { retriable: true });
    const url = this.cluster.leaderUrl(TRANSACTION_STATE_TOPIC, offsetsPartitionFor(this.options.transactionalId, count));
    if (!url) throw new RivuletError("COORDINATOR_NOT_AVAILABLE", `transactional id ${this.options.transactionalId}'s partition has no leader right now`, { retriable: true });
    return (await this.cluster.client(url)).connection;
  }

  async leader(topic: string, partition: number): Promise<Connection> {
    this.topics.add(topic);
    return (await this.cluster.leaderFor(topic, partition)).connection;
  }

  async partitionCount(topic: string): Promise<number> {
    const count = this.cluster.partitionCount(topic) ?? (await this.cluster.refresh([topic]), this.cluster.partitionCount(topic));
    if (!count) throw new RivuletError("UNKNOWN_TOPIC_OR_PARTITION", `topic ${topic} is not in the cluster metadata`);
    return count;
  }

  async retry(error: unknown, attempt: number, to: "coordinator" | "leader"): Promise<boolean> {
    if (attempt === 0) this.firstFailure = Date.now();
    const retriable = error instanceof ConnectionError || error instanceof TimeoutError || (error instanceof RivuletError && RETRY.has(error.code));
    if (!retriable || Date.now() - (this.firstFailure ?? Date.now()) > (this.options.retryTimeoutMs ?? 60_000)) return false;
    await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** Math.min(attempt, 4), 1000)));
    if (to === "leader") await this.cluster.refresh([...this.topics]).catch(() => undefined);
    return true;
  }
}
