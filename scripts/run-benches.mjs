// `npm run bench [name...]`: compiles bench/ (with src/) to build/bench and runs each bench/*.bench.ts in
// its own process, one after another (two cores: benchmarks must not compete with each other).
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const tsc = join(dirname(require.resolve("typescript/package.json")), "bin", "tsc");
execFileSync(process.execPath, [tsc, "-p", "tsconfig.bench.json"], { cwd: root, stdio: "inherit" });

const wanted = process.argv.slice(2);
const benches = readdirSync(join(root, "bench"))
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.replace(/\.bench\.ts$/, ""))
  .filter((name) => wanted.length === 0 || wanted.includes(name));
if (benches.length === 0) {
  console.error(`no benchmark matches ${wanted.join(", ")}`);
  process.exit(1);
}
for (const name of benches) {
  console.log(`\n=== bench/${name}.bench.ts`);
  execFileSync(process.execPath, ["--expose-gc", join(root, "build", "bench", "bench", `${name}.bench.js`)], {
    cwd: root,
    stdio: "inherit",
  });
}
