// `rivulet serve` (and `npm start`): runs a broker with embedded defaults; every setting has a flag and an
// environment variable. Logs are JSON lines on stderr; at the default level (info) one "rivulet listening"
// line tells an operator where to connect. SIGINT/SIGTERM close gracefully (flush, stop listeners, release
// the data-directory lock); a second signal exits at once.

import { availableParallelism } from "node:os";
import { createLogger, type LogLevel } from "../log.js";
import { missingBrokerNodeFlags } from "./node-flags.js";
// The server (broker, shards, both front ends) loads only when `serve` runs: every other command starts
// without it (a client command answers in a fraction of the time).
import type { ServerConfig } from "../server.js";
import type { ConsumerMigrationPolicy } from "../groups/types.js";
import { applyFileValues, type FlagSpecs } from "./args.js";
import { defineCommand } from "./command.js";
import { readConfigFile } from "./config-file.js";
import { UsageError } from "./errors.js";
import { securityConfig, securityFlags } from "./security-flags.js";
import { isLoopbackAddress } from "../security/network-policy.js";
import type { TlsFiles } from "../security/tls-files.js";

const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

function wildcard(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "";
}

const serveFlags = {
  config: { kind: "string", description: "settings file (TOML if it ends in .toml, else JSON); keys are these flags' names", env: "RIVULET_CONFIG", placeholder: "FILE" },
  "data-dir": { kind: "string", description: "directory for partitions and metadata (one broker per directory)", default: "./data", env: "RIVULET_DATA_DIR", placeholder: "DIR" },
  host: { kind: "string", description: "interface to bind (0.0.0.0: every interface)", default: "127.0.0.1", env: "RIVULET_HOST", placeholder: "HOST" },
  "allow-unauthenticated": { kind: "boolean", description: "serve non-loopback clients without authentication (leaves protected mode)", env: "RIVULET_ALLOW_UNAUTHENTICATED" },
  "allowed-origins": { kind: "string", multiple: true, description: "browser origins allowed besides same-origin and loopback pages (repeat or comma-separate; *.example.com patterns)", env: "RIVULET_ALLOWED_ORIGINS", placeholder: "ORIGIN" },
  transport: { kind: "string", description: "HTTP/WebSocket server: uws (uWebSockets.js native build), node (node:http + ws); auto: uws where it loads", default: "auto", choices: ["auto", "uws", "node"], env: "RIVULET_TRANSPORT", placeholder: "NAME" },
  "tls-cert": { kind: "string", description: "PEM certificate chain: serve TLS (https/wss, Kafka SSL)", env: "RIVULET_TLS_CERT", placeholder: "FILE" },
  "tls-key": { kind: "string", description: "PEM private key of --tls-cert", env: "RIVULET_TLS_KEY", placeholder: "FILE" },
  "tls-key-passphrase": { kind: "string", description: "passphrase of an encrypted --tls-key (prefer the env var)", env: "RIVULET_TLS_KEY_PASSPHRASE", placeholder: "SECRET" },
  "tls-ca": { kind: "string", description: "PEM CA bundle for client certificates (mTLS)", env: "RIVULET_TLS_CA", placeholder: "FILE" },
  "tls-client-auth": { kind: "string", description: "with --tls-ca: client certificates required or optional", default: "required", choices: ["required", "optional"], env: "RIVULET_TLS_CLIENT_AUTH", placeholder: "MODE" },
  "tls-listeners": { kind: "string", description: "which listeners serve TLS: ws, kafka or ws,kafka", default: "ws,kafka", choices: ["ws", "kafka", "ws,kafka", "kafka,ws"], env: "RIVULET_TLS_LISTENERS", placeholder: "LIST" },
  "metrics-token": { kind: "string", description: "require 'Authorization: Bearer TOKEN' on /metrics", env: "RIVULET_METRICS_TOKEN", placeholder: "TOKEN" },
  "metrics-detail": { kind: "string", description: "/metrics detail: topics (bounded) or subscriptions (adds per-connection and per-subscription series)", default: "topics", choices: ["topics", "subscriptions"], env: "RIVULET_METRICS_DETAIL", placeholder: "LEVEL" },
  port: { kind: "integer", description: "HTTP + WebSocket port (0 picks a free one)", default: 8080, min: 0, env: "RIVULET_PORT" },
  "kafka-port": { kind: "integer", description: "Kafka protocol port (0 picks a free one, -1 disables it)", default: 9092, min: -1, env: "RIVULET_KAFKA_PORT" },
  "advertised-host": { kind: "string", description: "host clients are told to connect to (default: the bound host)", env: "RIVULET_ADVERTISED_HOST", placeholder: "HOST" },
  "advertised-port": { kind: "integer", description: "Kafka port clients are told to connect to (default: the bound one)", min: 1, env: "RIVULET_ADVERTISED_PORT" },
  "auto-create-topics": { kind: "boolean", description: "create topics a Kafka client's Metadata request asks for (Kafka's auto.create.topics.enable; off by default)", env: "RIVULET_AUTO_CREATE_TOPICS" },
  "group-migration-policy": { kind: "string", description: "KIP-848 online migration between classic and consumer groups (Kafka's group.consumer.migration.policy)", default: "bidirectional", choices: ["bidirectional", "upgrade", "downgrade", "disabled"], env: "RIVULET_GROUP_MIGRATION_POLICY", placeholder: "POLICY" },
  "default-partitions": { kind: "integer", description: "partitions of auto-created topics and of CreateTopics with -1", default: 1, min: 1, env: "RIVULET_DEFAULT_PARTITIONS" },
  shards: { kind: "integer", description: `shard worker threads, one owner per partition (default: available parallelism, ${availableParallelism()} here)`, min: 1, env: "RIVULET_SHARDS" },
  "rebuild-metadata": { kind: "boolean", description: "rebuild topics.json from the partition directories when it is missing, damaged or incomplete (docs/operations.md)", env: "RIVULET_REBUILD_METADATA" },
  "max-partitions-per-topic": { kind: "integer", description: "most partitions one topic may have", default: 1000, min: 1, env: "RIVULET_MAX_PARTITIONS_PER_TOPIC" },
  "max-partitions-per-broker": { kind: "integer", description: "most partitions across all topics", default: 4000, min: 1, env: "RIVULET_MAX_PARTITIONS_PER_BROKER" },
  "min-segment-bytes": { kind: "integer", description: "smallest segment.bytes a topic may set (Kafka 4's floor: 1 MiB)", default: 1024 * 1024, min: 14, env: "RIVULET_MIN_SEGMENT_BYTES" },
  "queued-max-request-bytes": { kind: "integer", description: "bytes of client requests read or processed at once, both ports together (Kafka's queued.max.request.bytes)", default: 100 * 1024 * 1024, min: 1024, env: "RIVULET_QUEUED_MAX_REQUEST_BYTES" },
  "log-cleaner-backoff-ms": { kind: "integer", description: "how often compacted topics are cleaned (Kafka's log.cleaner.backoff.ms)", default: 15000, min: 1, env: "RIVULET_LOG_CLEANER_BACKOFF_MS" },
  "log-level": { kind: "string", description: "least severe level logged", default: "info", choices: LOG_LEVELS, env: "RIVULET_LOG_LEVEL", placeholder: "LEVEL" },
  ...securityFlags,
  cluster: { kind: "string", description: "cluster mode: etcd endpoints, etcd://h1:2379,h2:2379 (docs/cluster.md); without it, one embedded broker", env: "RIVULET_CLUSTER", placeholder: "URL" },
  "broker-id": { kind: "integer", description: "with --cluster: this broker's unique id (0-4095)", min: 0, env: "RIVULET_BROKER_ID" },
  "advertised-ws-url": { kind: "string", description: "with --cluster: the WebSocket URL published in cluster metadata (behind a proxy that changes port, path or TLS; default: ws[s]://<advertised host>:<port>/ws)", env: "RIVULET_ADVERTISED_WS_URL", placeholder: "URL" },
  "replication-port": { kind: "integer", description: "with --cluster: port of the replication listener (0 picks a free one)", default: 0, min: 0, env: "RIVULET_REPLICATION_PORT" },
  "replication-plaintext": { kind: "boolean", description: "with --cluster and --tls-cert: keep the replication listener plain TCP (still authenticated; for a private network, where TLS would cost replication throughput)", env: "RIVULET_REPLICATION_PLAINTEXT" },
  "lease-ttl": { kind: "integer", description: "with --cluster: seconds without etcd keepalives before the broker counts as dead", default: 10, min: 1, env: "RIVULET_LEASE_TTL" },
  "replica-lag-time-max-ms": { kind: "integer", description: "with --cluster: a follower not caught up for this long leaves the ISR", default: 30000, min: 1, env: "RIVULET_REPLICA_LAG_TIME_MAX_MS" },
  "default-replication-factor": { kind: "integer", description: "with --cluster: replicas of new topics (capped at live brokers)", default: 3, min: 1, env: "RIVULET_DEFAULT_REPLICATION_FACTOR" },
  "leader-rebalance-interval-ms": { kind: "integer", description: "with --cluster: how often leadership moves back to preferred replicas (0: never)", default: 300000, min: 0, env: "RIVULET_LEADER_REBALANCE_INTERVAL_MS" },
  "min-insync-replicas": { kind: "integer", description: "with --cluster: acks=all fails with NOT_ENOUGH_REPLICAS below this ISR size (a topic config overrides it)", default: 1, min: 1, env: "RIVULET_MIN_INSYNC_REPLICAS" },
} satisfies FlagSpecs;

