// Cluster-mode settings (`rivulet serve --cluster etcd://h1:2379,h2:2379 --broker-id 2 ...`).

import { InvalidArgumentError } from "../errors/index.js";

export interface ClusterConfig {
  /** etcd endpoints: `etcd://h1:2379,h2:2379` or a list of http(s) URLs / host:port. */
  etcd: string | string[];
  /** This broker's id, unique in the cluster (Kafka's broker.id). */
  brokerId: number;
  /** Host other brokers and clients reach this one at. Default: the listen host. */
  advertisedHost?: string;
  /**
   * The WebSocket URL this broker publishes in cluster metadata (METADATA's broker list), for a proxy that
   * changes the port, path or TLS. Default: derived from the advertised host, WebSocket port and scheme.
   */
  advertisedWsUrl?: string;
  /** Replication listener port (0 = pick a free one). Default 0. */
  replicationPort?: number;
  /** Keep the replication listener plain TCP although the broker has a TLS certificate (still authenticated). */
  replicationPlaintext?: boolean;
  /** Lease TTL: a broker silent this long is dead to the cluster. Default 10 s. */
  leaseTtlSeconds?: number;
  /** Kafka replica.lag.time.max.ms. Default 30000. */
  replicaLagTimeMaxMs?: number;
  /** Kafka default.replication.factor. Default 3 (capped at the live broker count). */
  defaultReplicationFactor?: number;
  /** Kafka min.insync.replicas (a topic config overrides it). Default 1. */
  minInsyncReplicas?: number;
  /** Move leadership back to preferred replicas this often (ms; 0 = never). Default 300000. */
  leaderRebalanceIntervalMs?: number;
  /** etcd key prefix (several clusters can share one etcd). Default /rivulet. */
  prefix?: string;
}

export function parseEtcdEndpoints(spec: string | string[]): string[] {
  const parts = (Array.isArray(spec) ? spec : [spec]).flatMap((s) => s.replace(/^etcd:\/\//, "").split(",")).map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new InvalidArgumentError("--cluster needs at least one etcd endpoint (etcd://host:2379)");
  return parts.map((p) => (/^https?:\/\//.test(p) ? p : `http://${p}`));
}

export function checkBrokerId(id: unknown): number {
  // < 4096: producer ids are striped by broker id (Broker.initProducerId).
  if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id > 4095) throw new InvalidArgumentError(`--broker-id must be an integer in [0, 4095], got ${String(id)}`);
  return id;
}
