// kill -9 the moment an acks=all acknowledgement arrives: the acknowledged record must be there, at its
// acknowledged offset, after the restart, whatever the shard was doing (the ack travels back over the shard's
// channel only after the group-committed fdatasync; src/broker/shard-pool.ts, src/shard/group-commit.ts).
// Each round kills the broker child process in the acknowledgement's own callback, with more produces in
// flight behind it, then restarts it (recovery) and produces again; rounds alternate between a topic with
// flush.messages=1 (the append starts the fsync) and one with the defaults (the group commit starts it).
import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { connect } from "../../src/client/index.js";
import { consumeAll, openReal, tempDir } from "../faults/storage-helpers.js";

const childPath = fileURLToPath(new URL("../faults/storage-broker-child.mjs", import.meta.url));
const dist = fileURLToPath(new URL("../../dist/server.js", import.meta.url));
const live = new Set<ChildProcess>();

function startBroker(dataDir: string): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(childPath, [JSON.stringify({ dataDir, port: 0, kafkaPort: -1, shards: 1 })], { stdio: ["ignore", "ignore", "pipe", "ipc"] });
    live.add(child);
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("message", (m: { port: number }) => resolve({ child, port: m.port }));
    child.once("exit", (code, signal) => reject(new Error(`broker exited before ready (${code ?? signal}): ${stderr}`)));
  });
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));

afterAll(() => {
  for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

describe("kill -9 right after an acks=all acknowledgement", () => {
  it("never loses the acknowledged record", async () => {
    expect(existsSync(dist), "dist/ is missing: run `npm run build:ts`").toBe(true);
    const temp = tempDir("ackkill");
    try {
      const topics = ["ack-kill-each", "ack-kill-default"];
      const acked = new Map<string, Map<bigint, string>>(topics.map((t) => [t, new Map()]));
      for (let round = 0; round < 4; round++) {
        const { child, port } = await startBroker(temp.dir);
        const client = await connect({ url: `ws://127.0.0.1:${port}/ws`, reconnect: false });
        if (round === 0) {
          await client.admin.createTopic("ack-kill-each", { partitions: 1, configs: { "flush.messages": "1" } });
          await client.admin.createTopic("ack-kill-default", { partitions: 1 });
        }
        const topic = topics[round % 2]!;
        const ack = acked.get(topic)!;
        const producer = client.producer({ acks: "all", lingerMs: 0, retries: 0 });
        // Warm up, so the kill lands on a broker with a log and producers in flight, not on a cold one.
        for (let i = 0; i < 20; i++) {
          const value = `warm-${round}-${i}`;
          ack.set((await producer.send({ topic, value })).offset, value);
        }
        let killed = false;
        const value = `killed-${round}`;
        const target = producer.send({ topic, value }).then((meta) => {
          // Nothing else runs first: the broker dies the moment the acknowledgement is handled.
          child.kill("SIGKILL");
          killed = true;
          ack.set(meta.offset, value);
        });
        // More produces in flight behind it, never acknowledged (or acknowledged before the kill: kept too).
        const behind = Array.from({ length: 50 }, (_, i) =>
          producer.send({ topic, value: `behind-${round}-${i}` }).then(
            (meta) => void (!killed && ack.set(meta.offset, `behind-${round}-${i}`)),
            () => {},
          ),
        );
        await target;
        await exited(child);
        await Promise.race([Promise.all(behind), new Promise((resolve) => setTimeout(resolve, 3000))]);
        client.close();
      }
      // Recovery after the last kill, then a clean stop, then read the log directly.
      const { child } = await startBroker(temp.dir);
      child.send({ type: "close" });
      await exited(child);
      expect(child.exitCode).toBe(0);
      let killedAcks = 0;
      for (const topic of topics) {
        const { log } = openReal(join(temp.dir, `${topic}-0`));
        const stored = consumeAll(log);
        for (const [offset, value] of acked.get(topic)!) {
          expect(stored.get(offset), `${topic} offset ${offset}`).toBe(value);
          if (value.startsWith("killed-")) killedAcks++;
        }
        log.abandon();
      }
      expect(killedAcks).toBe(4);
    } finally {
      temp.remove();
    }
  }, 60_000);
});
