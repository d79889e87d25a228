// A second broker on a port in use must fail to start, on the HTTP/WebSocket port exactly as on the Kafka
// port (EADDRINUSE). uWebSockets.js sets SO_REUSEPORT by default, which let two brokers share a port with
// clients alternating between them; the server now binds exclusively. Also: `rivulet serve` refuses to
// start on damaged metadata with a clear message and starts with --rebuild-metadata.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, unlinkSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { startServer, type RivuletServer } from "../../src/server.js";

const CLI = join(dirname(fileURLToPath(import.meta.url)), "../../dist/cli/main.js");
const dirs: string[] = [];
const servers: RivuletServer[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  await Promise.all(servers.map((s) => s.close().catch(() => {})));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dir(): string {
  const d = mkdtempSync(join(tmpdir(), "rivulet-port-"));
  dirs.push(d);
  return d;
}

async function start(port: number, kafkaPort: number): Promise<RivuletServer> {
  const s = await startServer({ dataDir: dir(), port, kafkaPort, shards: 1, host: "127.0.0.1", logLevel: "error" });
  servers.push(s);
  return s;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "0.0.0.0", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 20_000 }, (error, _stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
    );
    child.stdin?.end();
  });
}

describe("two brokers, one port", () => {
  it("the second fails with EADDRINUSE on the WebSocket port, as on the Kafka port; the first keeps serving", async () => {
    const first = await start(0, 0);
    const ws = await start(first.port, 0).catch((e: NodeJS.ErrnoException) => e);
    expect(ws).toBeInstanceOf(Error);
    expect((ws as NodeJS.ErrnoException).code).toBe("EADDRINUSE");
    expect((ws as Error).message).toContain(String(first.port));
    const kafka = await start(0, first.kafkaPort).catch((e: NodeJS.ErrnoException) => e);
    expect((kafka as NodeJS.ErrnoException).code).toBe("EADDRINUSE");
    // Only the first answers on its port, every time.
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`http://127.0.0.1:${first.port}/healthz`);
      expect(await response.text()).toBe("ok");
    }
    // A failed start released its data directory and shards: a later start on a free port works.
    const third = await start(0, 0);
    expect(third.port).not.toBe(first.port);
  });

  it("`rivulet serve` twice on one WebSocket port (two processes, where SO_REUSEPORT would share it): the second exits with EADDRINUSE", async () => {
    // A fixed port: the kernel shares an explicitly numbered SO_REUSEPORT port, not one picked with port 0.
    const port = await freePort();
    const first = spawn(process.execPath, [CLI, "serve", "--data-dir", dir(), "--host", "0.0.0.0", "--port", String(port), "--kafka-port", "-1", "--shards", "1"], { stdio: ["ignore", "ignore", "pipe"] });
    children.push(first);
    await new Promise<void>((resolve, reject) => {
      let err = "";
      first.stderr!.on("data", (d: Buffer) => {
        err += d.toString();
        if (err.includes("rivulet listening")) resolve();
      });
      first.on("exit", () => reject(new Error(err)));
    });
    const result = await run(["serve", "--data-dir", dir(), "--host", "0.0.0.0", "--port", String(port), "--kafka-port", "-1", "--shards", "1"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("EADDRINUSE");
    for (let i = 0; i < 5; i++) expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).text()).toBe("ok");
  });
});

describe("rivulet serve and damaged metadata", () => {
  it("refuses to start without topics.json when partitions exist, then starts with --rebuild-metadata and RIVULET_REBUILD_METADATA=1", async () => {
    const dataDir = dir();
    const s = await startServer({ dataDir, port: 0, kafkaPort: -1, shards: 1, host: "127.0.0.1", logLevel: "error" });
    await s.broker.createTopic("kept", { partitions: 2 });
    await s.close();
    unlinkSync(join(dataDir, "topics.json"));
    unlinkSync(join(dataDir, "topics.json.bak"));
    const refused = await run(["serve", "--data-dir", dataDir, "--host", "127.0.0.1", "--port", "0", "--kafka-port", "-1", "--shards", "1"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("topics.json");
    expect(refused.stderr).toContain("kept-0");
    expect(refused.stderr).toContain("--rebuild-metadata");
    for (const [args, env] of [[["--rebuild-metadata"], {}], [[], { RIVULET_REBUILD_METADATA: "1" }]] as const) {
      if (Object.keys(env).length) {
        unlinkSync(join(dataDir, "topics.json"));
        unlinkSync(join(dataDir, "topics.json.bak"));
      }
      const started = await new Promise<string>((resolve, reject) => {
        const child = execFile(process.execPath, [CLI, "serve", "--data-dir", dataDir, "--host", "127.0.0.1", "--port", "0", "--kafka-port", "-1", "--shards", "1", ...args], {
          env: { ...process.env, ...env },
          timeout: 20_000,
        });
        let err = "";
        child.stderr!.on("data", (d: Buffer) => {
          err += d.toString();
          if (err.includes("rivulet listening")) {
            child.kill("SIGTERM");
          }
        });
        child.on("exit", () => (err.includes("rivulet listening") ? resolve(err) : reject(new Error(err))));
      });
      expect(started).toContain("rebuilt");
    }
  });
});
