// kill -9 under acks=all load, over both front ends (issue 11, item 4): the Rivulet WebSocket client with
// acks "all" and kafkajs with acks -1 produce to a broker child process, which is SIGKILLed mid-load. After
// a restart (recovery) every acknowledged record must be at the offset it was acknowledged with.
// A process kill leaves the page cache intact, so this proves the acknowledgement/recovery bookkeeping;
// that acks=all waits for the fsync itself is counted in test/shard/group-commit.test.ts.
import { fork, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, describe, expect, it } from "vitest";
import { connect } from "../../src/client/index.js";
import { consumeAll, openReal, tempDir } from "./storage-helpers.js";

const childPath = fileURLToPath(new URL("./storage-broker-child.mjs", import.meta.url));
const dist = fileURLToPath(new URL("../../dist/server.js", import.meta.url));
const live = new Set<ChildProcess>();

function startBroker(dataDir: string): Promise<{ child: ChildProcess; port: number; kafkaPort: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(childPath, [JSON.stringify({ dataDir, port: 0, kafkaPort: 0, shards: 2, flushTickMs: 20 })], { stdio: ["ignore", "ignore", "pipe", "ipc"] });
    live.add(child);
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("message", (m: { type: string; port: number; kafkaPort: number }) => resolve({ child, port: m.port, kafkaPort: m.kafkaPort }));
    child.once("exit", (code, signal) => reject(new Error(`broker exited before ready (${code ?? signal}): ${stderr}`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));
}

afterAll(() => {
  for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

describe("kill -9 under acks=all load (WebSocket client and kafkajs)", () => {
  it("every acknowledged record is at its acknowledged offset after a restart", async () => {
    expect(existsSync(dist), "dist/ is missing: run `npm run build:ts`").toBe(true);
    const temp = tempDir("killacks");
    try {
      /** `${topic}-${partition}` -> offset -> value, for every acknowledged record. */
      const acked = new Map<string, Map<bigint, string>>();
      const ack = (topic: string, partition: number, offset: bigint, value: string) => {
        const key = `${topic}-${partition}`;
        if (!acked.has(key)) acked.set(key, new Map());
        acked.get(key)!.set(offset, value);
      };

      for (let round = 0; round < 2; round++) {
        const { child, port, kafkaPort } = await startBroker(temp.dir);
        const client = await connect({ url: `ws://127.0.0.1:${port}/ws` });
        if (round === 0) {
          await client.admin.createTopic("ws-acks", { partitions: 3 });
          await client.admin.createTopic("kj-acks", { partitions: 2 });
        }
        const kafka = new Kafka({ brokers: [`127.0.0.1:${kafkaPort}`], clientId: "kill-acks", logLevel: logLevel.NOTHING, retry: { retries: 0 }, requestTimeout: 3000 });
        const kproducer = kafka.producer({ allowAutoTopicCreation: false });
        await kproducer.connect();
        let stop = false;
        const wsProducer = client.producer({ acks: "all", lingerMs: 1, retries: 0 });

        const wsLoop = async (id: number) => {
          for (let seq = 0; !stop; seq++) {
            const value = `ws-${round}-${id}-${seq}`;
            try {
              const meta = await wsProducer.send({ topic: "ws-acks", key: value, value });
              ack(meta.topic, meta.partition, meta.offset, value);
            } catch {
              return;
            }
          }
        };
        const kafkaLoop = async (partition: number) => {
          for (let seq = 0; !stop; seq++) {
            const values = Array.from({ length: 10 }, (_, i) => `kj-${round}-${partition}-${seq}-${i}`);
            try {
              const [meta] = await kproducer.send({ topic: "kj-acks", acks: -1, messages: values.map((value) => ({ partition, value })) });
              if (meta!.errorCode !== 0) return;
              values.forEach((value, i) => ack("kj-acks", partition, BigInt(meta!.baseOffset!) + BigInt(i), value));
            } catch {
              return;
            }
          }
        };
        const loops = [...Array.from({ length: 8 }, (_, i) => wsLoop(i)), kafkaLoop(0), kafkaLoop(1)];
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const before = [...acked.values()].reduce((n, m) => n + m.size, 0);
        child.kill("SIGKILL");
        await exited(child);
        stop = true;
        await Promise.race([Promise.all(loops), new Promise((resolve) => setTimeout(resolve, 5000))]);
        client.close();
        await kproducer.disconnect().catch(() => {});
        expect(before, "load ran before the kill").toBeGreaterThan(100);
      }

      // Restart once more (recovery after the second kill), stop cleanly, then read every partition.
      const { child } = await startBroker(temp.dir);
      child.send({ type: "close" });
      await exited(child);
      expect(child.exitCode).toBe(0);
      let checked = 0;
      for (const name of readdirSync(temp.dir).filter((n) => /^(ws|kj)-acks-\d+$/.test(n))) {
        const { log } = openReal(join(temp.dir, name));
        const stored = consumeAll(log);
        for (const [offset, value] of acked.get(name) ?? []) {
          expect(stored.get(offset), `${name} offset ${offset}`).toBe(value);
          checked++;
        }
        log.abandon();
      }
      console.log(`kill-acks: ${checked} acknowledged records checked`);
      expect(checked).toBe([...acked.values()].reduce((n, m) => n + m.size, 0));
      expect([...acked.keys()].some((k) => k.startsWith("kj-acks")) && [...acked.keys()].some((k) => k.startsWith("ws-acks"))).toBe(true);
    } finally {
      temp.remove();
    }
  }, 60_000);
});
