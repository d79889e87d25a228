// Kafka consumers (kcat and confluent-kafka on librdkafka, kafkajs) while the broker process is killed
// (SIGKILL) or stopped (SIGTERM) and started again (issue 12): each resumes, with no gap, and with no
// duplicate where no group is involved (kcat, confluent-kafka assign); client RSS is sampled and printed.
// kcat ends by design when all brokers are down ("All broker connections are down ... terminating"): it
// must then exit non-zero, and a new kcat from the next offset continues with no gap and no duplicate.
// Runs dist/ (`npm run build:ts` first).

import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { connect } from "../../src/client/index.js";
import { processes, sleep, until, type Proc } from "./restart-helpers.js";

const procs = processes();
const MiB = 1024 * 1024;
const measurements: string[] = [];
const PYTHON = "/usr/bin/python3";
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

afterAll(() => {
  process.stdout.write(`\nKafka client peak RSS during the restart suite:\n${measurements.map((m) => `  ${m}\n`).join("")}`);
});

async function produce(url: string, topic: string, from: number, to: number): Promise<void> {
  const client = await connect({ url, reconnect: false });
  try {
    const producer = client.producer({ lingerMs: 2 });
    await Promise.all(Array.from({ length: to - from }, (_, i) => producer.send({ topic, partition: 0, value: String(from + i) })));
  } finally {
    client.close();
  }
}

const offsets = (proc: Proc) => proc.stdout().split("\n").filter(Boolean).map((l) => Number(l.split(" ").at(-1)));
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe.each(["SIGKILL", "SIGTERM"] as const)("broker stopped with %s and started again", (signal) => {
  it.each([
    ["kcat", (bootstrap: string, topic: string, from = "beginning") => procs.run("kcat", ["-b", bootstrap, "-C", "-t", topic, "-p", "0", "-o", from, "-f", "%o\\n", "-q", "-u"]), true],
    ["confluent-kafka", (bootstrap: string, topic: string) => procs.run(PYTHON, [here("./confluent-consumer-child.py"), bootstrap, topic]), true],
    ["kafkajs (group)", (bootstrap: string, topic: string) => procs.run(process.execPath, [here("./kafkajs-consumer-child.mjs"), bootstrap, topic, `g-${topic}`]), false],
  ] as const)("%s resumes with no gap", async (name, start, exact) => {
    const broker = await procs.broker();
    const topic = `k-${name.split(" ")[0]}-${signal}`;
    const admin = await connect({ url: broker.url, reconnect: false });
    await admin.admin.createTopic(topic, { partitions: 1 });
    admin.close();
    await produce(broker.url, topic, 0, 100);
    const first = start(broker.bootstrap, topic);
    let consumer = first;
    await until(`${name}: 100 records`, () => offsets(consumer).length >= 100, 30_000);
    await broker.kill(signal);
    await sleep(1000);
    let before: number[] = [];
    const restartIfGaveUp = () => {
      if (consumer.exitCode === undefined) return;
      // Gave up while the broker was away: non-zero, and a new one continues where it stopped.
      expect(consumer.exitCode, consumer.stderr()).not.toBe(0);
      before = [...before, ...offsets(consumer)];
      consumer = start(broker.bootstrap, topic, String(before.at(-1)! + 1));
    };
    restartIfGaveUp();
    await broker.start();
    await produce(broker.url, topic, 100, 200);
    await until(`${name}: all 200 offsets after the restart`, () => {
      restartIfGaveUp();
      return new Set([...before, ...offsets(consumer)]).size >= 200;
    }, 45_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${consumer.stderr()}`);
    });
    await sleep(500);
    const seen = [...before, ...offsets(consumer)];
    expect([...new Set(seen)].sort((a, b) => a - b)).toEqual(range(0, 200));
    if (exact) expect(seen).toEqual(range(0, 200));
    expect(consumer.exitCode).toBeUndefined();
    const rss = consumer.peakRss();
    measurements.push(`${name} (${signal}): peak RSS ${(rss / MiB).toFixed(1)} MiB, ${seen.length} records delivered for 200${consumer === first ? "" : " (exited non-zero while the broker was away; a new one resumed)"}`);
    expect(rss).toBeLessThan(300 * MiB);
    consumer.child.kill("SIGKILL");
  }, 120_000);
});

describe("during a large fetch", () => {
  it("confluent-kafka reading a 20 MiB partition while the broker is killed resumes with no gap and no duplicate", async () => {
    const broker = await procs.broker();
    const topic = "k-large";
    const client = await connect({ url: broker.url, reconnect: false });
    await client.admin.createTopic(topic, { partitions: 1 });
    const producer = client.producer({ lingerMs: 5 });
    const total = 20_000;
    const pad = "x".repeat(1000);
    for (let i = 0; i < total; i += 2000) {
      await Promise.all(Array.from({ length: 2000 }, (_, j) => producer.send({ topic, partition: 0, value: `${i + j} ${pad}` })));
    }
    client.close();
    const consumer = procs.run(PYTHON, [here("./confluent-consumer-child.py"), broker.bootstrap, topic]);
    await until("part of the partition", () => offsets(consumer).length >= 2000, 30_000);
    await broker.kill("SIGKILL");
    const atKill = offsets(consumer).length;
    await sleep(500);
    await broker.start();
    await until("every record", () => offsets(consumer).length >= total, 60_000);
    await sleep(500);
    expect(atKill).toBeLessThan(total); // killed mid-stream
    expect(offsets(consumer)).toEqual(range(0, total));
    const rss = consumer.peakRss();
    measurements.push(`confluent-kafka, broker killed mid-fetch at ${atKill} of ${total} (20 MiB): peak RSS ${(rss / MiB).toFixed(1)} MiB`);
    expect(rss).toBeLessThan(300 * MiB);
    consumer.child.kill("SIGKILL");
  }, 120_000);
});
