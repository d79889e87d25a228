// Where the produce-to-consume latency at a fixed rate goes (issue 14), in one run, from outside the broker:
//   - per record: send -> acknowledgement (the producer's round trip), send -> consumed (what the peers
//     bench reports), acknowledgement -> consumed (negative when the subscriber gets the batch first);
//   - this process's event-loop delay (perf_hooks.monitorEventLoopDelay) while measuring;
//   - garbage collections per 10,000 records: this process (PerformanceObserver) and every isolate of the
//     broker process (the broker runs with --trace-gc; main thread and each shard worker separately);
//   - CPU per 1,000 records: this process, and the broker process per thread (/proc/<pid>/task/*/stat).
// Counts and CPU per record do not depend on how loaded the machine is the way percentiles do: compare
// builds with them on a busy machine, and with the percentiles on a quiet one.
//
//   npm run build && npx tsc -p tsconfig.bench.json
//   - the fdatasync floor of the same run: a 2 KB write + fdatasync every 1 ms into the broker's data dir
//     for 3 s before the produce starts (what acks=all cannot go below);
//   node build/bench/bench/ws/latency-breakdown.js [--acks 1|all] [--rate 20000] [--seconds 5]
//     [--broker-flags "--max-semi-space-size=32"]   (extra node flags for the broker process)
//     [--no-consumer]   (nobody reads: send -> ack and CPU of a produce-only workload)
//     [--windows 2]     (send -> ack percentiles per window of that many seconds: warm-up against steady state)
import { spawn } from "node:child_process";
import { closeSync, fdatasync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type * as ClientModule from "../../src/client/index.js";
import type * as Stats from "../../src/cli/bench/stats.js";
import { threadsCpuMs } from "../lib/proc-cpu.js";
import { brokerNodeFlags, loadDist } from "./common.js";

const { values: args } = parseArgs({ options: { acks: { type: "string", default: "1" }, rate: { type: "string", default: "20000" }, seconds: { type: "string", default: "5" }, "broker-flags": { type: "string", default: "" }, "no-consumer": { type: "boolean", default: false }, windows: { type: "string", default: "0" } } });
/** Produce only, nobody reading the partition (an ingest workload): send -> ack and the broker's CPU. */
const withConsumer = !args["no-consumer"];
const acks = args.acks === "all" ? "all" : 1;
const rate = Number(args.rate);
const seconds = Number(args.seconds);
const { connect } = await loadDist<typeof ClientModule>("dist/client/index.js");
const { nowMs, filler } = await loadDist<typeof Stats>("dist/cli/bench/stats.js");

const dataDir = mkdtempSync(join(tmpdir(), "rivulet-latency-breakdown-"));
const gcLines: string[] = [];
const script = fileURLToPath(new URL("../lib/server-process.js", import.meta.url));
const brokerFlags = args["broker-flags"]!.split(" ").filter(Boolean);
const child = spawn(process.execPath, ["--trace-gc", ...brokerNodeFlags(), ...brokerFlags, script, dataDir], { stdio: ["ignore", "pipe", "inherit"] });
const exited = new Promise((resolve) => child.once("exit", resolve));
const port = await new Promise<number>((resolve, reject) => {
  createInterface({ input: child.stdout! }).on("line", (line) => {
    if (line.startsWith("{")) resolve((JSON.parse(line) as { port: number }).port);
    else if (/Scavenge|Mark-Compact/.test(line)) gcLines.push(line);
  });
  child.once("exit", (code) => reject(new Error(`broker exited with ${code}`)));
});
const url = `ws://127.0.0.1:${port}/ws`;

const clientGc = { on: false, scavenges: 0, full: 0, ms: 0 };
new PerformanceObserver((list) => {
  if (!clientGc.on) return;
  for (const entry of list.getEntries()) {
    if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === 1) clientGc.scavenges++;
    else clientGc.full++;
    clientGc.ms += entry.duration;
  }
}).observe({ entryTypes: ["gc"] });

/** p50/p99 of a 2 KB write + fdatasync every 1 ms for `ms`, in the broker's data dir (the acks=all floor). */
async function fdatasyncFloor(ms: number): Promise<{ p50: number; p99: number }> {
  const path = join(dataDir, "fdatasync-floor");
  const fd = openSync(path, "w");
  const block = Buffer.alloc(2048, 7);
  const times: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const start = performance.now();
    writeSync(fd, block);
    await new Promise<void>((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
    times.push(performance.now() - start);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  closeSync(fd);
  unlinkSync(path);
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length / 2)]!, p99: times[Math.min(times.length - 1, Math.ceil(0.99 * times.length) - 1)]! };
}
const floor = await fdatasyncFloor(3000);

const admin = await connect({ url, reconnect: false });
const topic = "latency-breakdown";
await admin.admin.createTopic(topic, { partitions: 1, configs: acks === "all" ? { "flush.messages": "1" } : {} });
const consumerClient = await connect({ url, reconnect: false });
const producerClient = await connect({ url, reconnect: false });
const consumer = consumerClient.consumer({ topic, from: "latest" });
if (withConsumer) await consumer.start();
const producer = producerClient.producer({ acks, lingerMs: 0 });

const total = rate * (seconds + 1);
const sendAt = new Float64Array(total);
const ackAt = new Float64Array(total);
const recvAt = new Float64Array(total);
const template = filler(100);
let received = 0;
const reading = !withConsumer ? Promise.resolve() : (async () => {
  for await (const record of consumer) {
    const now = nowMs();
    const v = record.value!;
    recvAt[new DataView(v.buffer, v.byteOffset + 8, 4).getUint32(0, true)] = now;
    if (++received >= total) break;
  }
})();

