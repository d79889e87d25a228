// GET /client/*: the browser client as plain ES modules, straight from dist/ (the WASM core is embedded in
// dist/core/wasm-binary.generated.js; the raw .wasm is served too, for tools that want it). Only the
// directories a browser needs are reachable; paths are normalised so nothing outside them is served.

import { existsSync, readFileSync, statSync } from "node:fs";
import { normalize, join } from "node:path";
import { packageRoot } from "../../package-root.js";

const root = packageRoot();
const distDir = join(root, "dist");
// Everything the browser client imports (and nothing Node-only): keep in step with src/client imports.
const ALLOWED = ["client/", "core/", "protocol/ws/", "protocol/offset-spec.", "errors/"];
const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".d.ts": "text/plain; charset=utf-8",
};

export interface StaticFile {
  body: Uint8Array;
  contentType: string;
}

const cache = new Map<string, StaticFile>();

/** The file for a path under /client/, or undefined. */
export function clientFile(path: string): StaticFile | undefined {
  const relative = normalize(path).replace(/^\/+/, "");
  if (relative.includes("..")) return undefined;
  const cached = cache.get(relative);
  if (cached) return cached;
  let file: string | undefined;
  if (relative === "rivulet.wasm") file = join(root, "build", "rivulet.wasm");
  // The entry is a stub re-exporting dist/client/browser.js from its own place: served as /client/index.js
  // itself, its relative imports (./index.js, ../core/...) would resolve outside /client/.
  else if (relative === "" || relative === "index.js") return { body: new TextEncoder().encode('export * from "./client/browser.js";\n'), contentType: TYPES[".js"]! };
  else if (ALLOWED.some((dir) => relative.startsWith(dir))) file = join(distDir, relative);
  if (!file || !existsSync(file) || !statSync(file).isFile()) return undefined;
  const ext = relative.endsWith(".d.ts") ? ".d.ts" : relative.slice(relative.lastIndexOf("."));
  const entry = { body: readFileSync(file), contentType: TYPES[ext] ?? "application/octet-stream" };
  cache.set(relative, entry);
  return entry;
}
