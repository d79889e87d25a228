// The HTTP + WebSocket front end on node:http (node:https with TLS) and the `ws` package: the transport
// that runs where uWebSockets.js's native build does not load (Node 22 and later with the build we depend
// on), or when asked for with --transport node. Same endpoints (./node-http.ts), same protocol and Session
// (credit flow control, socket backpressure), same limits; slower than uWS (bench/transports.bench.ts) but able to
// do three things the uWS build cannot:
//   - pause reading a connection (./node-connection.ts): a frame over the request budget waits in the
//     kernel instead of closing the connection with 1013, and a client whose requests queue is not read;
//   - swap TLS certificates in place on reload (SIGHUP): new connections get the new ones, open ones stay;
//   - see the client certificate: with --tls-ca, a verified certificate authenticates the WebSocket as
//     User:<CN>, as on the Kafka listener (an AUTH frame may replace it).
// Hostile frames: `ws` closes with 1009 past maxFrameBytes and with 1007 on a text frame of invalid UTF-8
// (uWS drops both connections: 1006); a valid text frame gets 4000 from Rivulet, as on uWS.

import { createServer as createHttpServer, type IncomingMessage } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { acquireFdHeadroom } from "../fd-headroom.js";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import { WebSocketServer, type WebSocket } from "ws";
import type { Broker } from "../../broker/broker.js";
import { CloseCode, FrameType, PROTOCOL_VERSION } from "../../protocol/ws/frames.js";
import { encodeServerFrame } from "../../protocol/ws/server-frames.js";
import { Readiness } from "../http/health.js";
import { UiFiles } from "../http/ui-files.js";
import { normalizeAddress } from "../../security/network-policy.js";
import { RefusalLog } from "../../refusal-log.js";
import { certificatePrincipal, loadTlsFiles, type LoadedTls } from "../../security/tls-files.js";
import { userPrincipal } from "../../security/index.js";
import { Session } from "./session.js";
import { NodeWsConnection } from "./node-connection.js";
import { nodeHttpHandler } from "./node-http.js";
import { originRefusal, PROTECTED_MODE_REFUSAL, resolvedTransportOptions, type WsServer, type WsServerOptions } from "./server-options.js";

/** How long close() lets connections flush their close frames before cutting them. */
const CLOSE_GRACE_MS = 1000;

function tlsContext(tls: LoadedTls) {
  return { cert: tls.cert, key: tls.key, passphrase: tls.passphrase, ca: tls.ca };
}

