// The Kafka wire-protocol listener: a node:net TCP server whose connections (connection.ts) decode requests
// with the sans-IO codec (src/protocol/kafka) and answer them through the handler table
// (src/frontends/kafka/handlers). startServer (src/server.ts) starts it after the broker and closes it first.

import type { TransactionCoordinator } from "../../transactions/index.js";
import { createHash } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { acquireFdHeadroom } from "../fd-headroom.js";
import { createServer as createTlsServer, type TLSSocket } from "node:tls";
import { resolve } from "node:path";
import type { Broker } from "../../broker/broker.js";
import type { KafkaBrokerContext } from "./handlers/index.js";
import type { GroupCoordinator } from "../../groups/index.js";
import type { Logger } from "../../log.js";
import { RefusalLog } from "../../refusal-log.js";
import { DEFAULT_MAX_FRAME_SIZE } from "../../protocol/kafka/index.js";
import { NetworkPolicy, normalizeAddress } from "../../security/network-policy.js";
import { certificatePrincipal, loadTlsFiles, type TlsFiles } from "../../security/tls-files.js";
import { KafkaConnection } from "./connection.js";
import { userPrincipal, type Security } from "../../security/index.js";

export interface KafkaListenerOptions {
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /** Default 9092; 0 picks a free port. */
  port?: number;
  /** What Metadata and FindCoordinator tell clients. Default: host as bound (127.0.0.1 for 0.0.0.0/::) and the bound port. */
  advertisedHost?: string;
  advertisedPort?: number;
  /** Default 1. */
  nodeId?: number;
  /** Create topics that Metadata asks for (Kafka's auto.create.topics.enable). Default false. */
  autoCreateTopics?: boolean;
  /** Partitions of auto-created topics and of CreateTopics with -1. Default 1 (Kafka's num.partitions). */
  defaultPartitions?: number;
  /** Largest request accepted (Kafka's socket.request.max.bytes). Default 100 MiB. */
  maxFrameSize?: number;
  /** Idle connections are closed after this long (Kafka's connections.max.idle.ms). Default 10 minutes. */
  idleTimeoutMs?: number;
  /** Sees every request frame (size prefix removed) before it is decoded: golden-byte capture. */
  onRequestFrame?: (frame: Uint8Array, connectionId: number) => void;
  /** Authentication and authorization (src/security); unset = no SASL, everything allowed. */
  security?: Security;
  /** Protected mode (default: loopback peers only). */
  policy?: NetworkPolicy;
  /** Serve TLS (Kafka's SSL listener) with these PEM files; with caFile, client certificates (mTLS). */
  tls?: TlsFiles;
  /** The transaction coordinator (issue 16); unset answers the transaction APIs with COORDINATOR_NOT_AVAILABLE. */
  transactions?: TransactionCoordinator;
  logger: Logger;
}

export interface KafkaListener {
  readonly port: number;
  readonly host: string;
  /** Open client connections. */
  readonly connections: number;
  /** Per open connection: requests answered, frames waiting, whether reading is paused (backpressure). */
  connectionStats(): Array<{ remote: string; requests: number; pendingFrames: number; readingPaused: boolean; bufferedOut: number }>;
  /** Re-reads the TLS files: new connections use them, open ones carry on. No-op without TLS. */
  reloadTls(): void;
  /** Stops accepting, closes every connection (aborting long polls), resolves when the server is closed. */
  close(): Promise<void>;
}

