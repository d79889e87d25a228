// The broker's own share of produce latency at a fixed rate (issue 14), in process, no network: a paced
// sender calls broker.produce() with a small batch every millisecond (20 records of 100 bytes: 20,000
// records/s, what a linger-0 client sends at that rate) to a one-partition topic, one shard, and times each
// call from the call to its acknowledgement. Three workloads, alternated rep by rep so a noisy stretch of
// the machine hits them alike:
//   - fdatasync: the floor; write 2 KB to a file in the same temp directory and fdatasync it, every 1 ms;
//   - acks=1: produce into the page cache (flush off);
//   - acks=all: a topic with flush.messages=1, each call answered after a group-committed fdatasync.
// What is left of acks=all above the fdatasync is the broker's cost: the thread hop to the shard and back,
// the append, the group commit's wait. CPU per batch is the whole process (main thread and shard).
import { closeSync, fdatasync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { cluster, FLUSH_OFF_MS, makeBatchPool, median, percentile, progress, quietLogger, removeDir, settle, spread, tempDir, type Broker } from "./common.js";
import type { Row } from "../lib/report.js";

export interface LatencyRun {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** Process CPU (all threads) per call, microseconds. */
  cpuUs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls `op` every `intervalMs` for `seconds` (after a 1 s warm-up), never waiting for earlier calls. */
async function paced(seconds: number, op: () => Promise<unknown>): Promise<LatencyRun> {
  const times: number[] = [];
  const pending: Promise<unknown>[] = [];
  const warmUntil = performance.now() + 1000;
  let cpuBefore: NodeJS.CpuUsage | undefined;
  let calls = 0;
  let end = Infinity;
  let next = performance.now();
  while (performance.now() < end) {
    const now = performance.now();
    if (!cpuBefore && now >= warmUntil) {
      cpuBefore = process.cpuUsage();
      end = now + seconds * 1000;
    }
    // Catch up on every tick that is due (a stalled loop sends the ticks it missed at once, as a client would).
    while (next <= now) {
      next += 1;
      const start = performance.now();
      const measured = cpuBefore !== undefined;
      if (measured) calls++;
      pending.push(op().then(() => void (measured && times.push(performance.now() - start))));
    }
    await sleep(1);
  }
  const cpu = process.cpuUsage(cpuBefore);
  await Promise.all(pending);
  return {
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    p999: percentile(times, 99.9),
    max: Math.max(...times),
    cpuUs: (cpu.user + cpu.system) / calls,
  };
}

async function fdatasyncRun(seconds: number): Promise<LatencyRun> {
  const dir = tempDir("fdatasync");
  const fd = openSync(join(dir, "floor"), "w");
  const block = Buffer.alloc(2048, 7);
  try {
    return await paced(seconds, () => {
      writeSync(fd, block);
      return new Promise<void>((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
    });
  } finally {
    closeSync(fd);
    removeDir(dir);
  }
}

export async function produceRun(acks: 1 | -1, seconds: number, batches: Uint8Array[]): Promise<LatencyRun> {
  const dir = tempDir(`latency-acks${acks}`);
  let broker: Broker | undefined;
  try {
    broker = await cluster.createBroker({ dataDir: dir, shards: 1, logger: quietLogger, logLevel: "error", topicDefaults: { flushMs: FLUSH_OFF_MS } });
    const configs: Record<string, string> = { "flush.ms": String(FLUSH_OFF_MS) };
    if (acks === -1) configs["flush.messages"] = "1";
    await broker.createTopic("latency", { partitions: 1, configs });
    const b = broker;
    let i = 0;
    return await paced(seconds, () => b.produce("latency", 0, batches[i++ % batches.length]!, { acks, transfer: false }));
  } finally {
    await broker?.close();
    removeDir(dir);
  }
}

export async function latencySection(seconds: number, reps: number): Promise<{ rows: Row[]; notes: string[] }> {
  const pool = makeBatchPool(64, 20, 100);
  const kinds = ["fdatasync", "acks=1", "acks=all"] as const;
  const runs = new Map<string, LatencyRun[]>(kinds.map((k) => [k, []]));
  for (let rep = 0; rep < reps; rep++) {
    for (const kind of kinds) {
      settle();
      const run = kind === "fdatasync" ? await fdatasyncRun(seconds) : await produceRun(kind === "acks=1" ? 1 : -1, seconds, pool.batches);
      runs.get(kind)!.push(run);
      progress(`latency rep ${rep + 1}/${reps} ${kind}: p50 ${run.p50.toFixed(3)} p99 ${run.p99.toFixed(3)} p99.9 ${run.p999.toFixed(3)} max ${run.max.toFixed(1)} ms, CPU ${run.cpuUs.toFixed(0)} us/call`);
    }
  }
  const rows: Row[] = kinds.map((kind) => {
    const r = runs.get(kind)!;
    return {
      group: "latency",
      name: kind === "fdatasync" ? "fdatasync (2 KB write + fdatasync), every 1 ms" : `broker.produce ${kind}, 20 records every 1 ms`,
      value: median(r.map((x) => x.p99)),
      unit: "ms p99",
      "p50 ms": spread(r.map((x) => x.p50), 3),
      "p99 ms": spread(r.map((x) => x.p99), 3),
      "p99.9 ms": spread(r.map((x) => x.p999), 2),
      "CPU us/call": median(r.map((x) => x.cpuUs)),
      reps: String(r.length),
    };
  });
  const p99 = (kind: string) => median(runs.get(kind)!.map((x) => x.p99));
  const notes = [
    `latency: ${seconds} s per run after a 1 s warm-up, one shard, one partition; acks=all p99 - fdatasync p99 = ${(p99("acks=all") - p99("fdatasync")).toFixed(3)} ms (issue target: within 1 ms, end to end)`,
  ];
  return { rows, notes };
}
