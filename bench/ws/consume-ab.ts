// Consume from the start over one WebSocket, two or more builds side by side in one run (docs/benchmarks.md,
// "Consume over one WebSocket"): for each round, for each tree in turn, a broker child process started from
// that tree's build (bench/lib/server-process.js on a shared data dir, one at a time) and a consumer loaded
// from that tree's dist/. Reports records/s, the time to the first record and the rate after it, and the
// records per CPU-second of the consumer process and of the broker process (all its threads; Linux
// /proc), and the CPU nanoseconds per record of the broker's main thread alone (/proc/<pid>/task/<pid>; in
// 10 ms ticks, so a run should take a second or more): on a loaded machine the CPU figures stay readable
// where wall-clock rates do not.
//
//   node build/bench/bench/ws/consume-ab.js <data-dir> <records> <label>=<tree>[:<windowBytes>:<maxChunkBytes>[:<mode>]] ...
// <mode>: empty (`for await`, one record at a time), "batches" (consumer.batches()), "rows" (consumer.rows(),
// reading each record's offset and value length without allocating), "rows-views" (rows(), with the
// allocating accessors offset(i) and value(i)). A mode ending in "-nocrc" reads with checkCrcs: false.
//   CONSUME_AB_FILL=1 fills the topic "consume" (100-byte records) with the first tree; CONSUME_AB_REPS (3);
//   BENCH_PLAIN_NODE=1 starts the brokers without BROKER_NODE_FLAGS (src/cli/node-flags.ts).
//   CONSUME_AB_WARMUP=1 measures a second pass over the same broker (its read path compiled, as in service).
//   CONSUME_AB_THREADS=1 prints the broker's CPU per record by thread name (main, shard workers, libuv, V8's).
//   CONSUME_AB_BROKER_ARGS: node options for the broker children, space-separated (e.g. "--cpu-prof
//   --cpu-prof-dir=/tmp/prof": NODE_OPTIONS refuses --cpu-prof).
// Each tree needs `npm ci` (dist/) and `npx tsc -p tsconfig.bench.json` (build/bench/).
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type * as ClientModule from "../../src/client/index.js";
import type * as ConsumeBench from "../../src/cli/bench/consume.js";
import { cpuMs, threadsCpuMs } from "../lib/proc-cpu.js";
import { machine, resultsDir } from "../lib/report.js";
import { brokerNodeFlags } from "./common.js";

const [dataDir, recordsText, ...specs] = process.argv.slice(2);
if (!dataDir || !recordsText || specs.length === 0) {
  console.error("usage: consume-ab.js <data-dir> <records> <label>=<tree>[:<window>:<chunk>[:batches|rows|rows-views]] ...");
  process.exit(2);
}
const records = Number(recordsText);
const reps = Number(process.env.CONSUME_AB_REPS ?? 3);
/** CONSUME_AB_WARMUP=1: each broker serves one whole unmeasured pass first (a warm broker, as in service). */
const warmup = process.env.CONSUME_AB_WARMUP === "1";

/** CPU seconds (user + system, all threads) a process has used so far; NaN where /proc is not there. */
function cpuSecondsOf(pid: number, thread?: number): number {
  return cpuMs(pid, thread) / 1000;
}

/** Every thread's name and CPU seconds so far (Linux /proc), for CONSUME_AB_THREADS' breakdown. */
function threadsOf(pid: number): Map<string, { name: string; cpu: number }> {
  const out = new Map<string, { name: string; cpu: number }>();
  for (const [tid, { name, ms }] of threadsCpuMs(pid)) out.set(String(tid), { name: tid === pid ? "main" : `${name}/${tid}`, cpu: ms / 1000 });
  return out;
}

