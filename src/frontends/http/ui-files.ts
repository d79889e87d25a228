// GET /ui and /ui/*: the web console, built by scripts/build-ui.mjs into dist/ui. Hashed assets
// (/ui/assets/console-<hash>.js) never change under their name, so they are cached for a year as immutable;
// index.html names the current ones and is revalidated on every load (no-cache + ETag). Each file was
// compressed at build time (.br, .gz siblings): the encoding the client accepts is picked per request, the
// bytes are never compressed on the request path. Only index.html and files under assets/ are reachable.

import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { HttpRequest, HttpResponse } from "uWebSockets.js";
import { packageRoot } from "../../package-root.js";

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  map: "application/json",
  png: "image/png",
  svg: "image/svg+xml",
  woff2: "font/woff2",
};

export interface UiFile {
  contentType: string;
  cacheControl: string;
  etag: string;
  identity: Uint8Array;
  gzip?: Uint8Array;
  br?: Uint8Array;
}

export interface UiResponse {
  status: number;
  headers: [string, string][];
  body: Uint8Array | string;
}

function load(dir: string, relative: string, immutable: boolean): UiFile {
  const file = join(dir, relative);
  const identity = readFileSync(file);
  const read = (ext: string) => (existsSync(file + ext) ? readFileSync(file + ext) : undefined);
  return {
    contentType: TYPES[relative.slice(relative.lastIndexOf(".") + 1)] ?? "application/octet-stream",
    cacheControl: immutable ? "public, max-age=31536000, immutable" : "no-cache",
    etag: `"${createHash("sha256").update(identity).digest("base64url").slice(0, 22)}"`,
    identity,
    gzip: read(".gz"),
    br: read(".br"),
  };
}

/** The console's files, read once from a built directory (dist/ui by default). */
export class UiFiles {
  private readonly files = new Map<string, UiFile>();

  constructor(readonly dir = join(packageRoot(), "dist", "ui")) {
    if (!existsSync(join(dir, "index.html"))) return;
    this.files.set("index.html", load(dir, "index.html", false));
    const assets = join(dir, "assets");
    if (!existsSync(assets)) return;
    for (const name of readdirSync(assets)) {
      if (name.endsWith(".gz") || name.endsWith(".br")) continue;
      this.files.set(`assets/${name}`, load(dir, `assets/${name}`, true));
    }
  }

  get built(): boolean {
    return this.files.has("index.html");
  }

  /** The response for a request path (starting with /ui) given its Accept-Encoding and If-None-Match. */
  respond(url: string, acceptEncoding: string, ifNoneMatch: string): UiResponse {
    if (!this.built) return { status: 503, headers: [["Content-Type", "text/plain; charset=utf-8"]], body: "the console is not built: run npm run build:ui\n" };
    const path = url.replace(/^\/ui\/?/, "");
    // Exact names only (no normalisation needed): anything else, ../ included, is not in the map.
    const file = this.files.get(path === "" || path === "index.html" ? "index.html" : path);
    if (!file) return { status: 404, headers: [["Content-Type", "text/plain; charset=utf-8"]], body: "not found\n" };
    const headers: [string, string][] = [
      ["Content-Type", file.contentType],
      ["Cache-Control", file.cacheControl],
      ["ETag", file.etag],
      ["Vary", "Accept-Encoding"],
      ["X-Content-Type-Options", "nosniff"],
    ];
    if (file.contentType.startsWith("text/html")) headers.push(["Content-Security-Policy", "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' ws: wss: http: https:; img-src 'self' data:; style-src 'self' 'unsafe-inline'"]);
    if (ifNoneMatch.split(",").some((tag) => tag.trim() === file.etag || tag.trim() === "*")) return { status: 304, headers, body: "" };
    const accepted = parseAcceptEncoding(acceptEncoding);
    if (file.br && accepted.has("br")) return { status: 200, headers: [...headers, ["Content-Encoding", "br"]], body: file.br };
    if (file.gzip && accepted.has("gzip")) return { status: 200, headers: [...headers, ["Content-Encoding", "gzip"]], body: file.gzip };
    return { status: 200, headers, body: file.identity };
  }
}

/** Codings the client accepts (q=0 excludes one). */
export function parseAcceptEncoding(header: string): Set<string> {
  const out = new Set<string>();
  for (const part of header.toLowerCase().split(",")) {
    const [coding, ...params] = part.trim().split(";");
    if (!coding) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    if (q && Number(q.slice(2)) === 0) continue;
    out.add(coding.trim());
  }
  return out;
}

const STATUS: Record<number, string> = { 200: "200 OK", 304: "304 Not Modified", 404: "404 Not Found", 503: "503 Service Unavailable" };

/** A uWS handler for GET /ui and /ui/* (everything read synchronously, as uWS requires). */
export function uiHandler(files = new UiFiles()): (res: HttpResponse, req: HttpRequest) => void {
  return (res, req) => {
    const response = files.respond(req.getUrl(), req.getHeader("accept-encoding"), req.getHeader("if-none-match"));
    res.cork(() => {
      res.writeStatus(STATUS[response.status] ?? String(response.status));
      for (const [name, value] of response.headers) res.writeHeader(name, value);
      // A 304 carries no body (and no Content-Length: 0 claiming the resource is empty).
      if (response.status === 304) res.endWithoutBody();
      else res.end(response.body);
    });
  };
}
