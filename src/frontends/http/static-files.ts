// GET /client/*: the browser client.
//   /client/index.js                    a tiny stable entry re-exporting the hashed bundle (short cache:
//                                       a new release is picked up within a minute, and revalidation is a 304)
//   /client/rivulet-client.<hash>.js    the whole client as one minified ES module, WASM core inlined
//                                       (scripts/build-browser.mjs): cached for a year, immutable, sent
//                                       brotli or gzip compressed (precompressed at build) when accepted
//   /client/index.d.ts                  its types (re-exporting dist/client/browser.d.ts, served beside it)
//   /client/<dir>/*.js, *.d.ts          the unbundled ES modules and declarations, straight from dist/
//   /client/rivulet.wasm                the raw WASM core, for tools that want it
// Every answer carries an ETag and honours If-None-Match. Only the directories a browser needs are
// reachable; paths are normalised so nothing outside them is served. Without a build of the bundle
// (dist/browser/ missing), index.js re-exports the unbundled modules instead.

import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { normalize, join } from "node:path";
import { packageRoot } from "../../package-root.js";

const root = packageRoot();
const distDir = join(root, "dist");
const bundleDir = join(distDir, "browser");
// Everything the browser client imports (and nothing Node-only): keep in step with src/client imports.
const ALLOWED = ["client/", "core/", "protocol/ws/", "protocol/offset-spec.", "errors/"];
const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".d.ts": "text/plain; charset=utf-8",
};
const IMMUTABLE = "public, max-age=31536000, immutable";
const SHORT = "public, max-age=60";
const REVALIDATE = "no-cache";

interface Variant {
  body: Uint8Array;
  etag: string;
}

interface StaticFile {
  contentType: string;
  cacheControl: string;
  identity: Variant;
  /** Precompressed forms, by Content-Encoding. */
  encoded: Partial<Record<"br" | "gzip", Variant>>;
}

export interface StaticResponse {
  status: "200 OK" | "304 Not Modified";
  headers: Record<string, string>;
  body: Uint8Array;
}

// Only files that exist are cached (a bounded set): caching misses would let any client grow it without end.
const cache = new Map<string, StaticFile>();

function etagOf(body: Uint8Array, suffix = ""): string {
  return `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}${suffix}"`;
}

function variant(body: Uint8Array, suffix = ""): Variant {
  return { body, etag: etagOf(body, suffix) };
}

function text(body: string, contentType: string, cacheControl: string): StaticFile {
  return { contentType, cacheControl, identity: variant(new TextEncoder().encode(body)), encoded: {} };
}

/** The built bundle's file name (dist/browser/manifest.json), or undefined without a build. */
function bundleName(): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(bundleDir, "manifest.json"), "utf8")) as { file: string }).file;
  } catch {
    return undefined;
  }
}

function load(relative: string): StaticFile | undefined {
  const bundle = bundleName();
  if (relative === "" || relative === "index.js") {
    // The entry is a stub: served as /client/index.js itself, the unbundled modules' relative imports
    // (./index.js, ../core/...) would resolve outside /client/.
    return bundle ? text(`export * from "./${bundle}";\n`, TYPES[".js"]!, SHORT) : text('export * from "./client/browser.js";\n', TYPES[".js"]!, REVALIDATE);
  }
  if (relative === "index.d.ts") return text('export * from "./client/browser.js";\n', TYPES[".d.ts"]!, SHORT);
  if (bundle && relative === bundle) {
    const path = join(bundleDir, bundle);
    const encoded: StaticFile["encoded"] = {};
    if (existsSync(`${path}.br`)) encoded.br = variant(readFileSync(`${path}.br`), "-br");
    if (existsSync(`${path}.gz`)) encoded.gzip = variant(readFileSync(`${path}.gz`), "-gz");
    return { contentType: TYPES[".js"]!, cacheControl: IMMUTABLE, identity: variant(readFileSync(path)), encoded };
  }
  let file: string | undefined;
  if (relative === "rivulet.wasm") file = join(root, "build", "rivulet.wasm");
  else if (ALLOWED.some((dir) => relative.startsWith(dir))) file = join(distDir, relative);
  if (!file || !existsSync(file) || !statSync(file).isFile()) return undefined;
  const ext = relative.endsWith(".d.ts") ? ".d.ts" : relative.slice(relative.lastIndexOf("."));
  return { contentType: TYPES[ext] ?? "application/octet-stream", cacheControl: REVALIDATE, identity: variant(readFileSync(file)), encoded: {} };
}

/** Which of the offered encodings the client accepts (q=0 refuses), brotli first. */
function pickEncoding(acceptEncoding: string, offered: StaticFile["encoded"]): "br" | "gzip" | undefined {
  const accepted = new Set<string>();
  for (const part of acceptEncoding.toLowerCase().split(",")) {
    const [name, ...params] = part.trim().split(";");
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean);
    if (name && !(q && Number(q[1]) === 0)) accepted.add(name.trim());
  }
  for (const encoding of ["br", "gzip"] as const) if (offered[encoding] && (accepted.has(encoding) || accepted.has("*"))) return encoding;
  return undefined;
}

/** The answer for a path under /client/ (without the prefix), or undefined for a 404. */
export function clientResponse(path: string, request: { acceptEncoding?: string; ifNoneMatch?: string } = {}): StaticResponse | undefined {
  const relative = normalize(path.split("?")[0]!).replace(/^\/+/, "");
  if (relative.includes("..")) return undefined;
  let file = cache.get(relative);
  if (!file) {
    file = load(relative);
    if (!file) return undefined;
    cache.set(relative, file);
  }
  const encoding = pickEncoding(request.acceptEncoding ?? "", file.encoded);
  const chosen = encoding ? file.encoded[encoding]! : file.identity;
  const headers: Record<string, string> = { "Content-Type": file.contentType, "Cache-Control": file.cacheControl, ETag: chosen.etag };
  if (Object.keys(file.encoded).length) headers.Vary = "Accept-Encoding";
  if (encoding) headers["Content-Encoding"] = encoding;
  const matches = (request.ifNoneMatch ?? "").split(",").some((tag) => {
    const t = tag.trim().replace(/^W\//, "");
    return t === "*" || t === chosen.etag;
  });
  if (matches) return { status: "304 Not Modified", headers, body: new Uint8Array(0) };
  return { status: "200 OK", headers, body: chosen.body };
}
