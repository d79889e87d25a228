// The producer's figures from issue 14, before and after the pipelined producer, side by side:
//   fsync     the machine's fdatasync latency (4 KiB appends in the benchmark's data dir): the floor under
//             acks=all with flush.messages=1
//   latency   produce-to-consume at 20 k records/s, one partition, linger 0, with acks=1 (flush off) and
//             acks=all on a topic with flush.messages=1 (an fsync per batch)
//   produce   one producer, one partition, one WebSocket, 100-byte records, default producer options, acks=all;
//             once with send() per record and once with sendAll() in calls of 1,000 records
//   consume   one consumer, one WebSocket, from the start of the produced topic
// Each run writes bench/results/ws-producer-<label>.json (PRODUCER_BENCH_LABEL, default "after"); when a
// "before" file exists the table shows both columns and their ratio. The "before" file was written by this
// same script on the commit before the pipeline (the client code it measures is whatever dist/ holds).
// Knobs: PRODUCER_BENCH_LABEL, PRODUCER_BENCH_RECORDS (1 M), PRODUCER_BENCH_SECONDS (5), PRODUCER_BENCH_REPS (2).
import { closeSync, existsSync, fdatasyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type * as ClientModule from "../src/client/index.js";
import type * as ConsumeBench from "../src/cli/bench/consume.js";
import type * as E2eBench from "../src/cli/bench/e2e.js";
import type * as ProduceBench from "../src/cli/bench/produce.js";
import type * as Stats from "../src/cli/bench/stats.js";
import { machine, resultsDir } from "./lib/report.js";
import { loadDist, progress, staleDistFiles, startBrokerProcess } from "./ws/common.js";

const label = process.env.PRODUCER_BENCH_LABEL ?? "after";
const records = Number(process.env.PRODUCER_BENCH_RECORDS ?? 1_000_000);
const seconds = Number(process.env.PRODUCER_BENCH_SECONDS ?? 5);
const reps = Number(process.env.PRODUCER_BENCH_REPS ?? 2);
const RECORD_SIZE = 100;
const RATE = 20_000;

const { connect } = await loadDist<typeof ClientModule>("dist/client/index.js");
const { benchProduce } = await loadDist<typeof ProduceBench>("dist/cli/bench/produce.js");
const { benchConsume } = await loadDist<typeof ConsumeBench>("dist/cli/bench/consume.js");
const { benchE2e } = await loadDist<typeof E2eBench>("dist/cli/bench/e2e.js");
const { latency } = await loadDist<typeof Stats>("dist/cli/bench/stats.js");

const stale = staleDistFiles();
if (stale.length) progress(`WARNING: dist/ is older than ${stale.length} source file(s): run npm run build:ts`);

type Figures = Record<string, number>;
const figures: Figures = {};
const load = loadavg()[0]!;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

/** fdatasync after each 4 KiB append, `count` times: p50 and p99 in ms. */
function fsyncLatency(dir: string, count = 500): { p50: number; p99: number } {
  const path = join(dir, "fsync-probe");
  const fd = openSync(path, "w");
  const block = new Uint8Array(4096).fill(0x61);
  const samples = new Float64Array(count);
  try {
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      writeSync(fd, block);
      fdatasyncSync(fd);
      samples[i] = performance.now() - t;
    }
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
  const l = latency(samples, count);
  return { p50: l.p50, p99: l.p99 };
}

const dataDir = mkdtempSync(join(tmpdir(), "rivulet-ws-producer-bench-"));
const broker = await startBrokerProcess(dataDir);
const client = await connect({ url: broker.url, reconnect: false });
try {
  const fsync = fsyncLatency(dataDir);
  figures["fdatasync p50 ms"] = fsync.p50;
  figures["fdatasync p99 ms"] = fsync.p99;
  progress(`fdatasync: p50 ${fsync.p50.toFixed(2)} ms, p99 ${fsync.p99.toFixed(2)} ms`);

  for (const acks of [1, "all"] as const) {
    const topic = `latency-acks-${acks}`;
    await client.admin.createTopic(topic, { partitions: 1, configs: acks === "all" ? { "flush.messages": "1" } : {} });
    const result = await benchE2e({ url: broker.url, topic, rate: RATE, seconds, warmupSeconds: 1, recordSize: RECORD_SIZE, producer: { acks, lingerMs: 0 } });
    const l = result.latencyMs;
    progress(`latency acks=${acks} @ ${RATE}/s: p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms, max ${l.max.toFixed(1)} ms, achieved ${Math.round(result.achievedRate)}/s`);
    figures[`latency acks=${acks} p50 ms`] = l.p50;
    figures[`latency acks=${acks} p99 ms`] = l.p99;
    figures[`latency acks=${acks} achieved rec/s`] = result.achievedRate;
  }

  await client.admin.createTopic("produce", { partitions: 1 });
  await benchProduce(client, { topic: "produce", records: Math.round(records / 5), recordSize: RECORD_SIZE }); // warm-up
  const produced: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const r = await benchProduce(client, { topic: "produce", records, recordSize: RECORD_SIZE });
    produced.push(r.recordsPerSec);
    progress(`produce 1 partition rep ${rep + 1}: ${(r.recordsPerSec / 1e6).toFixed(2)} M rec/s`);
  }
  figures["produce 1p rec/s"] = median(produced);

  // The same, handing the producer 1,000 records per sendAll() call (one promise per call, none per record):
  // the client's own per-record cost is most of a one-partition produce on two cores (issue 14).
  const producedAll: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const rate = await produceWithSendAll(client, "produce", records);
    producedAll.push(rate);
    progress(`produce 1 partition, sendAll(1,000) rep ${rep + 1}: ${(rate / 1e6).toFixed(2)} M rec/s`);
  }
  figures["produce 1p sendAll rec/s"] = median(producedAll);

  const consumed: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const r = await benchConsume(client, { topic: "produce", records });
    consumed.push(r.recordsPerSec);
    progress(`consume from start rep ${rep + 1}: ${(r.recordsPerSec / 1e6).toFixed(2)} M rec/s`);
  }
  figures["consume from start rec/s"] = median(consumed);
} finally {
  client.close();
  await broker.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

const file = (name: string) => join(resultsDir, `ws-producer-${name}.json`);
writeFileSync(file(label), JSON.stringify({ label, machine: machine(), loadAverage: load, records, seconds, reps, figures }, null, 2) + "\n");
const other = label === "before" ? undefined : existsSync(file("before")) ? (JSON.parse(readFileSync(file("before"), "utf8")) as { figures: Figures; loadAverage: number }) : undefined;
const lines = [`ws-producer (${label}; load average ${load.toFixed(2)}${other ? `, before: ${other.loadAverage.toFixed(2)}` : ""})`];
for (const [name, value] of Object.entries(figures)) {
  const before = other?.figures[name];
  lines.push(`  ${name.padEnd(34)} ${before !== undefined ? `${fmt(before).padStart(12)} -> ` : ""}${fmt(value).padStart(12)}${before !== undefined ? `  (${(value / before).toFixed(2)}x)` : ""}`);
}
console.log(lines.join("\n"));
process.exit(0);

/** `records` 100-byte records through sendAll() in calls of 1,000, first call to last acknowledgement: records/s. */
async function produceWithSendAll(c: ClientModule.RivuletClient, topic: string, records: number): Promise<number> {
  const producer = c.producer();
  const value = new Uint8Array(RECORD_SIZE).fill(0x61);
  const call = Array.from({ length: 1000 }, () => ({ topic, value }));
  let failure: unknown;
  const calls: Promise<void>[] = [];
  const started = performance.now();
  for (let sent = 0; sent < records && !failure; sent += call.length) {
    // Records are accounted once the topic's metadata is known (a few microtask hops after the call): yield
    // now and then so `congested` can turn true, or the loop would queue every record before any counts.
    if ((calls.length & 7) === 7) await new Promise((resolve) => setImmediate(resolve));
    if (producer.congested) await producer.drained();
    calls.push(producer.sendAll(sent + call.length <= records ? call : call.slice(0, records - sent)).catch((error: unknown) => void (failure ??= error)));
  }
  await Promise.all(calls);
  const seconds = (performance.now() - started) / 1000;
  await producer.close();
  if (failure) throw failure;
  return records / seconds;
}

function fmt(v: number): string {
  return v >= 1000 ? Math.round(v).toLocaleString("en-US") : v.toFixed(3);
}
