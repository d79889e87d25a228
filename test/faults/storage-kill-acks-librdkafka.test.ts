// kill -9 under acks=all load from librdkafka (confluent-kafka, the library under kcat): its delivery reports
// name every acknowledged record's offset; after the broker is SIGKILLed and restarted, each of those
// records must be at that offset. (kcat itself prints no acknowledged offsets, so librdkafka is driven
// through confluent-kafka, as in test/kafka/confluent-kafka.test.ts.)
import { fork, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { connect } from "../../src/client/index.js";
import { consumeAll, openReal, tempDir } from "./storage-helpers.js";

const python = "/usr/bin/python3";
const available = spawnSync(python, ["-c", "import confluent_kafka"], { stdio: "ignore" }).status === 0;
const childPath = fileURLToPath(new URL("./storage-broker-child.mjs", import.meta.url));
const producerScript = fileURLToPath(new URL("./acked-producer.py", import.meta.url));
const live = new Set<ChildProcess>();
afterAll(() => {
  for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

function startBroker(dataDir: string): Promise<{ child: ChildProcess; port: number; kafkaPort: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(childPath, [JSON.stringify({ dataDir, port: 0, kafkaPort: 0, shards: 2, flushTickMs: 20 })], { stdio: ["ignore", "ignore", "pipe", "ipc"] });
    live.add(child);
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("message", (m: { port: number; kafkaPort: number }) => resolve({ child, port: m.port, kafkaPort: m.kafkaPort }));
    child.once("exit", (code, signal) => reject(new Error(`broker exited before ready (${code ?? signal}): ${stderr}`)));
  });
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));

describe.skipIf(!available)("kill -9 under acks=all load from librdkafka", () => {
  it("every record librdkafka saw acknowledged is at its offset after a restart", async () => {
    const temp = tempDir("killacks-rdk");
    try {
      const acked = new Map<string, string>(); // "partition offset" -> value
      let { child, port, kafkaPort } = await startBroker(temp.dir);
      const client = await connect({ url: `ws://127.0.0.1:${port}/ws` });
      await client.admin.createTopic("rdk-acks", { partitions: 2 });
      client.close();
      const producer = spawn(python, [producerScript, `127.0.0.1:${kafkaPort}`, "rdk-acks", "v"], { stdio: ["ignore", "pipe", "pipe"] });
      live.add(producer);
      let buffered = "";
      producer.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split("\n");
        buffered = lines.pop()!;
        for (const line of lines) {
          const [partition, offset, value] = line.split(" ");
          acked.set(`${partition} ${offset}`, value!);
        }
      });
      const deadline = Date.now() + 20_000;
      while (acked.size < 2_000 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(acked.size, "librdkafka got acknowledgements before the kill").toBeGreaterThan(100);
      child.kill("SIGKILL");
      await exited(child);
      await Promise.race([exited(producer), new Promise((resolve) => setTimeout(resolve, 10_000))]);
      producer.kill("SIGKILL");

      ({ child } = await startBroker(temp.dir));
      child.send({ type: "close" });
      await exited(child);
      let checked = 0;
      for (const name of readdirSync(temp.dir).filter((n) => /^rdk-acks-\d+$/.test(n))) {
        const partition = name.slice("rdk-acks-".length);
        const { log } = openReal(join(temp.dir, name));
        const stored = consumeAll(log);
        for (const [key, value] of acked) {
          const [p, offset] = key.split(" ");
          if (p !== partition) continue;
          expect(stored.get(BigInt(offset!)), `${name} offset ${offset}`).toBe(value);
          checked++;
        }
        log.abandon();
      }
      console.log(`kill-acks (librdkafka): ${checked} acknowledged records checked`);
      expect(checked).toBe(acked.size);
    } finally {
      temp.remove();
    }
  }, 90_000);
});