export const serve = defineCommand({
  name: "serve",
  summary: "Run a broker: HTTP + WebSocket (/ws) on --port, the Kafka protocol on --kafka-port.",
  flags: serveFlags,
  details: [
    "Logs are JSON lines on stderr. SIGINT or SIGTERM shuts down gracefully; a second signal exits at once.",
    "SIGHUP re-reads the TLS certificate files without dropping connections.",
    "Protected mode: with no authentication configured, only loopback clients are served unless --allow-unauthenticated.",
  ],
  async run({ flags: given, sources }) {
    const flags = given.config ? applyFileValues({ flags: given, sources, positionals: [], help: false }, serveFlags, readConfigFile(given.config), given.config) : given;
    const level = flags["log-level"] as LogLevel;
    const logger = createLogger({ level });
    if (flags.port > 65535) throw new UsageError(`--port must be at most 65535, got ${flags.port}`);
    if (flags["kafka-port"] > 65535) throw new UsageError(`--kafka-port must be at most 65535, got ${flags["kafka-port"]}`);
    const allowedOrigins = flags["allowed-origins"].flatMap((o) => o.split(",")).map((o) => o.trim()).filter(Boolean);
    const tls = tlsFiles(flags);
    const tlsListeners = flags["tls-listeners"].split(",");
    const config: ServerConfig = {
      dataDir: flags["data-dir"],
      host: flags.host,
      allowUnauthenticated: flags["allow-unauthenticated"],
      allowedOrigins,
      tls: tls && tlsListeners.includes("ws") ? tls : undefined,
      kafkaTls: tls && tlsListeners.includes("kafka") ? tls : undefined,
      metricsToken: flags["metrics-token"],
      metricsDetail: flags["metrics-detail"] as ServerConfig["metricsDetail"],
      port: flags.port,
      transport: flags.transport === "auto" ? undefined : (flags.transport as ServerConfig["transport"]),
      kafkaPort: flags["kafka-port"],
      advertisedHost: flags["advertised-host"],
      advertisedPort: flags["advertised-port"],
      shards: flags.shards ?? availableParallelism(),
      rebuildMetadata: flags["rebuild-metadata"],
      maxPartitionsPerTopic: flags["max-partitions-per-topic"],
      maxPartitionsPerBroker: flags["max-partitions-per-broker"],
      minSegmentBytes: flags["min-segment-bytes"],
      compactionCheckMs: flags["log-cleaner-backoff-ms"],
      queuedMaxRequestBytes: flags["queued-max-request-bytes"],
      logLevel: level,
      logger,
      kafka: { autoCreateTopics: flags["auto-create-topics"] === true, defaultPartitions: flags["default-partitions"] },
      groups: { consumerMigrationPolicy: flags["group-migration-policy"] as ConsumerMigrationPolicy },
      security: securityConfig(flags),
      cluster: clusterConfig(flags),
    };
    if (wildcard(flags.host) && flags["advertised-host"] === undefined && flags["kafka-port"] !== -1) {
      // Metadata tells Kafka clients to reconnect to 127.0.0.1: fine on this machine, a failure anywhere else.
      logger.warn("bound to a wildcard address without --advertised-host: Kafka clients are told to connect to 127.0.0.1, so clients on other hosts will fail; set --advertised-host to a name they can reach", { host: flags.host });
    }
    const { startServer } = await import("../server.js");
    let server: Awaited<ReturnType<typeof startServer>>;
    try {
      server = await startServer(config);
    } catch (error) {
      if (allowedOrigins.length && /allowed-origins/.test(String((error as Error).message))) throw new UsageError((error as Error).message);
      throw error;
    }
    if (server.policy.protectedMode && !isLoopbackAddress(flags.host)) {
      logger.warn("protected mode: listening beyond loopback but serving loopback clients only, since no authentication is configured; configure authentication or pass --allow-unauthenticated", { host: flags.host });
    } else if (!server.policy.protectedMode && flags["allow-unauthenticated"] && !isLoopbackAddress(flags.host)) {
      logger.warn("serving the network WITHOUT authentication (--allow-unauthenticated): anyone who reaches these ports can read, write and delete every topic", { host: flags.host });
    }
    const publicHost = flags["advertised-host"] ?? (wildcard(flags.host) ? "127.0.0.1" : flags.host);
    const urlHost = publicHost.includes(":") ? `[${publicHost}]` : publicHost;
    const secure = config.tls !== undefined;
    // The bound Kafka port as the server reports it (-1: disabled); the configured one if it reports none.
    const kafkaPort = (server as { kafkaPort?: number }).kafkaPort ?? config.kafkaPort;
    const missing = missingBrokerNodeFlags();
    if (missing.length) {
      logger.info("node was started without the broker's heap option: streaming reads cost up to 1.5x the CPU (npm start passes it; docs/operations.md section 8)", { add: missing.join(" "), example: `node ${missing.join(" ")} $(command -v rivulet) serve` });
    }

    logger.info("rivulet listening", {
      ws: `${secure ? "wss" : "ws"}://${urlHost}:${server.port}/ws`,
      http: `${secure ? "https" : "http"}://${urlHost}:${server.port}`,
      bind: `${flags.host}:${server.port}`,
      transport: server.ws.transport,
      kafkaPort: kafkaPort === -1 ? "disabled" : kafkaPort,
      dataDir: flags["data-dir"],
      shards: config.shards,
      pid: process.pid,
    });

    return new Promise<number>((resolve) => {
      let stopping = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (stopping) {
          logger.warn("second signal: exiting without a clean shutdown", { signal });
          process.exit(1);
        }
        stopping = true;
        logger.info("shutting down", { signal });
        server.close().then(
          () => resolve(0),
          (error: unknown) => {
            logger.error("shutdown failed", { error });
            resolve(1);
          },
        );
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      process.on("SIGHUP", () => {
        server.reloadTls().catch((error: unknown) => logger.error("TLS reload failed; the previous certificates stay in use", { error }));
      });
    });
  },
});