/** A refusal written on the raw socket of an upgrade request (no ServerResponse exists for those). */
function refuseUpgrade(socket: Duplex, status: string, body: string): void {
  const length = Buffer.byteLength(body);
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n${body}`);
}

export async function startNodeWsServer(broker: Broker, options: WsServerOptions): Promise<WsServer> {
  const { limits, maxFrameBytes, idleTimeoutMs, policy } = resolvedTransportOptions(options);
  const sessions = new Set<Session>();
  let nextId = 1;
  const tls = options.tls ? loadTlsFiles(options.tls) : undefined;
  const readiness = new Readiness(broker, { listeners: options.readinessListeners });
  const handler = nodeHttpHandler({ broker, policy, sessions, readiness, ui: new UiFiles(), options });
  const server = tls
    ? createHttpsServer({ ...tlsContext(tls), requestCert: tls.requestCert, rejectUnauthorized: tls.rejectUnauthorized, noDelay: true }, handler)
    : createHttpServer({ noDelay: true }, handler);
  // Every TCP connection (HTTP keep-alive, TLS handshakes, upgraded WebSockets): cut at close().
  const sockets = new Set<Socket>();
  // Out of descriptors (src/frontends/fd-headroom.ts): a new connection is closed at once.
  const fds = acquireFdHeadroom(options.logger);
  // A client refused in a loop (a hostile page reconnecting) is one warning a minute, not one per attempt.
  const refusals = new RefusalLog(options.logger);
  server.on("connection", (socket: Socket) => {
    if (!fds.headroom.admit("websocket")) return void socket.destroy();
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  if (tls) server.on("tlsClientError", (error: Error, socket: TLSSocket) => refusals.warn("websocket TLS handshake failed", normalizeAddress(socket.remoteAddress ?? ""), { error: error.message }));

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes, perMessageDeflate: false, clientTracking: false });

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const url = req.url ?? "/";
    if ((url.indexOf("?") < 0 ? url : url.slice(0, url.indexOf("?"))) !== "/ws") return refuseUpgrade(socket, "404 Not Found", "not found");
    const remote = normalizeAddress(req.socket.remoteAddress ?? "");
    if (!policy.admitsPeer(remote)) {
      refusals.warn("websocket refused: protected mode", remote);
      return refuseUpgrade(socket, "403 Forbidden", PROTECTED_MODE_REFUSAL);
    }
    const origin = req.headers.origin ?? "";
    if (!policy.admitsOrigin(origin, req.headers.host ?? "")) {
      refusals.warn("websocket refused: origin not allowed", remote, { origin });
      return refuseUpgrade(socket, "403 Forbidden", originRefusal(origin));
    }
    wss.handleUpgrade(req, socket, head, (ws) => open(ws, socket, remote));
  });

  const open = (ws: WebSocket, socket: Duplex, remote: string) => {
    const connection = new NodeWsConnection(ws, socket, broker.requestMemory);
    const session = new Session(nextId++, connection, broker, limits, options.coordinator, remote, options.security);
    connection.session = session;
    sessions.add(session);
    const tlsSocket = socket as TLSSocket;
    if (tls?.requestCert && tlsSocket.authorized) {
      const name = certificatePrincipal(tlsSocket.getPeerCertificate()?.subject as never);
      if (name) session.auth.establish(userPrincipal(name), undefined, 0);
    }
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      // After we close, `ws` still reads until the peer's close frame: what arrives meanwhile is dropped.
      if (session.closed) return;
      if (!isBinary) return session.close(CloseCode.PROTOCOL_ERROR, "text frames are not part of the protocol");
      connection.onMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    });
    // Oversized or malformed frames: `ws` closes the connection itself (1009, 1002, 1007) and reports here.
    ws.on("error", (error: Error) => options.logger.debug("websocket frame error", { session: session.id, error: error.message }));
    ws.on("close", () => {
      connection.onClosed();
      session.onClosed();
      sessions.delete(session);
    });
    connection.send(
      encodeServerFrame({ type: FrameType.WELCOME, requestId: 0, protocolVersion: PROTOCOL_VERSION, serverVersion: options.serverVersion ?? "rivulet", maxFrameBytes, maxSubscriptions: limits.maxSubscriptions, idleTimeoutMs }),
    );
  };

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // exclusive: a second broker on the port fails with EADDRINUSE (as the uWS transport and Kafka listener).
    server.listen({ host, port: options.port ?? 8080, exclusive: true }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (error) => options.logger.error("websocket listener error", { error }));
  const port = (server.address() as { port: number }).port;
  const idleTimer = setInterval(() => {
    const deadline = Date.now() - idleTimeoutMs;
    for (const session of sessions) if (session.lastActivity < deadline) session.close(CloseCode.IDLE_TIMEOUT, "idle timeout");
  }, Math.max(50, Math.min(idleTimeoutMs / 4, 5000)));
  idleTimer.unref();
  options.logger.info("websocket listener started", { host, port, transport: "node", protocol: tls ? "https/wss" : "http/ws", ...(tls ? { certificate: tls.summary } : {}), ...policy.describe() });

  let closing: Promise<void> | undefined;
  return {
    port,
    transport: "node",
    sessions,
    async reloadTls() {
      if (!options.tls) return;
      // Read and checked first: a bad file throws here and the certificates in use stay.
      const next = loadTlsFiles(options.tls);
      (server as HttpsServer).setSecureContext(tlsContext(next));
      options.logger.info("websocket TLS certificates reloaded", { certificate: next.summary });
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(idleTimer);
        fds.release();
        server.close(() => resolve());
        for (const session of [...sessions]) session.close(CloseCode.GOING_AWAY, "server shutting down");
        // Flush what is queued (the close frames) and send FIN; whatever has not closed by then is cut.
        for (const socket of sockets) socket.end();
        setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, CLOSE_GRACE_MS).unref();
      });
      return closing;
    },
  };
}
