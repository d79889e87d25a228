// Starts a whole Rivulet server: the broker core plus its front ends. `rivulet serve`, the tests and the
// end-to-end benchmarks all start it through here.

import { createBroker, type Broker, type BrokerConfig } from "./broker/index.js";
import { createBrokerCoordinator, type GroupConfig, type GroupCoordinator } from "./groups/index.js";
import { createLogger, type Logger, type LogLevel } from "./log.js";
import { startKafkaListener, type KafkaListener, type KafkaListenerOptions } from "./frontends/kafka/index.js";
import { loadNativeUws } from "./frontends/uws.js";
import { startWsServer, type WsServer, type WsServerOptions, type WsTransport } from "./frontends/ws/server.js";
import { Security, type SecurityConfig } from "./security/index.js";
import { NetworkPolicy } from "./security/network-policy.js";
import type { TlsFiles } from "./security/tls-files.js";
import type { ClusterNode } from "./cluster/node.js";
import type { ClusterConfig } from "./cluster/config.js";
import { startTransactionCoordinator, type TransactionCoordinator } from "./transactions/index.js";

export interface ServerConfig extends BrokerConfig {
  /** Interface the listeners bind. Default 127.0.0.1 (loopback: nothing is exposed until asked). */
  host?: string;
  /**
   * Serve non-loopback clients although no authentication is configured. Without it (and without
   * authentication) the broker is in protected mode: loopback peers only, on both front ends.
   */
  allowUnauthenticated?: boolean;
  /** Browser origins allowed besides same-origin and loopback pages (exact, `*.example.com`, or `*`). */
  allowedOrigins?: string[];
  /** TLS for the HTTP/WebSocket listener (https/wss). */
  tls?: TlsFiles;
  /** TLS for the Kafka listener (Kafka's SSL listener; caFile for mTLS). */
  kafkaTls?: TlsFiles;
  /** Require `Authorization: Bearer <token>` on GET /metrics. */
  metricsToken?: string;
  /** "subscriptions": per-connection and per-subscription series on /metrics (unbounded; default per topic). */
  metricsDetail?: "topics" | "subscriptions";
  /** HTTP/WebSocket server: "uws" or "node" (node:http + ws). Default: uws where its native build loads, else node. */
  transport?: WsTransport;
  /** HTTP + WebSocket port (0 = pick a free one). Default 8080. */
  port?: number;
  /** Kafka protocol port (0 = pick a free one, -1 = disabled). Default 9092. */
  kafkaPort?: number;
  /** Host/port Kafka clients are told to connect to (Metadata); default host/port as bound. */
  advertisedHost?: string;
  advertisedPort?: number;
  ws?: Omit<WsServerOptions, "host" | "port" | "logger">;
  /** Kafka listener settings beyond the port and address (auto topic creation, frame limit, capture). */
  kafka?: Omit<KafkaListenerOptions, "host" | "port" | "advertisedHost" | "advertisedPort" | "logger">;
  /** Consumer-group settings (group.initial.rebalance.delay.ms, session timeout bounds, ...). */
  groups?: GroupConfig;
  /** Authentication (SASL, JWT) and authorization (ACLs) on both front ends; docs/security.md. */
  security?: SecurityConfig;
  /** Cluster mode (docs/cluster.md): metadata and elections on etcd, replication between brokers. */
  cluster?: ClusterConfig;
  /** Transaction coordinator settings (transaction.max.timeout.ms, abort check interval). */
  transactions?: Omit<import("./transactions/index.js").TransactionCoordinatorOptions, "logger">;
}

export interface RivuletServer {
  readonly broker: Broker;
  /** Consumer groups and committed offsets, shared by both front ends. */
  readonly coordinator: GroupCoordinator;
  /** Transactions (issue 16): __transaction_state, markers, fencing. */
  readonly transactions: TransactionCoordinator;
  readonly ws: WsServer;
  /** The bound WebSocket/HTTP port. */
  readonly port: number;
  /** The Kafka protocol listener, undefined when disabled (kafkaPort -1). */
  readonly kafka: KafkaListener | undefined;
  /** The bound Kafka port, -1 when disabled. */
  readonly kafkaPort: number;
  readonly logger: Logger;
  /** Users, ACLs and the authentication counters, shared by both front ends. */
  readonly security: Security;
  /** Protected mode and origin rules in force. */
  readonly policy: NetworkPolicy;
  /** Cluster mode only. */
  readonly cluster: ClusterNode | undefined;
  /** Re-reads the TLS certificate files of both listeners (SIGHUP): open connections are not dropped. */
  reloadTls(): Promise<void>;
  close(): Promise<void>;
}

