// /healthz (liveness) and /readyz (readiness) on GET and HEAD, with the real state: readiness fails (503,
// with the failed check named in the JSON body) when the data directory cannot be written, when a shard
// worker is gone, and when the Kafka listener stops accepting; it recovers when the cause goes away.
import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { wsServers, type TestServer } from "../helpers/ws-server.js";

const env = wsServers();

interface Report {
  status: string;
  checks: Record<string, { ok: boolean; error?: string }>;
}

async function probe(srv: TestServer, path: string): Promise<{ status: number; body: Report }> {
  const response = await fetch(`http://127.0.0.1:${srv.port}${path}`);
  expect(response.headers.get("content-type")).toBe("application/json");
  expect(response.headers.get("cache-control")).toBe("no-store");
  return { status: response.status, body: (await response.json()) as Report };
}

async function head(srv: TestServer, path: string): Promise<{ status: number; length: string | null; body: string }> {
  const response = await fetch(`http://127.0.0.1:${srv.port}${path}`, { method: "HEAD" });
  return { status: response.status, length: response.headers.get("content-length"), body: await response.text() };
}

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("/healthz and /readyz", () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await env.start({ kafkaPort: 0 });
  });

  it("answer GET with 200 and every check passing, HEAD with the same status and length and no body", async () => {
    const live = await probe(srv, "/healthz");
    expect(live).toEqual({ status: 200, body: { status: "ok", checks: { broker: { ok: true } } } });
    const ready = await probe(srv, "/readyz");
    expect(ready).toEqual({ status: 200, body: { status: "ok", checks: { shards: { ok: true }, storage: { ok: true }, listeners: { ok: true } } } });
    for (const path of ["/healthz", "/readyz"]) {
      const getLength = (await (await fetch(`http://127.0.0.1:${srv.port}${path}`)).arrayBuffer()).byteLength;
      expect(await head(srv, path)).toEqual({ status: 200, length: String(getLength), body: "" });
    }
  });

  it("/readyz fails with storage named while the data directory cannot be written, and recovers", async () => {
    // Root ignores permission bits; the immutable attribute stops even root from creating files in the directory.
    const lock = spawnSync("chattr", ["+i", srv.dataDir]);
    if (lock.status !== 0) throw new Error(`chattr +i failed: ${lock.stderr}`);
    try {
      const ready = await probe(srv, "/readyz");
      expect(ready.status).toBe(503);
      expect(ready.body.status).toBe("failing");
      expect(ready.body.checks.storage!.ok).toBe(false);
      expect(ready.body.checks.storage!.error).toMatch(/not writable \(EPERM/);
      expect(ready.body.checks.shards).toEqual({ ok: true });
      expect((await head(srv, "/readyz")).status).toBe(503);
      // Liveness is not readiness: the process is fine, it should not be restarted for a full disk.
      expect((await probe(srv, "/healthz")).status).toBe(200);
    } finally {
      spawnSync("chattr", ["-i", srv.dataDir]);
    }
    expect((await probe(srv, "/readyz")).status).toBe(200);
  });

  it("/readyz fails with listeners named once the Kafka listener stops accepting", async () => {
    const other = await env.start({ kafkaPort: 0 });
    expect((await probe(other, "/readyz")).status).toBe(200);
    await other.server.kafka!.close();
    const ready = await probe(other, "/readyz");
    expect(ready.status).toBe(503);
    expect(ready.body.checks.listeners!.ok).toBe(false);
    expect(ready.body.checks.listeners!.error).toMatch(/kafka .*ECONNREFUSED/);
  });
});

describe("/readyz and a shard worker", () => {
  it("fails with shards named once a shard's worker thread died", async () => {
    const srv = await env.start({ shards: 2 });
    const client = await env.client(srv.url);
    await client.admin.createTopic("spread", { partitions: 4 });
    expect((await probe(srv, "/readyz")).status).toBe(200);
    // The shard pool's one worker thread, terminated from outside (as a crash would end it).
    const shards = (srv.server.broker as unknown as { shards: Array<{ pool: { threads: Array<{ terminate(): Promise<number> }> } }> }).shards;
    const worker = shards[1]!.pool.threads[0]!;
    await worker.terminate();
    const ready = await until("readiness after the worker died", () => probe(srv, "/readyz"), (r) => r.status === 503, 5000);
    // The pool replaces the thread with a fresh worker that answers pings but hosts none of its partitions.
    expect(ready.body.checks.shards!.error).toMatch(/partitions probed do not answer .*not hosted here/);
  });
});

