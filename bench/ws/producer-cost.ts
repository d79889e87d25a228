// What one producer costs its own process per record: one partition, one WebSocket, 100-byte values,
// default producer options (acks=all on a topic with flush off), broker in a child process.
//
//   npm run build && npx tsc -p tsconfig.bench.json
//   node build/bench/bench/ws/producer-cost.js [sendAll|send|sendMany] [records]
//
// Prints one JSON line: records/s (first call to last acknowledgement), client CPU per M records (user +
// system of this process: the producer, the socket, `ws`), heap bytes allocated per record (from V8's GC
// profiler: what each collection found used, minus what the previous one left), and collections per 10,000
// records, and the broker process's CPU per M records (from /proc, Linux only: its main thread, its busiest
// other thread (the one shard's) and the rest: GC helpers, libuv's pool). To compare two trees, build this file in each (it loads the dist/ of the tree it is built in) and
// alternate runs of the two; one run per process keeps the heaps apart. Warm-up: a fifth of the records
// first, not measured. PRODUCER_COST_BROKER_PROF=<dir>: the broker runs with --cpu-prof into <dir> (one
// profile per thread; summarise with profile-summary.js). Client profile: node --cpu-prof producer-cost.js.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PerformanceObserver } from "node:perf_hooks";

import { Session } from "node:inspector/promises";
import v8 from "node:v8";
import type * as ClientModule from "../../src/client/index.js";
import { threadsCpuMs } from "../lib/proc-cpu.js";
import { loadDist, startBrokerProcess } from "./common.js";

const style = (process.argv[2] ?? "sendAll") as "sendAll" | "send" | "sendMany";
const records = Number(process.argv[3] ?? 1_000_000);
const CALL = 1000;
// PRODUCER_COST_OPTIONS='{"batchBytes":1048576}': producer options for the run (default: the defaults).
const producerOptions = JSON.parse(process.env.PRODUCER_COST_OPTIONS ?? "{}") as Record<string, unknown>;
const { connect } = await loadDist<typeof ClientModule>("dist/client/index.js");

async function produce(client: ClientModule.RivuletClient, topic: string, count: number): Promise<number> {
  const producer = client.producer(producerOptions);
  const value = new Uint8Array(100).fill(0x61);
  const started = performance.now();
  if (style === "send") {
    let acked = 0;
    let failure: unknown;
    await new Promise<void>((resolve, reject) => {
      const onAck = () => void (++acked === count && resolve());
      const onError = (error: unknown) => void (failure ??= error, reject(error));
      let sent = 0;
      const loop = async () => {
        while (sent < count && !failure) {
          if (producer.congested) await producer.drained();
          const end = Math.min(count, sent + CALL);
          for (; sent < end; sent++) producer.send({ topic, value }).then(onAck, onError);
          await new Promise((r) => setImmediate(r));
        }
      };
      loop().catch(reject);
    });
  } else {
    const call = Array.from({ length: CALL }, () => ({ topic, value }));
    const calls: Promise<unknown>[] = [];
    for (let sent = 0; sent < count; sent += CALL) {
      if ((calls.length & 7) === 7) await new Promise((resolve) => setImmediate(resolve));
      if (producer.congested) await producer.drained();
      const part = sent + CALL <= count ? call : call.slice(0, count - sent);
      calls.push(style === "sendAll" ? producer.sendAll(part) : producer.sendMany(part));
    }
    await Promise.all(calls);
  }
  const seconds = (performance.now() - started) / 1000;
  await producer.close();
  return count / seconds;
}

const dataDir = mkdtempSync(join(tmpdir(), "rivulet-producer-cost-"));
const brokerProf = process.env.PRODUCER_COST_BROKER_PROF;
const broker = await startBrokerProcess(dataDir, brokerProf ? { nodeArgs: ["--cpu-prof", "--cpu-prof-dir", brokerProf] } : {});

/** CPU ms used so far by each thread of a process (user + system, from /proc; empty where there is none). */
function threadCpu(pid: number): Map<number, number> {
  return new Map([...threadsCpuMs(pid)].map(([tid, t]) => [tid, t.ms]));
}
const client = await connect({ url: broker.url, reconnect: false });
try {
  await client.admin.createTopic("p", { partitions: 1 });
  await produce(client, "p", Math.round(records / 5));
  let gcs = 0;
  let fullGcs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcs++;
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind !== undefined && kind !== 1) fullGcs++; // 1: scavenge (minor)
    }
  });
  observer.observe({ entryTypes: ["gc"] });
  const profiler = new v8.GCProfiler();
  profiler.start();
  // PRODUCER_COST_HEAP_PROFILE=<file>: a sampling heap profile of the measured run that keeps what the GC
  // collected (so it shows every allocation site, not what was still alive at the end).
  const heapProfile = process.env.PRODUCER_COST_HEAP_PROFILE;
  const session = heapProfile ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post("HeapProfiler.startSampling", { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
  }
  const usedAtStart = v8.getHeapStatistics().used_heap_size;
  const brokerBefore = threadCpu(broker.pid);
  const cpu = process.cpuUsage();
  const rate = await produce(client, "p", records);
  const used = process.cpuUsage(cpu);
  const brokerAfter = threadCpu(broker.pid);
  let brokerMain = 0;
  let busiestOther = 0;
  let brokerTotal = 0;
  for (const [tid, ms] of brokerAfter) {
    const delta = ms - (brokerBefore.get(tid) ?? 0);
    brokerTotal += delta;
    if (tid === broker.pid) brokerMain = delta;
    else busiestOther = Math.max(busiestOther, delta);
  }
  const usedAtEnd = v8.getHeapStatistics().used_heap_size;
  const profile = profiler.stop() as { statistics: { beforeGC: { heapStatistics: { usedHeapSize: number } }; afterGC: { heapStatistics: { usedHeapSize: number } } }[] };
  await new Promise((resolve) => setImmediate(resolve));
  observer.disconnect();
  if (session && heapProfile) {
    const { profile: sampled } = (await session.post("HeapProfiler.stopSampling")) as { profile: unknown };
    writeFileSync(heapProfile, JSON.stringify(sampled));
    session.disconnect();
  }
  let allocated = 0;
  let last = usedAtStart;
  for (const s of profile.statistics) {
    allocated += s.beforeGC.heapStatistics.usedHeapSize - last;
    last = s.afterGC.heapStatistics.usedHeapSize;
  }
  allocated += usedAtEnd - last;
  const out = {
    style,
    records,
    recPerSec: Math.round(rate),
    cpuMsPerM: Math.round(((used.user + used.system) / 1000) * (1e6 / records)),
    bytesPerRecord: Math.round(allocated / records),
    brokerCpuMsPerM: Math.round(brokerTotal * (1e6 / records)),
    brokerMainMsPerM: Math.round(brokerMain * (1e6 / records)),
    brokerShardMsPerM: Math.round(busiestOther * (1e6 / records)),
    brokerRestMsPerM: Math.round((brokerTotal - brokerMain - busiestOther) * (1e6 / records)),
    gcPer10k: +((gcs * 10_000) / records).toFixed(2),
    fullGcPer10k: +((fullGcs * 10_000) / records).toFixed(3),
  };
  console.log(JSON.stringify(out));
} finally {
  client.close();
  await broker.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(0);
