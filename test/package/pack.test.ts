// The package as a user gets it: `npm pack`, installed from the tarball into an empty project, then
// `npx rivulet serve` there, with only runtime dependencies installed. This machine has no registry access
// at test time, so the project's lockfile pins the runtime dependencies to the versions in Rivulet's own
// package-lock.json (what npm would resolve) and `npm ci --offline` installs them from the npm cache.
// Needs `npm run build` (dist/, with the bundles of build:browser); packing skips the prepare script.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "rivulet-pack-"));
const app = join(work, "app");
let server: ChildProcess | undefined;

afterAll(() => {
  if (server && server.exitCode === null) server.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
});

interface Lock {
  packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
}

/** The app's lockfile: the tarball, plus every non-dev package of Rivulet's own lockfile at the same path. */
function writeApp(tarball: string): void {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string; license: string; dependencies: Record<string, string>; bin: Record<string, string>; engines: Record<string, string> };
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as Lock;
  const spec = `file:../${tarball}`;
  const integrity = `sha512-${createHash("sha512").update(readFileSync(join(work, tarball))).digest("base64")}`;
  const packages: Record<string, unknown> = {
    "": { name: "app", dependencies: { rivulet: spec } },
    "node_modules/rivulet": { version: pkg.version, resolved: spec, integrity, license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines },
  };
  for (const [path, entry] of Object.entries(lock.packages)) if (path && !entry.dev && !entry.devOptional) packages[path] = entry;
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, dependencies: { rivulet: spec } }));
  writeFileSync(join(app, "package-lock.json"), JSON.stringify({ name: "app", lockfileVersion: 3, requires: true, packages }));
}

function listening(child: ChildProcess): Promise<{ ws: string; http: string; pid: number }> {
  return new Promise((resolve, reject) => {
    let err = "";
    const timer = setTimeout(() => reject(new Error(`no "rivulet listening" line within 20 s: ${err}`)), 20_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      err += chunk.toString();
      for (const line of err.split("\n")) {
        if (!line.includes('"rivulet listening"')) continue;
        clearTimeout(timer);
        resolve(JSON.parse(line) as { ws: string; http: string; pid: number });
      }
    });
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
}

describe("npm pack, install into an empty project, npx rivulet serve", () => {
  it("installs offline with runtime dependencies only, serves, and the installed client works with require and import", { timeout: 60_000 }, async () => {
    expect(existsSync(join(root, "dist", "browser", "manifest.json")), "run `npm run build` first").toBe(true);
    const packed = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], { cwd: root, encoding: "utf8" });
    const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = info!.files.map((f) => f.path);
    for (const needed of ["dist/cli/main.js", "dist/shard/worker.js", "dist/client/index.cjs", "dist/client/index.d.cts", "dist/browser/manifest.json", "README.md"]) expect(files).toContain(needed);
    expect(files.filter((f) => f.startsWith("test/") || f.startsWith("src/") || f.startsWith("node_modules/"))).toEqual([]);

    writeApp(info!.filename);
    await run("npm", ["ci", "--offline", "--no-audit", "--no-fund"], { cwd: app, encoding: "utf8" });
    const installed = readdirSync(join(app, "node_modules"));
    expect(installed).toContain("rivulet");
    for (const dev of ["esbuild", "typescript", "vitest", "assemblyscript", "kafkajs", "playwright-core"]) expect(installed).not.toContain(dev);

    server = spawn("npx", ["--offline", "rivulet", "serve", "--port", "0", "--kafka-port", "0", "--data-dir", "./data", "--shards", "1"], { cwd: app, stdio: ["ignore", "pipe", "pipe"] });
    const ready = await listening(server);
    expect((await fetch(`${ready.http}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${ready.http}/client/index.js`)).text()).toMatch(/^export \* from "\.\/rivulet-client\.[0-9a-f]{16}\.js";/);

    const use = (topic: string) => `
      const client = await connect({ url: ${JSON.stringify(ready.ws)} });
      await client.admin.createTopic(${JSON.stringify(topic)}, { ifNotExists: true });
      await client.producer({ acks: "all" }).send({ topic: ${JSON.stringify(topic)}, value: "from the tarball" });
      const consumer = client.consumer({ topic: ${JSON.stringify(topic)}, from: "earliest" });
      for await (const r of consumer) { console.log(new TextDecoder().decode(r.value)); break; }
      await consumer.close(); client.close();`;
    writeFileSync(join(app, "use.cjs"), `const { connect } = require("rivulet/client");\n(async () => {${use("cjs")}})().catch((e) => { console.error(e); process.exit(1); });\n`);
    writeFileSync(join(app, "use.mjs"), `import { connect } from "rivulet/client";\n${use("esm")}\n`);
    for (const file of ["use.cjs", "use.mjs"]) {
      expect(await run(process.execPath, [file], { cwd: app, encoding: "utf8", timeout: 20_000 })).toEqual({ stdout: "from the tarball\n", stderr: "" });
    }

    // A graceful stop: SIGTERM to the broker process (npx's child) exits 0.
    const exited = new Promise<number | null>((resolve) => server!.once("exit", resolve));
    process.kill(ready.pid, "SIGTERM");
    expect(await exited).toBe(0);
  });
});