export async function startServer(config: ServerConfig = {}): Promise<RivuletServer> {
  const logger = config.logger ?? createLogger({ level: (config.logLevel ?? "info") as LogLevel });
  const policy = new NetworkPolicy({ authenticationRequired: config.security?.requireAuthentication, allowUnauthenticated: config.allowUnauthenticated, allowedOrigins: config.allowedOrigins });
  const host = config.host ?? "127.0.0.1";
  // A transport that cannot run fails before the broker creates or locks its data directory.
  if ((config.transport ?? config.ws?.transport) === "uws") loadNativeUws();
  const broker = await createBroker({ ...config, logger, replicated: config.cluster !== undefined });
  let security: Security;
  try {
    security = new Security(broker.config.dataDir, config.security ?? {}, logger);
  } catch (error) {
    await broker.close();
    throw error;
  }
  // Cluster mode: users and ACLs come from etcd. Until they are loaded the broker knows none (a user
  // deleted cluster-wide may still be in this data directory's files); the files only seed an empty etcd.
  const localSecurity = config.cluster ? { acls: [...security.acls.all()], users: Object.fromEntries(security.users.list().map((u) => [u.name, security.users.stored(u.name)!])) } : undefined;
  if (localSecurity) {
    security.acls.replaceAll([]);
    security.users.replaceAll({});
  }
  let ws: WsServer;
  let coordinator: GroupCoordinator;
  let transactions: TransactionCoordinator;
  let kafka: KafkaListener | undefined;
  try {
    coordinator = await createBrokerCoordinator(broker, { logger, config: config.groups });
    // Cluster mode: the coordinator owns the ids of the __transaction_state partitions this broker leads.
    transactions = await startTransactionCoordinator(broker, coordinator, { ...config.transactions, ...(config.cluster ? { partitioned: true } : {}) });
    // Cluster mode: lead nothing until joined (the coordinator above replayed the local offsets first).
    // (Loaded only in cluster mode: the embedded default never loads the etcd client.)
    if (config.cluster) broker.replication = (await import("./cluster/node.js")).notJoinedYet;
    ws = await startWsServer(broker, {
      ...config.ws,
      host,
      port: config.port ?? 8080,
      transport: config.transport ?? config.ws?.transport,
      logger,
      coordinator,
      policy,
      tls: config.tls,
      metricsToken: config.metricsToken,
      metricsDetail: config.metricsDetail ?? config.ws?.metricsDetail,
      readinessListeners: () => (kafka ? [{ name: "kafka", host: kafka.host, port: kafka.port }] : []),
      security,
    });
    const kafkaPort = config.kafkaPort ?? 9092;
    if (kafkaPort !== -1) {
      try {
        kafka = await startKafkaListener(broker, coordinator, {
          ...config.kafka,
          ...(config.cluster ? { nodeId: config.cluster.brokerId } : {}),
          host,
          port: kafkaPort,
          policy,
          tls: config.kafkaTls,
          advertisedHost: config.advertisedHost,
          advertisedPort: config.advertisedPort,
          logger,
          security,
          transactions,
        });
      } catch (error) {
        await ws.close();
        transactions.close();
        coordinator.close();
        throw error;
      }
    }
  } catch (error) {
    await broker.close();
    throw error;
  }
  let cluster: ClusterNode | undefined;
  if (config.cluster) {
    try {
      const { startClusterNode } = await import("./cluster/node.js");
      cluster = await startClusterNode(broker, { advertisedHost: config.advertisedHost, ...config.cluster }, { host, kafkaPort: kafka?.port ?? -1, wsPort: ws.port, wsScheme: config.tls ? "wss" : "ws", replicationTls: config.tls ?? config.kafkaTls }, logger, coordinator);
      // Users and ACLs are cluster-wide in cluster mode: etcd holds them (docs/security.md).
      const { EtcdSecurityStore } = await import("./security/etcd-store.js");
      const shared = await EtcdSecurityStore.start(cluster.session.client, cluster.session.keys.prefix, security, logger, localSecurity);
      const { followTransactionLeadership } = await import("./cluster/txn-markers.js");
      const { transactionRouting } = await import("./cluster/txn-routing.js");
      followTransactionLeadership(transactions, cluster.replicas, cluster.markers, logger, transactionRouting(broker, cluster.markers, transactions, coordinator));
      const closeNode = cluster.close.bind(cluster);
      cluster = { ...cluster, close: async () => (await shared.close(), await closeNode()) };
    } catch (error) {
      await cluster?.close();
      await kafka?.close();
      await ws.close();
      coordinator.close();
      await broker.close();
      throw error;
    }
  }
  let closing: Promise<void> | undefined;
  return {
    broker,
    coordinator,
    transactions,
    ws,
    port: ws.port,
    kafka,
    kafkaPort: kafka?.port ?? -1,
    logger,
    security,
    policy,
    cluster,
    async reloadTls() {
      // Kafka first: node:tls swaps its context in place, whatever happens on the WebSocket side.
      kafka?.reloadTls();
      cluster?.reloadTls();
      await ws.reloadTls();
    },
    close() {
      closing ??= (async () => {
        await cluster?.close();
        await kafka?.close();
        await ws.close();
        transactions.close();
        coordinator.close();
        await broker.close();
        logger.info("server stopped");
      })();
      return closing;
    },
  };
}