export async function startKafkaListener(
  broker: Broker,
  coordinator: GroupCoordinator | undefined,
  options: KafkaListenerOptions,
): Promise<KafkaListener> {
  const logger = options.logger;
  const host = options.host ?? "127.0.0.1";
  const connections = new Set<KafkaConnection>();
  const drainWaiters = new Set<() => void>();
  const onDrain = () => {
    const wake = [...drainWaiters];
    drainWaiters.clear();
    for (const w of wake) w();
  };
  broker.on("drain", onDrain);
  let nextId = 1;
  // Filled in once the port is known (advertisedPort defaults to it).
  let ctx!: KafkaBrokerContext;
  const idleTimeoutMs = options.idleTimeoutMs ?? 600_000;

  const policy = options.policy ?? new NetworkPolicy();
  const tls = options.tls ? loadTlsFiles(options.tls) : undefined;
  // Out of descriptors: a new connection is closed at once, leaving the rest for the storage (fd-headroom.ts).
  const fds = acquireFdHeadroom(logger);
  // A client refused in a loop is one warning a minute, not one per connection (src/refusal-log.ts).
  const refusals = new RefusalLog(logger);
  const onSocket = (socket: Socket) => {
    if (!fds.headroom.admit("kafka")) return void socket.destroy();
    const remote = normalizeAddress(socket.remoteAddress ?? "");
    if (!policy.admitsPeer(remote)) {
      // Kafka has no message for "go away" before a request: close, and say why in the broker's log.
      refusals.warn("kafka connection refused: protected mode (no authentication configured; --allow-unauthenticated serves the network)", remote);
      return void socket.destroy();
    }
    if (tls?.requestCert) {
      const peer = (socket as TLSSocket).getPeerCertificate?.();
      logger.debug("kafka TLS client", { remote, principal: certificatePrincipal(peer?.subject as never) ?? "ANONYMOUS" });
    }
    const id = nextId++;
    const capture = options.onRequestFrame;
    socket.setTimeout(idleTimeoutMs, () => {
      logger.debug("kafka connection idle, closing", { remote: `${socket.remoteAddress}:${socket.remotePort}` });
      socket.destroy();
    });
    const connection = new KafkaConnection(
      socket,
      ctx,
      logger,
      {
        maxFrameSize: options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE,
        onRequestFrame: capture ? (frame) => capture(frame, id) : undefined,
        onBrokerDrain: (wake) => drainWaiters.add(wake),
        offBrokerDrain: (wake) => drainWaiters.delete(wake),
      },
      (c) => connections.delete(c),
    );
    // mTLS: a verified client certificate authenticates the connection as User:<CN> (Kafka's SSL listener
    // with ssl.client.auth); SASL on top of it (SASL_SSL) replaces that principal.
    const tlsSocket = socket as TLSSocket;
    if (tls?.requestCert && tlsSocket.authorized) {
      const name = certificatePrincipal(tlsSocket.getPeerCertificate?.()?.subject as never);
      if (name) connection.auth.fromCertificate(userPrincipal(name));
    }
    connections.add(connection);
  };
  const server: Server = tls
    ? createTlsServer({ allowHalfOpen: true, noDelay: true, ...tlsContextOptions(tls) }, onSocket)
    : createServer({ allowHalfOpen: true, noDelay: true }, onSocket);
  // Every TCP connection, also those still in a TLS handshake (not yet a KafkaConnection): closed at shutdown,
  // since server.close() waits for them all.
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  if (tls) server.on("tlsClientError", (error, socket) => refusals.warn("kafka TLS handshake failed", normalizeAddress(socket.remoteAddress ?? ""), { error: error.message }));

  await new Promise<void>((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 9092, host, () => {
      server.off("error", reject);
      resolvePromise();
    });
  });
  server.on("error", (error) => logger.error("kafka listener error", { error }));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : (options.port ?? 9092);
  const wildcard = host === "0.0.0.0" || host === "::" || host === "";
  ctx = {
    broker,
    coordinator,
    nodeId: options.nodeId ?? 1,
    advertisedHost: options.advertisedHost ?? (wildcard ? "127.0.0.1" : host),
    advertisedPort: options.advertisedPort ?? port,
    clusterId: clusterIdFor(broker.config.dataDir),
    autoCreateTopics: options.autoCreateTopics ?? false,
    defaultPartitions: options.defaultPartitions ?? 1,
    logger,
    security: options.security,
    transactions: options.transactions,
  };
  logger.info("kafka listener started", {
    host,
    port,
    advertised: `${ctx.advertisedHost}:${ctx.advertisedPort}`,
    protocol: tls ? "SSL" : "PLAINTEXT",
    ...(tls ? { certificate: tls.summary } : {}),
    protectedMode: policy.protectedMode,
  });

  let closing: Promise<void> | undefined;
  return {
    port,
    host,
    get connections() {
      return connections.size;
    },
    connectionStats() {
      return [...connections].map((c) => ({
        remote: `${c.socket.remoteAddress}:${c.socket.remotePort}`,
        requests: c.requests,
        pendingFrames: c.pendingFrames,
        readingPaused: c.readingPaused,
        bufferedOut: c.socket.writableLength,
      }));
    },
    reloadTls() {
      if (!options.tls) return;
      const next = loadTlsFiles(options.tls);
      (server as import("node:tls").Server).setSecureContext(tlsContextOptions(next));
      logger.info("kafka TLS certificates reloaded", { certificate: next.summary });
    },
    close() {
      closing ??= new Promise<void>((resolvePromise) => {
        fds.release();
        broker.off("drain", onDrain);
        server.close(() => resolvePromise());
        for (const c of [...connections]) c.close();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

/** A stable 22-character cluster id (Kafka's base64 UUID length) for a data directory. */
export function clusterIdFor(dataDir: string): string {
  return createHash("sha256").update(resolve(dataDir)).digest("base64url").slice(0, 22);
}

function tlsContextOptions(tls: ReturnType<typeof loadTlsFiles>) {
  return { cert: tls.cert, key: tls.key, passphrase: tls.passphrase, ca: tls.ca, requestCert: tls.requestCert, rejectUnauthorized: tls.rejectUnauthorized };
}