/** The TLS files the flags name, or undefined; a key without a certificate (or the reverse) is a usage error. */
function tlsFiles(flags: { "tls-cert"?: string; "tls-key"?: string; "tls-key-passphrase"?: string; "tls-ca"?: string; "tls-client-auth": string }): TlsFiles | undefined {
  const cert = flags["tls-cert"];
  const key = flags["tls-key"];
  if (!cert && !key) {
    if (flags["tls-ca"]) throw new UsageError("--tls-ca needs --tls-cert and --tls-key");
    return undefined;
  }
  if (!cert || !key) throw new UsageError("--tls-cert and --tls-key go together");
  return { certFile: cert, keyFile: key, passphrase: flags["tls-key-passphrase"], caFile: flags["tls-ca"], requireClientCert: flags["tls-client-auth"] !== "optional" };
}

function clusterConfig(flags: { cluster?: string; "broker-id"?: number; "advertised-ws-url"?: string; "replication-port": number; "replication-plaintext"?: boolean; "lease-ttl": number; "replica-lag-time-max-ms": number; "default-replication-factor": number; "min-insync-replicas": number; "leader-rebalance-interval-ms": number }): ServerConfig["cluster"] {
  if (flags.cluster === undefined) {
    if (flags["broker-id"] !== undefined) throw new UsageError("--broker-id needs --cluster");
    if (flags["advertised-ws-url"] !== undefined) throw new UsageError("--advertised-ws-url needs --cluster (only cluster metadata publishes WebSocket URLs)");
    if (flags["replication-plaintext"]) throw new UsageError("--replication-plaintext needs --cluster");
    return undefined;
  }
  if (flags["broker-id"] === undefined) throw new UsageError("--cluster needs --broker-id");
  return {
    etcd: flags.cluster,
    brokerId: flags["broker-id"],
    ...(flags["advertised-ws-url"] !== undefined ? { advertisedWsUrl: checkWsUrl(flags["advertised-ws-url"]) } : {}),
    replicationPort: flags["replication-port"],
    ...(flags["replication-plaintext"] ? { replicationPlaintext: true } : {}),
    leaseTtlSeconds: flags["lease-ttl"],
    replicaLagTimeMaxMs: flags["replica-lag-time-max-ms"],
    defaultReplicationFactor: flags["default-replication-factor"],
    minInsyncReplicas: flags["min-insync-replicas"],
    leaderRebalanceIntervalMs: flags["leader-rebalance-interval-ms"],
  };
}

/** --advertised-ws-url: an absolute ws:// or wss:// URL (clients connect to it as given). */
export function checkWsUrl(given: string): string {
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new UsageError(`--advertised-ws-url: '${given}' is not a valid URL`);
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:") throw new UsageError(`--advertised-ws-url must be a ws:// or wss:// URL, got '${given}'`);
  if (url.username || url.password) throw new UsageError("--advertised-ws-url must not carry credentials (every client reads it)");
  return given;
}
