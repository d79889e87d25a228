// The HTTP + WebSocket front end on one port (uWebSockets.js, native build only):
//   /ws         Rivulet's binary protocol (docs/protocol.md)
//   /healthz    200 "ok" while the broker runs
//   /metrics    Prometheus text
//   /client/*   the browser client (ES modules) and the WASM core

import type { Broker } from "../../broker/broker.js";
import type { Logger } from "../../log.js";
import type { GroupCoordinator } from "../../groups/index.js";
import { CloseCode, FrameType, PROTOCOL_VERSION } from "../../protocol/ws/frames.js";
import { encodeServerFrame } from "../../protocol/ws/server-frames.js";
import { renderMetrics } from "../http/metrics.js";
import { clientFile } from "../http/static-files.js";
import { loadNativeUws } from "../uws.js";
import { Session } from "./session.js";
import type { SessionLimits } from "./session-limits.js";
import type { Security } from "../../security/index.js";

export interface WsServerOptions {
  host?: string;
  /** 0 picks a free port. Default 8080. */
  port?: number;
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
}

export interface WsServer {
  readonly port: number;
  readonly sessions: ReadonlySet<Session>;
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

interface UserData {
  session?: Session;
}

export async function startWsServer(broker: Broker, options: WsServerOptions): Promise<WsServer> {
  const uws = loadNativeUws();
  const limits = { ...defaultSessionLimits, ...options.limits };
  const maxFrameBytes = options.maxFrameBytes ?? 16 * 1024 * 1024;
  const idleTimeoutMs = options.idleTimeoutMs ?? 120_000;
  const sessions = new Set<Session>();
  let nextId = 1;
  const app = uws.App();

  app.ws<UserData>("/ws", {
    compression: uws.DISABLED,
    maxPayloadLength: maxFrameBytes,
    // Rivulet keeps its own buffer well below this; uWS would drop frames past it.
    maxBackpressure: 256 * 1024 * 1024,
    closeOnBackpressureLimit: 0,
    // Idle detection is ours (close code 4001), not uWS's silent close.
    idleTimeout: 0,
    sendPingsAutomatically: false,
    open(ws) {
      // Workaround for the uWS build we depend on (uWS.js 20.30): its direct path for sends >= 16 KiB, taken
      // only for sockets with no pub/sub subscription, drops the frame's payload when the kernel accepts no
      // more than its header (fixed upstream in uNetworking/uWebSockets#1662), which corrupts the stream of
      // exactly the slow readers. A never-published topic keeps every send on the buffered path.
      ws.subscribe("rivulet/buffered-send");
      const host = new TextDecoder().decode(ws.getRemoteAddressAsText());
      const session = new Session(nextId++, ws as never, broker, limits, options.coordinator, host, options.security);
      ws.getUserData().session = session;
      sessions.add(session);
      ws.send(
        encodeServerFrame({ type: FrameType.WELCOME, requestId: 0, protocolVersion: PROTOCOL_VERSION, serverVersion: options.serverVersion ?? "rivulet", maxFrameBytes, maxSubscriptions: limits.maxSubscriptions, idleTimeoutMs }),
        true,
      );
    },
    message(ws, message, isBinary) {
      const session = ws.getUserData().session!;
      if (!isBinary) return session.close(CloseCode.PROTOCOL_ERROR, "text frames are not part of the protocol");
      session.onMessage(new Uint8Array(message));
    },
    drain(ws) {
      ws.getUserData().session?.onDrain();
    },
    close(ws) {
      const session = ws.getUserData().session;
      if (session) {
        session.onClosed();
        sessions.delete(session);
      }
    },
  });

  app.get("/healthz", (res) => {
    res.writeStatus(broker.isClosed ? "503 Service Unavailable" : "200 OK").writeHeader("Content-Type", "text/plain").end(broker.isClosed ? "closing" : "ok");
  });
  app.get("/metrics", (res) => {
    res.writeHeader("Content-Type", "text/plain; version=0.0.4").end(renderMetrics(broker, sessions, options.coordinator) + (options.security?.metricsText() ?? ""));
  });
  app.get("/client/*", (res, req) => {
    const file = clientFile(req.getUrl().slice("/client/".length));
    if (!file) return void res.writeStatus("404 Not Found").end("not found");
    // Any origin may load the client: pages served elsewhere import it as module scripts (CORS-checked).
    res.writeHeader("Content-Type", file.contentType).writeHeader("Cache-Control", "no-cache").writeHeader("Access-Control-Allow-Origin", "*").end(file.body);
  });
  app.any("/*", (res) => {
    res.writeStatus("404 Not Found").end("not found");
  });

  const host = options.host ?? "0.0.0.0";
  const listenSocket = await new Promise<unknown>((resolve, reject) => {
    app.listen(host, options.port ?? 8080, (socket) => (socket ? resolve(socket) : reject(new Error(`cannot listen on ${host}:${options.port ?? 8080}`))));
  });
  const port = uws.us_socket_local_port(listenSocket as never);
  const idleTimer = setInterval(() => {
    const deadline = Date.now() - idleTimeoutMs;
    for (const session of sessions) if (session.lastActivity < deadline) session.close(CloseCode.IDLE_TIMEOUT, "idle timeout");
  }, Math.max(50, Math.min(idleTimeoutMs / 4, 5000)));
  idleTimer.unref();
  options.logger.info("websocket listener started", { host, port });

  return {
    port,
    sessions,
    async close() {
      clearInterval(idleTimer);
      uws.us_listen_socket_close(listenSocket as never);
      for (const session of [...sessions]) session.close(CloseCode.GOING_AWAY, "server shutting down");
      (app as { close?: () => void }).close?.();
    },
  };
}
