// Builds the client's bundles (run by `npm run build`, after build:ts):
//   dist/browser/rivulet-client.<hash>.js   the browser client as one minified ES module, WASM core inlined
//                                            (it is embedded as base64 in the core), named by a hash of its
//                                            content so it can be cached forever; .gz and .br beside it,
//                                            compressed once here rather than per request
//   dist/browser/manifest.json              { file, integrity } for the server's stable /client/index.js
//   dist/client/index.cjs (+ index.d.cts)   the client for require(): one CommonJS bundle (Node only)
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = join(root, "dist", "browser");

const browser = await build({
  entryPoints: [join(root, "src", "client", "browser.ts")],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  write: false,
  legalComments: "none",
  logLevel: "warning",
});
const code = browser.outputFiles[0].contents;
const hash = createHash("sha256").update(code).digest("hex").slice(0, 16);
const file = `rivulet-client.${hash}.js`;
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, file), code);
writeFileSync(join(outDir, `${file}.gz`), gzipSync(code, { level: 9 }));
writeFileSync(join(outDir, `${file}.br`), brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: code.length } }));
const integrity = `sha384-${createHash("sha384").update(code).digest("base64")}`;
writeFileSync(join(outDir, "manifest.json"), JSON.stringify({ file, integrity, bytes: code.length }, null, 2) + "\n");

await build({
  entryPoints: [join(root, "src", "client", "index.ts")],
  outfile: join(root, "dist", "client", "index.cjs"),
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  // `ws` is loaded lazily (only on Node without a global WebSocket) and stays a runtime dependency.
  external: ["ws"],
  logLevel: "warning",
});
// The CommonJS entry has the ES entry's types.
writeFileSync(join(root, "dist", "client", "index.d.cts"), 'export * from "./index.js";\n');

console.log(`browser client: dist/browser/${file} (${code.length} bytes; ${readdirSync(outDir).length} files); CommonJS client: dist/client/index.cjs`);
