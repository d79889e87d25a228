// Builds the web console (src/ui) into dist/ui: esbuild bundles the Preact app, the browser client it
// imports from src/client and uPlot into one JS and one CSS file whose names carry a content hash, so the
// broker can serve them with a year-long immutable cache; index.html (never cached without revalidation)
// names them. Every file also gets .gz and .br siblings, compressed once here instead of per request.
//
//   dist/ui/index.html(.gz|.br)
//   dist/ui/assets/console-<hash>.js(.gz|.br)    (+ .map, not precompressed)
//   dist/ui/assets/console-<hash>.css(.gz|.br)

import { build } from "esbuild";
import { createHash } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = join(root, "dist", "ui");

const result = await build({
  entryPoints: { console: join(root, "src", "ui", "main.tsx") },
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["es2022", "chrome110", "firefox115", "safari16"],
  jsx: "automatic",
  jsxImportSource: "preact",
  tsconfig: join(root, "tsconfig.ui.json"),
  minify: true,
  sourcemap: "linked",
  legalComments: "none",
  entryNames: "[name]-[hash]",
  outdir: "assets",
  write: false,
  metafile: true,
  logLevel: "warning",
});

// A fresh directory: stale hashed files from earlier builds (and anything tsc emitted for src/ui/*.ts) go.
rmSync(outDir, { recursive: true, force: true });
mkdirSync(join(outDir, "assets"), { recursive: true });

const compressible = (name) => /\.(js|css|html)$/.test(name);
function write(relative, bytes) {
  const file = join(outDir, relative);
  writeFileSync(file, bytes);
  if (!compressible(relative)) return;
  writeFileSync(file + ".gz", gzipSync(bytes, { level: 9 }));
  writeFileSync(file + ".br", brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }));
}

let js;
let css;
for (const file of result.outputFiles) {
  // esbuild paths are absolute, under <cwd>/assets.
  const name = file.path.slice(file.path.lastIndexOf("/assets/") + 1);
  write(name, file.contents);
  if (name.endsWith(".js")) js = name;
  if (name.endsWith(".css")) css = name;
}
if (!js || !css) throw new Error(`esbuild produced no ${js ? "CSS" : "JS"} bundle`);

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Rivulet console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/${css}">
<script type="module" src="/ui/${js}"></script>
</head>
<body>
<div id="app"><noscript>The Rivulet console needs JavaScript.</noscript></div>
</body>
</html>
`;
write("index.html", Buffer.from(html));
const buildId = createHash("sha256").update(html).digest("hex").slice(0, 16);
writeFileSync(join(outDir, "build.json"), JSON.stringify({ buildId, js, css }, null, 2) + "\n");
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`console built into dist/ui (${js}, ${css}; ${(bytes / 1024).toFixed(0)} KiB before compression)`);
