// The HTTP endpoints of the node transport (node:http/https), answering exactly as the uWS transport's
// routes in ./server.ts do: /healthz and /readyz (GET, HEAD), /metrics, /client/*, /ui and /ui/*, 426 on
// a plain GET of /ws, 404 for anything else; protected mode and CORS by the same NetworkPolicy.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Broker } from "../../broker/broker.js";
import { groupLogEnds, renderMetrics } from "../http/metrics.js";
import { liveness, type HealthReport, type Readiness } from "../http/health.js";
import { clientResponse } from "../http/static-files.js";
import type { UiFiles } from "../http/ui-files.js";
import { normalizeAddress, type NetworkPolicy } from "../../security/network-policy.js";
import { bearerMatches, PROTECTED_MODE_REFUSAL, UPGRADE_REQUIRED_TEXT, type WsServerOptions } from "./server-options.js";
import type { Session } from "./session.js";

export interface NodeHttpContext {
  broker: Broker;
  policy: NetworkPolicy;
  sessions: ReadonlySet<Session>;
  readiness: Readiness;
  ui: UiFiles;
  options: WsServerOptions;
}

type Reply = (status: string, headers: Record<string, string>, body: string | Uint8Array, head?: boolean) => void;

/** "200 OK" -> res.writeHead(200, "OK", headers). */
function write(res: ServerResponse, status: string, headers: Record<string, string>, body: string | Uint8Array, head: boolean): void {
  const space = status.indexOf(" ");
  const code = Number(space < 0 ? status : status.slice(0, space));
  const length = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
  // A 304 carries no body and no Content-Length claiming the resource is empty (as uWS's endWithoutBody()).
  const out = code === 304 ? headers : { ...headers, "Content-Length": String(length) };
  res.writeHead(code, space < 0 ? undefined : status.slice(space + 1), out);
  if (head || code === 304) res.end();
  else res.end(body);
}

function remoteOf(req: IncomingMessage): string {
  return normalizeAddress(req.socket.remoteAddress ?? "");
}

export function nodeHttpHandler(ctx: NodeHttpContext): (req: IncomingMessage, res: ServerResponse) => void {
  const { broker, policy, options } = ctx;

  /** Protected mode, then CORS by the same Origin rules as WebSocket upgrades (see server.ts admitHttp). */
  const admit = (req: IncomingMessage, res: ServerResponse): Reply | undefined => {
    if (!policy.admitsPeer(remoteOf(req))) {
      write(res, "403 Forbidden", { "Content-Type": "text/plain" }, PROTECTED_MODE_REFUSAL, false);
      return undefined;
    }
    const allowOrigin = policy.corsOrigin(req.headers.origin ?? "", req.headers.host ?? "");
    return (status, headers, body, head = false) =>
      write(res, status, allowOrigin ? { "Access-Control-Allow-Origin": allowOrigin, Vary: "Origin", ...headers } : headers, body, head);
  };

  const health = (req: IncomingMessage, res: ServerResponse, head: boolean, report: () => HealthReport | Promise<HealthReport>) => {
    const reply = admit(req, res);
    if (!reply) return;
    void Promise.resolve()
      .then(report)
      .catch((error: unknown): HealthReport => ({ status: "failing", checks: { probe: { ok: false, error: String(error) } } }))
      .then((r) => {
        if (res.destroyed) return;
        reply(r.status === "ok" ? "200 OK" : "503 Service Unavailable", { "Content-Type": "application/json", "Cache-Control": "no-store" }, JSON.stringify(r) + "\n", head);
      });
  };

  return (req, res) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const path = query < 0 ? url : url.slice(0, query);
    const method = req.method ?? "GET";
    const get = method === "GET";
    const head = method === "HEAD";
    if ((get || head) && path === "/healthz") return health(req, res, head, () => liveness(broker));
    if ((get || head) && path === "/readyz") return health(req, res, head, () => ctx.readiness.check());
    if (get && path === "/metrics") {
      const reply = admit(req, res);
      if (!reply) return;
      if (options.metricsToken && !bearerMatches(req.headers.authorization ?? "", options.metricsToken)) {
        return reply("401 Unauthorized", { "WWW-Authenticate": 'Bearer realm="rivulet-metrics"', "Content-Type": "text/plain" }, "a metrics token is required\n");
      }
      // Partition sizes and (cluster mode) leaders' log ends for group lag: ask, then render (as the uws transport does).
      return void Promise.all([broker.partitionSizes().catch(() => undefined), groupLogEnds(broker, options.coordinator).catch(() => undefined)]).then(([sizes, logEnds]) => {
        if (res.destroyed) return;
        const text = renderMetrics(broker, ctx.sessions, { coordinator: options.coordinator, detail: options.metricsDetail, transport: "node", version: options.serverVersion, sizes, groupLogEnds: logEnds });
        reply("200 OK", { "Content-Type": "text/plain; version=0.0.4" }, text + (options.security?.metricsText() ?? ""));
      });
    }
    if (get && path.startsWith("/client/")) {
      const reply = admit(req, res);
      if (!reply) return;
      const answer = clientResponse(path.slice("/client/".length), { acceptEncoding: header(req, "accept-encoding"), ifNoneMatch: header(req, "if-none-match") });
      if (!answer) return reply("404 Not Found", {}, "not found");
      return reply(answer.status, answer.headers, answer.body, answer.status === "304 Not Modified");
    }
    if (get && (path === "/ui" || path.startsWith("/ui/"))) {
      // The console is a page of this origin: protected mode applies, CORS does not.
      if (!policy.admitsPeer(remoteOf(req))) return write(res, "403 Forbidden", { "Content-Type": "text/plain" }, PROTECTED_MODE_REFUSAL, false);
      const r = ctx.ui.respond(path, header(req, "accept-encoding"), header(req, "if-none-match"));
      res.writeHead(r.status, r.status === 304 ? r.headers : [...r.headers, ["Content-Length", String(typeof r.body === "string" ? Buffer.byteLength(r.body) : r.body.byteLength)]]);
      return void (r.status === 304 ? res.end() : res.end(r.body));
    }
    if (get && path === "/ws") return write(res, "426 Upgrade Required", { Upgrade: "websocket", "Content-Type": "text/plain" }, UPGRADE_REQUIRED_TEXT, false);
    write(res, "404 Not Found", {}, "not found", false);
  };
}

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : (value ?? "");
}
