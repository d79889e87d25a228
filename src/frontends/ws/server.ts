// The HTTP + WebSocket front end on one port, uWebSockets.js transport (native build only; where none loads,
// or with --transport node, ./node-server.ts serves the same endpoints and protocol):
//   /ws         Rivulet's binary protocol (docs/protocol.md)
//   /healthz    liveness, /readyz readiness (GET and HEAD; 200 or 503 with a JSON body: ../http/health.ts)
//   /metrics    Prometheus text (../http/metrics.ts)
//   /client/*   the browser client (one hashed, precompressed bundle; ES modules; types; ../http/static-files.ts)
//
// The port is bound exclusively (uWS's LIBUS_LISTEN_EXCLUSIVE_PORT; by default uWS sets SO_REUSEPORT and a
// second broker on the same port would silently share it): a port in use fails with EADDRINUSE, as the
// Kafka listener does.
//
// Request memory. Each message is counted against the broker-wide request budget (broker.requestMemory,
// shared with the Kafka listener) while it is handled. This uWS build cannot pause reading a WebSocket, so
// a message that arrives while the budget is spent cannot be made to wait in the kernel as a Kafka request
// does: the connection is closed with 1013 (try again later) instead of allocating past the cap. What uWS
// itself holds while assembling a message (at most maxFrameBytes per connection) is outside the count.
// A text frame with invalid UTF-8 is dropped by uWS itself before Rivulet sees it (no close frame: the
// client sees 1006); a valid text frame is closed with 4000 (docs/protocol.md 2.4).
//   /ui, /ui/*  the web console (docs/console.md)

import type { Broker } from "../../broker/broker.js";
import { CloseCode, FrameType, PROTOCOL_VERSION } from "../../protocol/ws/frames.js";
import { encodeServerFrame } from "../../protocol/ws/server-frames.js";
import { groupLogEnds, renderMetrics } from "../http/metrics.js";
import { liveness, Readiness, type HealthReport } from "../http/health.js";
import { clientResponse } from "../http/static-files.js";
import { uiHandler } from "../http/ui-files.js";
import { loadNativeUws, type Uws } from "../uws.js";
import { normalizeAddress } from "../../security/network-policy.js";
import { RefusalLog } from "../../refusal-log.js";
import { loadTlsFiles } from "../../security/tls-files.js";
import { Session } from "./session.js";
import { bearerMatches, CLOSE_TRY_AGAIN_LATER, originRefusal, resolvedTransportOptions, PROTECTED_MODE_REFUSAL, UPGRADE_REQUIRED_TEXT, type WsServer, type WsServerOptions } from "./server-options.js";
import { startNodeWsServer } from "./node-server.js";
import { createServer } from "node:net";
import { acquireFdHeadroom } from "../fd-headroom.js";

export { CLOSE_TRY_AGAIN_LATER, defaultSessionLimits, type WsServer, type WsServerOptions, type WsTransport } from "./server-options.js";

interface UserData {
  session?: Session;
  /** The peer's address, as checked at upgrade. */
  remote: string;
}

type HttpResponse = import("uWebSockets.js").HttpResponse;
type HttpRequest = import("uWebSockets.js").HttpRequest;

/** Starts the HTTP/WebSocket listener on the transport asked for, or uWS if its native build loads, else node. */
export async function startWsServer(broker: Broker, options: WsServerOptions): Promise<WsServer> {
  if (options.transport === "node") return startNodeWsServer(broker, options);
  let uws: Uws;
  try {
    uws = loadNativeUws();
  } catch (error) {
    if (options.transport === "uws") throw error;
    options.logger.warn("uWebSockets.js has no native build for this Node: serving HTTP/WebSocket with the node transport (node:http + ws)", { node: process.version, reason: (error as Error).message.split("\n")[0] });
    return startNodeWsServer(broker, options);
  }
  return startUwsServer(broker, uws, options);
}