/** CPU ns per record by thread name between two snapshots ("name xN" when N threads share it). */
function threadBreakdown(before: Map<string, { name: string; cpu: number }>, after: Map<string, { name: string; cpu: number }>, records: number): string {
  const byName = new Map<string, { ns: number; n: number }>();
  for (const [tid, { name, cpu }] of after) {
    const spent = cpu - (before.get(tid)?.cpu ?? 0);
    const entry = byName.get(name) ?? { ns: 0, n: 0 };
    entry.ns += (spent / records) * 1e9;
    entry.n++;
    byName.set(name, entry);
  }
  return [...byName].filter(([, e]) => e.ns > 0).sort((a, b) => b[1].ns - a[1].ns).map(([name, e]) => `${name}${e.n > 1 ? ` x${e.n}` : ""} ${e.ns.toFixed(0)} ns`).join(", ");
}

async function startBroker(tree: string): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const nodeArgs = (process.env.CONSUME_AB_BROKER_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...brokerNodeFlags(), ...nodeArgs, `${tree}/build/bench/bench/lib/server-process.js`, dataDir!, "2"], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const line = await new Promise<string>((resolve, reject) => {
    // The first line that starts with "{" is the broker's address; anything else (e.g. --trace-gc) goes to stderr.
    createInterface({ input: child.stdout! }).on("line", (text) => (text.startsWith("{") ? resolve(text) : process.stderr.write(text + "\n")));
    child.once("exit", (code) => reject(new Error(`broker exited with ${code}`)));
  });
  const { port } = JSON.parse(line) as { port: number };
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    pid: child.pid!,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Reads `records` records of topic "consume" from the start in one of the modes; returns when the first arrived. */
async function consumeAll(c: Awaited<ReturnType<typeof ClientModule.connect>>, window: string | undefined, chunk: string | undefined, modeSpec: string | undefined): Promise<number> {
  // "<mode>-nocrc": the same loop with checkCrcs: false.
  const noCrc = modeSpec?.endsWith("-nocrc") === true;
  const mode = noCrc ? modeSpec!.slice(0, -"-nocrc".length) : modeSpec;
  const consumer = c.consumer({
    topic: "consume",
    from: "earliest",
    ...(noCrc ? { checkCrcs: false } : {}),
    ...(window ? { windowBytes: Number(window) } : {}),
    ...(chunk ? { maxChunkBytes: Number(chunk) } : {}),
  });
  let count = 0;
  let first = 0;
  await consumer.start();
  if (mode === "batches") {
    outer: for await (const batch of consumer.batches()) {
      if (!first) first = performance.now();
      for (let i = 0; i < batch.length; i++) if (++count >= records) break outer;
    }
  } else if (mode === "rows") {
    outer: for await (const rows of consumer.rows()) {
      if (!first) first = performance.now();
      for (let i = 0; i < rows.count; i++) {
        // (Nothing accumulated across the awaits: a double kept there is boxed, one allocation per record.)
        if (rows.valueLength(i) < 0 || rows.offsetNumber(i) < 0) throw new Error("lost a value");
        if (++count >= records) break outer;
      }
    }
  } else if (mode === "rows-views") {
    outer: for await (const rows of consumer.rows()) {
      if (!first) first = performance.now();
      for (let i = 0; i < rows.count; i++) {
        if (rows.value(i) === null || rows.offset(i) < 0n) throw new Error("lost a value");
        if (++count >= records) break outer;
      }
    }
  } else {
    for await (const record of consumer) {
      if (record.value === null) throw new Error("lost a value");
      if (++count === 1) first = performance.now();
      if (count >= records) break;
    }
  }
  await consumer.close();
  return first;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows = new Map<string, { rate: number[]; first: number[]; after: number[]; clientCpu: number[]; brokerCpu: number[]; mainNs: number[] }>();

for (let rep = 0; rep < reps; rep++) {
  for (const spec of specs) {
    const [label, rest = ""] = spec.split("=");
    const [tree = "", window, chunk, mode] = rest.split(":");
    const client = (await import(`${tree}/dist/client/index.js`)) as typeof ClientModule;
    const broker = await startBroker(tree);
    try {
      const c = await client.connect({ url: broker.url });
      if (process.env.CONSUME_AB_FILL && rep === 0 && spec === specs[0]) {
        const { ensureRecords } = (await import(`${tree}/dist/cli/bench/consume.js`)) as typeof ConsumeBench;
        await c.admin.createTopic("consume", { partitions: 1 }).catch(() => undefined);
        await ensureRecords(c, "consume", records, 100);
      }
      // A broker that has run for a while has its read path compiled by the optimizing tier; a fresh one
      // spends the first second or two compiling it (on V8's threads, counted in the broker's CPU).
      if (warmup) await consumeAll(c, window, chunk, mode);
      const started = performance.now();
      const clientCpu0 = process.cpuUsage();
      const brokerCpu0 = cpuSecondsOf(broker.pid);
      const mainCpu0 = cpuSecondsOf(broker.pid, broker.pid);
      const threads0 = process.env.CONSUME_AB_THREADS ? threadsOf(broker.pid) : undefined;
      const first = await consumeAll(c, window, chunk, mode);
      const ended = performance.now();
      const clientCpu = process.cpuUsage(clientCpu0);
      const brokerCpu = cpuSecondsOf(broker.pid) - brokerCpu0;
      const mainCpu = cpuSecondsOf(broker.pid, broker.pid) - mainCpu0;
      if (threads0) process.stderr.write(`[consume-ab] ${label} broker CPU per record by thread: ${threadBreakdown(threads0, threadsOf(broker.pid), records)}\n`);
      c.close();
      const row = rows.get(label!) ?? { rate: [], first: [], after: [], clientCpu: [], brokerCpu: [], mainNs: [] };
      rows.set(label!, row);
      row.rate.push(records / ((ended - started) / 1000) / 1e6);
      row.first.push(first - started);
      row.after.push((records - 1) / ((ended - first) / 1000) / 1e6);
      row.clientCpu.push(records / ((clientCpu.user + clientCpu.system) / 1e6) / 1e6);
      row.brokerCpu.push(records / brokerCpu / 1e6);
      row.mainNs.push((mainCpu / records) * 1e9);
      const peak = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${broker.pid}/status`, "utf8"))?.[1];
      process.stderr.write(`[consume-ab] ${label} rep ${rep + 1}: ${row.rate.at(-1)!.toFixed(2)} M rec/s, broker peak RSS ${peak ? Math.round(Number(peak) / 1024) : "?"} MiB\n`);
    } finally {
      await broker.stop();
    }
  }
}
for (const [label, row] of rows) {
  console.log(
    `${label}: ${median(row.rate).toFixed(2)} M rec/s median (${Math.min(...row.rate).toFixed(2)}-${Math.max(...row.rate).toFixed(2)}), ` +
      `first record after ${median(row.first).toFixed(1)} ms, ${median(row.after).toFixed(2)} M rec/s after it; ` +
      `per CPU-second: consumer ${median(row.clientCpu).toFixed(2)} M rec (${Math.min(...row.clientCpu).toFixed(2)}-${Math.max(...row.clientCpu).toFixed(2)}), ` +
      `broker ${median(row.brokerCpu).toFixed(2)} M rec (${Math.min(...row.brokerCpu).toFixed(2)}-${Math.max(...row.brokerCpu).toFixed(2)}); ` +
      `broker main thread ${median(row.mainNs).toFixed(0)} ns CPU per record (${Math.min(...row.mainNs).toFixed(0)}-${Math.max(...row.mainNs).toFixed(0)})`,
  );
}
// Every repetition's figures (M records/s, M records per CPU-second, ns per record), with the run's settings.
mkdirSync(resultsDir, { recursive: true });
const jsonFile = join(resultsDir, "consume-ab.json");
const settings = { records, reps, specs, warmup, threads: Boolean(process.env.CONSUME_AB_THREADS), plainNode: process.env.BENCH_PLAIN_NODE === "1" };
writeFileSync(jsonFile, JSON.stringify({ benchmark: "consume-ab", machine: machine(), settings, rows: Object.fromEntries(rows) }, null, 2) + "\n");
console.log(`wrote ${jsonFile}`);