const delay = monitorEventLoopDelay({ resolution: 1 });
let before: { threads: ReturnType<typeof threadsCpuMs>; cpu: NodeJS.CpuUsage; sent: number; gc: number } | undefined;
let sent = 0;
const begin = performance.now();
while (sent < total) {
  const elapsed = performance.now() - begin;
  if (!before && elapsed > 1000) {
    before = { threads: threadsCpuMs(child.pid!), cpu: process.cpuUsage(), sent, gc: gcLines.length };
    clientGc.on = true;
    delay.enable();
  }
  const due = Math.min(total, Math.floor((elapsed / 1000) * rate));
  if (due > sent) {
    const stamp = nowMs();
    for (; sent < due; sent++) {
      const value = template.slice();
      const view = new DataView(value.buffer);
      view.setFloat64(0, stamp, true);
      view.setUint32(8, sent, true);
      sendAt[sent] = stamp;
      const i = sent;
      producer.send({ topic, value }).then(() => void (ackAt[i] = nowMs()));
    }
  }
  if (producer.congested) await producer.drained();
  await new Promise((resolve) => setTimeout(resolve, 1));
}
delay.disable();
clientGc.on = false;
const thousands = (sent - before!.sent) / 1000;
const cpu = process.cpuUsage(before!.cpu);
const threads = [...threadsCpuMs(child.pid!)].map(([tid, t]) => ({ name: t.name, ms: (t.ms - (before!.threads.get(tid)?.ms ?? 0)) / thousands })).filter((t) => t.ms > 0).sort((a, b) => b.ms - a.ms);
const brokerGc = new Map<string, { scavenges: number; full: number; ms: number }>();
for (const line of gcLines.slice(before!.gc)) {
  const isolate = line.split("]")[0]!.split(":")[1]!;
  const e = brokerGc.get(isolate) ?? { scavenges: 0, full: 0, ms: 0 };
  if (line.includes("Scavenge")) e.scavenges++;
  else e.full++;
  e.ms += Number(/, ([0-9.]+) \/ [0-9.]+ ms/.exec(line)?.[1] ?? 0);
  brokerGc.set(isolate, e);
}
await producer.flush();
await Promise.race([reading, new Promise((resolve) => setTimeout(resolve, 5000))]);

const from = rate; // the warm-up second
const n = total - from;
const series = (f: (i: number) => number) => Float64Array.from({ length: n }, (_, k) => f(from + k)).sort();
const q = (a: Float64Array, p: number) => a[Math.min(a.length - 1, Math.ceil(p * a.length) - 1)]!;
const row = (name: string, a: Float64Array) =>
  `  ${name.padEnd(12)} p50 ${q(a, 0.5).toFixed(2)}  p90 ${q(a, 0.9).toFixed(2)}  p99 ${q(a, 0.99).toFixed(2)}  p99.9 ${q(a, 0.999).toFixed(2)}  max ${a[a.length - 1]!.toFixed(1)} ms`;
const per10k = (count: number) => ((count / thousands) * 10).toFixed(1);
console.log(`acks=${acks} at ${rate} rec/s for ${seconds} s (after a 1 s warm-up); ${received} of ${total} consumed${brokerFlags.length ? `; broker flags ${brokerFlags.join(" ")}` : ""}`);
console.log(`  fdatasync    p50 ${floor.p50.toFixed(2)}  p99 ${floor.p99.toFixed(2)} ms (2 KB every 1 ms for 3 s before the run, same disk)`);
console.log(row("send->ack", series((i) => ackAt[i]! - sendAt[i]!)));
if (withConsumer) {
  console.log(row("send->recv", series((i) => recvAt[i]! - sendAt[i]!)));
  console.log(row("ack->recv", series((i) => recvAt[i]! - ackAt[i]!)));
}
const windowMs = Number(args.windows) * 1000;
if (windowMs > 0) {
  // The same send -> ack figures cut by when the record was sent: the first seconds carry the JIT's warm-up.
  const windows = new Map<number, number[]>();
  for (let i = from; i < total; i++) {
    const w = Math.floor((sendAt[i]! - sendAt[from]!) / windowMs);
    let list = windows.get(w);
    if (!list) windows.set(w, (list = []));
    list.push(ackAt[i]! - sendAt[i]!);
  }
  for (const [w, list] of windows) console.log(row(`ack ${w * Number(args.windows)}-${(w + 1) * Number(args.windows)} s`, Float64Array.from(list).sort()));
}
console.log(`  event-loop delay here: p50 ${(delay.percentile(50) / 1e6).toFixed(2)}  p99 ${(delay.percentile(99) / 1e6).toFixed(2)}  max ${(delay.max / 1e6).toFixed(1)} ms`);
console.log(`  GC per 10k records: client ${per10k(clientGc.scavenges)} scavenges + ${per10k(clientGc.full)} full (${per10k(clientGc.ms)} ms)` +
  [...brokerGc.values()].map((e, k) => `; broker isolate ${k} ${per10k(e.scavenges)} + ${per10k(e.full)} (${per10k(e.ms)} ms)`).join(""));
console.log(`  CPU ms per 1k records: client ${((cpu.user + cpu.system) / 1000 / thousands).toFixed(2)}; broker ${threads.reduce((s, t) => s + t.ms, 0).toFixed(2)} (${threads.slice(0, 4).map((t) => `${t.name} ${t.ms.toFixed(2)}`).join(", ")})`);

await consumer.close();
consumerClient.close();
producerClient.close();
admin.close();
child.kill("SIGTERM");
await exited;
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