async function startUwsServer(broker: Broker, uws: Uws, options: WsServerOptions): Promise<WsServer> {
  const { limits, maxFrameBytes, idleTimeoutMs, policy } = resolvedTransportOptions(options);
  const sessions = new Set<Session>();
  let nextId = 1;
  // uWS reads the PEM files itself; reading them here first turns a bad path into a clear error.
  const tlsSummary = options.tls ? loadTlsFiles(options.tls).summary : undefined;
  const makeApp = () =>
    options.tls
      ? uws.SSLApp({ cert_file_name: options.tls.certFile, key_file_name: options.tls.keyFile, passphrase: options.tls.passphrase, ca_file_name: options.tls.caFile })
      : uws.App();
  const mount = (app: ReturnType<typeof makeApp>) => {

    /**
     * The gate every HTTP request passes: protected mode, then CORS by the same Origin rules as WebSocket
     * upgrades. Answers 403 itself and returns undefined, or returns a `reply` that writes the status, the
     * CORS headers (uWS wants the status first) and the response.
     */
    const admitHttp = (res: HttpResponse, req: HttpRequest) => {
      const remote = normalizeAddress(new TextDecoder().decode(res.getRemoteAddressAsText()));
      if (!policy.admitsPeer(remote)) {
        res.writeStatus("403 Forbidden").writeHeader("Content-Type", "text/plain").end(PROTECTED_MODE_REFUSAL);
        return undefined;
      }
      const allowOrigin = policy.corsOrigin(req.getHeader("origin"), req.getHeader("host"));
      // head: answer a HEAD request (the GET's status and headers, Content-Length of its body, no body).
      return (status: string, headers: Record<string, string>, body: string | Uint8Array, head = false) => {
        res.writeStatus(status);
        if (allowOrigin) res.writeHeader("Access-Control-Allow-Origin", allowOrigin).writeHeader("Vary", "Origin");
        for (const [name, value] of Object.entries(headers)) res.writeHeader(name, value);
        if (head) res.endWithoutBody(typeof body === "string" ? Buffer.byteLength(body) : body.byteLength);
        else res.end(body);
      };
    };

    app.ws<UserData>("/ws", {
      compression: uws.DISABLED,
      maxPayloadLength: maxFrameBytes,
      // Rivulet keeps its own buffer well below this; uWS would drop frames past it.
      maxBackpressure: 256 * 1024 * 1024,
      closeOnBackpressureLimit: 0,
      // Idle detection is ours (close code 4001), not uWS's silent close.
      idleTimeout: 0,
      sendPingsAutomatically: false,
      upgrade(res, req, context) {
        // Headers must be read before anything else happens to req (uWS reuses it).
        const origin = req.getHeader("origin");
        const host = req.getHeader("host");
        const key = req.getHeader("sec-websocket-key");
        const protocol = req.getHeader("sec-websocket-protocol");
        const extensions = req.getHeader("sec-websocket-extensions");
        const remote = normalizeAddress(new TextDecoder().decode(res.getRemoteAddressAsText()));
        // Out of descriptors (src/frontends/fd-headroom.ts): 503 and the connection closed, not kept.
        if (!fds.headroom.admit("websocket")) return void res.writeStatus("503 Service Unavailable").writeHeader("Retry-After", "1").end("out of file descriptors", true);
        if (!policy.admitsPeer(remote)) {
          refusals.warn("websocket refused: protected mode", remote);
          return void res.writeStatus("403 Forbidden").writeHeader("Content-Type", "text/plain").end(PROTECTED_MODE_REFUSAL);
        }
        if (!policy.admitsOrigin(origin, host)) {
          refusals.warn("websocket refused: origin not allowed", remote, { origin });
          return void res
            .writeStatus("403 Forbidden")
            .writeHeader("Content-Type", "text/plain")
            .end(originRefusal(origin));
        }
        res.upgrade<UserData>({ remote }, key, protocol, extensions, context);
      },
      open(ws) {
        // Workaround for the uWS build we depend on (uWS.js 20.30): its direct path for sends >= 16 KiB, taken
        // only for sockets with no pub/sub subscription, drops the frame's payload when the kernel accepts no
        // more than its header (fixed upstream in uNetworking/uWebSockets#1662), which corrupts the stream of
        // exactly the slow readers. A never-published topic keeps every send on the buffered path.
        ws.subscribe("rivulet/buffered-send");
        // uWS copies (or writes) a message before send() returns: one CHUNK frame may be shared (tail-fanout.ts).
        const session = new Session(nextId++, ws as never, broker, limits, options.coordinator, ws.getUserData().remote, options.security, "copies");
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
        const memory = broker.requestMemory;
        const bytes = message.byteLength;
        if (memory.exhausted && bytes > 0) {
          options.logger.warn("websocket connection closed: request memory limit reached", { session: session.id, bytes, inUse: memory.inUse, limit: memory.limit });
          return session.close(CLOSE_TRY_AGAIN_LATER, "server busy: request memory limit reached; retry later");
        }
        memory.charge(bytes);
        try {
          session.onMessage(new Uint8Array(message));
        } finally {
          memory.release(bytes);
        }
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

    // Health: GET and HEAD (HEAD gets the same status and headers, no body).
    const health = (res: HttpResponse, req: HttpRequest, head: boolean, report: () => HealthReport | Promise<HealthReport>) => {
      const reply = admitHttp(res, req);
      if (!reply) return;
      let aborted = false;
      res.onAborted(() => void (aborted = true));
      void Promise.resolve()
        .then(report)
        .catch((error: unknown): HealthReport => ({ status: "failing", checks: { probe: { ok: false, error: String(error) } } }))
        .then((r) => {
          if (aborted) return;
          const body = JSON.stringify(r) + "\n";
          const status = r.status === "ok" ? "200 OK" : "503 Service Unavailable";
          const headers = { "Content-Type": "application/json", "Cache-Control": "no-store" };
          res.cork(() => reply(status, headers, body, head));
        });
    };
    const readiness = new Readiness(broker, { listeners: options.readinessListeners });
    for (const head of [false, true]) {
      const route = head ? app.head.bind(app) : app.get.bind(app);
      route("/healthz", (res, req) => health(res, req, head, () => liveness(broker)));
      route("/readyz", (res, req) => health(res, req, head, () => readiness.check()));
    }
    app.get("/metrics", (res, req) => {
      const authorization = req.getHeader("authorization");
      const reply = admitHttp(res, req);
      if (reply && options.metricsToken && !bearerMatches(authorization, options.metricsToken)) {
        return reply("401 Unauthorized", { "WWW-Authenticate": 'Bearer realm="rivulet-metrics"', "Content-Type": "text/plain" }, "a metrics token is required\n");
      }
      if (!reply) return;
      // Partition sizes are the shards' to tell, and in cluster mode group lag is the leaders': ask them, then
      // render (a partition that cannot answer has no size or lag series).
      let aborted = false;
      res.onAborted(() => void (aborted = true));
      void Promise.all([broker.partitionSizes().catch(() => undefined), groupLogEnds(broker, options.coordinator).catch(() => undefined)]).then(([sizes, logEnds]) => {
        if (aborted) return;
        const text = renderMetrics(broker, sessions, { coordinator: options.coordinator, detail: options.metricsDetail, transport: "uws", version: options.serverVersion, sizes, groupLogEnds: logEnds }) + (options.security?.metricsText() ?? "");
        res.cork(() => reply("200 OK", { "Content-Type": "text/plain; version=0.0.4" }, text));
      });
    });
    app.get("/client/*", (res, req) => {
      const path = req.getUrl().slice("/client/".length);
      const request = { acceptEncoding: req.getHeader("accept-encoding"), ifNoneMatch: req.getHeader("if-none-match") };
      // Pages served elsewhere import the client as module scripts (CORS-checked): allowed origins only.
      const reply = admitHttp(res, req);
      if (!reply) return;
      const answer = clientResponse(path, request);
      if (!answer) return reply("404 Not Found", {}, "not found");
      // A 304 has no body.
      reply(answer.status, answer.headers, answer.body, answer.status === "304 Not Modified");
    });
    // The console is a page of this origin: protected mode applies, CORS does not.
    const ui = uiHandler();
    const guardedUi = (res: HttpResponse, req: HttpRequest) => {
      const remote = normalizeAddress(new TextDecoder().decode(res.getRemoteAddressAsText()));
      if (!policy.admitsPeer(remote)) return void res.writeStatus("403 Forbidden").writeHeader("Content-Type", "text/plain").end(PROTECTED_MODE_REFUSAL);
      ui(res, req);
    };
    app.get("/ui", guardedUi);
    app.get("/ui/*", guardedUi);
    // A plain GET of the WebSocket path (a browser tab, curl, the CLI's diagnosis): say what it is.
    app.get("/ws", (res) => {
      res.writeStatus("426 Upgrade Required").writeHeader("Upgrade", "websocket").writeHeader("Content-Type", "text/plain").end(UPGRADE_REQUIRED_TEXT);
    });
    app.any("/*", (res) => {
      res.writeStatus("404 Not Found").end("not found");
    });
    return app;
  };

  const host = options.host ?? "127.0.0.1";
  const wantedPort = options.port ?? 8080;
  const fds = acquireFdHeadroom(options.logger);
  // A client refused in a loop (a hostile page reconnecting) is one warning a minute, not one per attempt.
  const refusals = new RefusalLog(options.logger);
  const app = mount(makeApp());
  const listenSocket = await new Promise<unknown>((resolve, reject) => {
    // The 4-argument form (host, port, options, cb) is in the native build though not in its typings.
    const listen = app.listen as unknown as (host: string, port: number, options: number, cb: (socket: unknown) => void) => void;
    listen.call(app, host, wantedPort, (uws as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT?: number }).LIBUS_LISTEN_EXCLUSIVE_PORT ?? 1, (socket) => {
      if (socket) resolve(socket);
      else listenError(host, wantedPort).then(reject, reject);
    });
  });
  const port = uws.us_socket_local_port(listenSocket as never);
  const idleTimer = setInterval(() => {
    const deadline = Date.now() - idleTimeoutMs;
    for (const session of sessions) if (session.lastActivity < deadline) session.close(CloseCode.IDLE_TIMEOUT, "idle timeout");
  }, Math.max(50, Math.min(idleTimeoutMs / 4, 5000)));
  idleTimer.unref();
  options.logger.info("websocket listener started", { host, port, transport: "uws", protocol: options.tls ? "https/wss" : "http/ws", ...(tlsSummary ? { certificate: tlsSummary } : {}), ...policy.describe() });

  return {
    port,
    transport: "uws",
    sessions,
    async reloadTls() {
      if (!options.tls) return;
      // uWS cannot swap a listening app's certificate, and the build we run binds without SO_REUSEADDR, so
      // a new listener cannot take the port while accepted connections use it (closing the old listener
      // first would leave the port unbound). The new files are checked now and take effect at restart.
      const summary = loadTlsFiles(options.tls).summary;
      options.logger.warn("websocket TLS certificates: the new files are valid but take effect at the next restart (uWebSockets.js cannot swap certificates in place)", { certificate: summary, inUse: tlsSummary });
    },
    async close() {
      clearInterval(idleTimer);
      fds.release();
      uws.us_listen_socket_close(listenSocket as never);
      for (const session of [...sessions]) session.close(CloseCode.GOING_AWAY, "server shutting down");
      (app as { close?: () => void }).close?.();
    },
  };
}

/**
 * uWS reports a failed listen as `false`, without a reason: ask the OS with node:net to get the errno
 * (EADDRINUSE, EACCES, EADDRNOTAVAIL) so callers see the same error as from the Kafka listener.
 */
function listenError(host: string, port: number): Promise<Error> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => {
      const out = new Error(`cannot listen on ${host}:${port}: ${error.code ?? error.message}`) as NodeJS.ErrnoException;
      out.code = error.code;
      out.errno = error.errno;
      out.syscall = "listen";
      resolve(out);
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(new Error(`cannot listen on ${host}:${port}`))));
  });
}
