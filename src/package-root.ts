// The package's root directory, found by walking up from this module to the package.json named "rivulet".
// Code runs from src/ (tests), dist/ (the package) and build/bench/ (compiled benchmarks), at different
// depths, and the shard worker and the browser files always live under <root>/dist.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "rivulet") return (cached = dir);
      } catch {
        // not ours; keep walking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the rivulet package root above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}
