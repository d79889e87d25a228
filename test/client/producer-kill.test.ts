// sendAll() (records encoded into their batch as they are handed over, batch buffers reused once
// acknowledged: issue 14) against a real server in a child process that is killed with SIGKILL twice
// mid-stream and restarted on the same port and data directory: with idempotence and 5 requests in flight
// every record is stored once and in order (retried batches are resent from their reused buffers intact,
// each attempt's PRODUCE head written in front of the batch in place when the reconnected socket sends it).
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { connect, type RivuletClient } from "../../src/client/index.js";
import { sleep, text } from "../helpers/ws-server.js";

const children = new Set<ChildProcess>();
const dataDir = mkdtempSync(join(tmpdir(), "rivulet-producer-kill-"));
const clients: RivuletClient[] = [];
afterAll(() => {
  for (const client of clients) client.close();
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts the server child on `port`; retries while the port is taken (first start: another port). */
async function startChild(port: number, fixedPort = -1): Promise<{ child: ChildProcess; port: number }> {
  const script = fileURLToPath(new URL("../helpers/ws-server-child.mjs", import.meta.url));
  for (let attempt = 0; ; attempt++) {
    const child = fork(script, [JSON.stringify({ shards: 2, host: "127.0.0.1", flushTickMs: 20, kafkaPort: -1, dataDir, port })], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    children.add(child);
    try {
      const ready = await new Promise<{ port: number }>((resolve, reject) => {
        child.once("exit", (code) => reject(new Error(`server child exited with ${code}`)));
        child.on("message", (m: { type: string; port: number }) => m.type === "ready" && resolve(m));
      });
      return { child, port: ready.port };
    } catch (error) {
      if (attempt >= 50) throw error;
      if (port !== fixedPort) port = 20_000 + Math.floor(Math.random() * 10_000);
      await sleep(200);
    }
  }
}

describe("sendAll against a server killed with SIGKILL", () => {
  it("idempotent, 5 in flight, two kills mid-stream: every record once, in order", async () => {
    // A port below the ephemeral range: while the server is down, the client's reconnects to a port inside
    // it can connect to themselves (TCP self-connect) and hold it, and the restart could not listen.
    let server = await startChild(20_000 + Math.floor(Math.random() * 10_000));
    const url = `ws://127.0.0.1:${server.port}/ws`;
    const client = await connect({ url, reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });
    clients.push(client);
    await client.admin.createTopic("killed", { partitions: 1 });
    const producer = client.producer({ idempotent: true, lingerMs: 1, batchBytes: 16 * 1024, retryBackoffMs: 20, retryBackoffMaxMs: 200 });
    const total = 40_000;
    const perCall = 200;
    let settled = 0;
    /** Records handed over but not yet acknowledged when each kill came. */
    const pendingAtKill: number[] = [];
    let restarted: Promise<void> = Promise.resolve();
    const killAt = [Math.round(total / 3 / perCall) * perCall, Math.round((2 * total) / 3 / perCall) * perCall];
    const killAndRestart = async () => {
      server.child.kill("SIGKILL");
      await new Promise((resolve) => server.child.once("exit", resolve));
      server = await startChild(server.port, server.port);
    };
    const calls: Promise<void>[] = [];
    for (let sent = 0; sent < total; sent += perCall) {
      if (killAt.includes(sent)) {
        await restarted;
        pendingAtKill.push(sent - settled);
        restarted = killAndRestart();
      }
      if (producer.congested) await producer.drained();
      const done = producer.sendAll(Array.from({ length: perCall }, (_, i) => ({ topic: "killed", value: String(sent + i).padStart(8, "0") })));
      void done.then(() => (settled += perCall), () => (settled += perCall));
      calls.push(done);
      await sleep(5);
    }
    await restarted;
    await Promise.all(calls);
    await producer.flush();
    expect(pendingAtKill).toHaveLength(2);
    expect(pendingAtKill.some((n) => n > 0)).toBe(true); // a kill caught records not yet acknowledged
    const reader = await connect({ url });
    clients.push(reader);
    const [meta] = await reader.admin.metadata(["killed"]);
    expect(Number(meta!.partitions[0]!.logEndOffset)).toBe(total);
    const stored: (string | null)[] = [];
    const consumer = reader.consumer({ topic: "killed", from: "earliest", partitions: [0] });
    for await (const record of consumer) {
      stored.push(text(record.value));
      if (stored.length === total) break;
    }
    await consumer.close();
    expect(stored).toEqual(Array.from({ length: total }, (_, i) => String(i).padStart(8, "0")));
  }, 90_000);
});
