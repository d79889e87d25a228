// Kafka protocol benchmark: produce and consume throughput through the Kafka listener with kafkajs 2.2.4
// and kcat 1.7.1 (librdkafka 2.0.2), side by side with the same workload over the WebSocket front end
// (src/client), against one broker process (2 shards, flush off) in the same run. Workload: N records of
// 100-byte values (no key) to one partition, then read back from the beginning; a fresh topic per cell.
// Every repetition runs every cell (rep-major); rows give the median with the range.
// Needs dist/ (`npm run build:ts`) and kcat. Knobs: KAFKA_BENCH_RECORDS (default 200000), KAFKA_BENCH_REPS (3).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type * as ClientModule from "../src/client/index.js";
import { report, type Row } from "./lib/report.js";
import { startBrokerProcess } from "./ws/common.js";
import { kafkajsConsume, kafkajsProduce, kcatConsume, kcatProduce, wsConsume, wsProduce, type Timing } from "./kafka/workloads.js";

const RECORDS = Number(process.env.KAFKA_BENCH_RECORDS ?? "200000");
const REPS = Number(process.env.KAFKA_BENCH_REPS ?? "3");
const VALUE_BYTES = 100;
const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const progress = (m: string) => process.stderr.write(`[kafka] ${m}\n`);

const dataDir = mkdtempSync(join(tmpdir(), "rivulet-kafka-bench-"));
const broker = await startBrokerProcess(dataDir, { shards: 2, kafka: true });
const bootstrap = `127.0.0.1:${broker.kafkaPort}`;
const url = broker.url;
const client = (await import(new URL("dist/client/index.js", `file://${repoRoot}`).href)) as typeof ClientModule;

// Inputs, built once outside the timed functions: distinct 100-byte values, and kcat's stdin (one per line).
const values = Array.from({ length: RECORDS }, (_, i) => Buffer.from(`${String(i).padStart(10, "0")}-${"x".repeat(VALUE_BYTES - 11)}`));
const stdin = Buffer.concat(values.flatMap((v) => [v, Buffer.from("\n")]));

const cells = ["kafkajs", "kcat", "websocket"] as const;
type Cell = (typeof cells)[number];
const results = new Map<string, Timing[]>();
const push = (key: string, t: Timing) => results.set(key, [...(results.get(key) ?? []), t]);

try {
  const admin = await client.connect({ url });
  let n = 0;
  for (let rep = 0; rep < REPS; rep++) {
    for (const cell of cells) {
      const topic = `bench-${cell}-${n++}`;
      await admin.admin.createTopic(topic, { partitions: 1 });
      let p: Timing;
      let c: Timing;
      if (cell === "kafkajs") {
        p = await kafkajsProduce(bootstrap, topic, values);
        c = await kafkajsConsume(bootstrap, topic, RECORDS);
      } else if (cell === "kcat") {
        p = await kcatProduce(bootstrap, topic, stdin, RECORDS);
        c = await kcatConsume(bootstrap, topic, RECORDS, VALUE_BYTES + 1);
      } else {
        p = await wsProduce(client, url, topic, values);
        c = await wsConsume(client, url, topic, RECORDS);
      }
      push(`${cell}/produce`, p);
      push(`${cell}/consume`, c);
      progress(`rep ${rep + 1}/${REPS} ${cell}: produce ${(p.records / p.seconds / 1e3).toFixed(0)} k rec/s, consume ${(c.records / c.seconds / 1e3).toFixed(0)} k rec/s`);
      await admin.admin.deleteTopic(topic).catch(() => {});
    }
  }
  admin.close();
} finally {
  await broker.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: Row[] = [];
for (const op of ["produce", "consume"] as const) {
  for (const cell of cells as readonly Cell[]) {
    const runs = results.get(`${cell}/${op}`)!;
    const rates = runs.map((t) => t.records / t.seconds);
    const rate = median(rates);
    rows.push({
      group: op,
      name: cell === "websocket" ? "WebSocket (src/client)" : cell === "kcat" ? "kcat (librdkafka 2.0.2)" : "kafkajs 2.2.4",
      value: Math.round(rate),
      unit: "records/s",
      "MB/s": Number(((rate * VALUE_BYTES) / 1e6).toFixed(1)),
      range: `${Math.round(Math.min(...rates))}-${Math.round(Math.max(...rates))}`,
      reps: runs.length,
    });
  }
}
report("kafka", rows, [
  `${RECORDS} records of ${VALUE_BYTES}-byte values to one partition per cell, one broker process (2 shards, flush off) on loopback; MB/s counts value bytes only.`,
  "kafkajs produce: 1,000-message send() calls, 8 in flight, acks=1; kafkajs consume: a group consumer, timed from the first batch to the last (group join excluded).",
  "kcat: wall time of the whole process (start-up, metadata and, for consume, the end-of-partition fetch included: fetch.wait.max.ms=100); produce with acks=1, linger.ms=5.",
  "WebSocket: src/client producer (acks=1, lingerMs 5, every send() issued at once) and a streaming consumer from the earliest offset.",
]);
process.exit(0);
