// What both WebSocket/HTTP transports share: their options, the handle they return, the default session
// limits and the small HTTP answers both give the same way. The uWebSockets.js transport is ./server.ts,
// the node:http + `ws` transport ./node-server.ts (docs/operations.md "Transports").

import { timingSafeEqual } from "node:crypto";
import type { Logger } from "../../log.js";
import type { GroupCoordinator } from "../../groups/index.js";
import type { MetricsDetail } from "../http/metrics.js";
import type { ListenerAddress } from "../http/health.js";
import { NetworkPolicy } from "../../security/network-policy.js";
import type { TlsFiles } from "../../security/tls-files.js";
import type { Security } from "../../security/index.js";
import type { Session } from "./session.js";
import type { SessionLimits } from "./session-limits.js";

/** RFC 6455 1013 "Try Again Later": the broker's request memory is spent (uWS transport, see server.ts). */
export const CLOSE_TRY_AGAIN_LATER = 1013;

/** uws: uWebSockets.js's native build (the fast path). node: node:http(s) + the `ws` package. */
export type WsTransport = "uws" | "node";

export interface WsServerOptions {
  host?: string;
  /** 0 picks a free port. Default 8080. */
  port?: number;
  /**
   * Which server runs the port. Default: uws when its native build loads on this Node, else node (with a
   * warning in the log). Naming one makes it a requirement: uws fails to start where it cannot load.
   */
  transport?: WsTransport;
  /** Largest frame a client may send (beyond it uWS drops the connection: the peer sees 1006). Default 16 MiB. */
  maxFrameBytes?: number;
  /** Close a connection that sent no frame for this long (close code 4001). Default 120 s. */
  idleTimeoutMs?: number;
  limits?: Partial<SessionLimits>;
  logger: Logger;
  serverVersion?: string;
  /** Consumer groups (JOIN_GROUP and the group frames); without it those frames get COORDINATOR_NOT_AVAILABLE. */
  coordinator?: GroupCoordinator;
  /** Authentication (AUTH frame) and authorization; docs/security.md. */
  security?: Security;
  /** Protected mode and browser Origins (default: protected, same-origin and loopback pages only). */
  policy?: NetworkPolicy;
  /** Serve HTTPS/WSS with these PEM files (caFile: ask clients for certificates). */
  tls?: TlsFiles;
  /** Require `Authorization: Bearer <token>` on /metrics. */
  metricsToken?: string;
  /** "subscriptions": per-connection and per-subscription series on /metrics (unbounded; default per topic). */
  metricsDetail?: MetricsDetail;
  /** Other listeners /readyz checks are accepting (the Kafka listener). */
  readinessListeners?: () => ListenerAddress[];
}

export interface WsServer {
  readonly port: number;
  /** The transport serving the port (also in the start-up log and rivulet_build_info). */
  readonly transport: WsTransport;
  readonly sessions: ReadonlySet<Session>;
  /**
   * Re-reads the TLS files. The node transport swaps the certificates in place (new connections get them,
   * open ones carry on); uWS cannot, so there they are checked and apply at the next restart.
   */
  reloadTls(): Promise<void>;
  close(): Promise<void>;
}

export const defaultSessionLimits: SessionLimits = {
  maxSubscriptions: 64,
  maxInFlight: 32,
  maxQueuedBytes: 32 * 1024 * 1024,
  highWaterBytes: 1024 * 1024,
  maxChunkBytes: 1024 * 1024,
  maxConcurrentReads: 8,
};

export const PROTECTED_MODE_REFUSAL =
  "Rivulet is in protected mode: no authentication is configured, so only loopback clients are served. " +
  "Configure authentication, or start with --allow-unauthenticated to serve the network without it.\n";

export const UPGRADE_REQUIRED_TEXT = "This is Rivulet's WebSocket endpoint: connect with a WebSocket client (docs/protocol.md).\n";

export const originRefusal = (origin: string) => `Origin ${origin} may not open a WebSocket to this broker: add it to --allowed-origins.\n`;

/** Constant-time check of an `Authorization: Bearer <token>` header. */
export function bearerMatches(header: string, token: string): boolean {
  const given = Buffer.from(header.startsWith("Bearer ") ? header.slice(7).trim() : "");
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** The options both transports apply, with their defaults filled in (one place, so they cannot drift apart). */
export function resolvedTransportOptions(options: WsServerOptions): { limits: SessionLimits; maxFrameBytes: number; idleTimeoutMs: number; policy: NetworkPolicy } {
  return {
    limits: { ...defaultSessionLimits, ...options.limits },
    maxFrameBytes: options.maxFrameBytes ?? 16 * 1024 * 1024,
    idleTimeoutMs: options.idleTimeoutMs ?? 120_000,
    policy: options.policy ?? new NetworkPolicy(),
  };
}
