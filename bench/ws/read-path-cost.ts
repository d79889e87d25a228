// The broker main thread's cost of the streaming read path alone (docs/benchmarks.md, "Consume from the
// start: reusable read buffers"): no socket, no client. A broker from the given tree's dist/ runs in this
// process and one reader walks the topic from the start with Broker.readChunk, as a subscriber's cursor
// does (whole batches, next offset from the last batch), copying each chunk once as a sender would. Per
// pass (stderr) and over all passes (stdout): this thread's CPU (Linux /proc, 10 ms ticks) per chunk and per
// record, and the GC it saw.
//
//   node build/bench/bench/ws/read-path-cost.js <tree> <data-dir> [passes=3] [topic=consume] [chunkBytes=262144]
// The data dir is one consume-ab filled (CONSUME_AB_FILL=1). The first pass warms up and is not reported.
import { PerformanceObserver, constants } from "node:perf_hooks";
import type * as BrokerModule from "../../src/broker/index.js";
import { cpuMs } from "../lib/proc-cpu.js";
import type * as CoreModule from "../../src/core/index.js";

const [tree, dataDir, passesText = "3", topic = "consume", chunkText = "262144"] = process.argv.slice(2);
if (!tree || !dataDir) {
  console.error("usage: read-path-cost.js <tree> <data-dir> [passes] [topic] [chunkBytes]");
  process.exit(2);
}
const chunkBytes = Number(chunkText);

/** CPU seconds this process's main thread has used (NaN where /proc is not there). */
function mainThreadCpu(): number {
  return cpuMs(process.pid, process.pid) / 1000;
}

let gcMs = 0;
let majorGcs = 0;
let minorGcs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcMs += entry.duration;
    if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majorGcs++;
    else minorGcs++;
  }
}).observe({ entryTypes: ["gc"] });

const { createBroker } = (await import(`${tree}/dist/broker/index.js`)) as typeof BrokerModule;
const { batchSizeAt, lastOffsetAt, viewOf, wholeBatchesEnd } = (await import(`${tree}/dist/core/index.js`)) as typeof CoreModule;
const broker = await createBroker({ dataDir, shards: 2, logLevel: "error" });
const frame = new Uint8Array(Math.max(chunkBytes * 4, 1 << 20));
const totals = { cpu: 0, records: 0, chunks: 0, gcMs: 0, major: 0 };
for (let pass = 0; pass <= Number(passesText); pass++) {
  gcMs = majorGcs = minorGcs = 0;
  const cpu0 = mainThreadCpu();
  const started = performance.now();
  let offset = 0n;
  let chunks = 0;
  for (;;) {
    const { records } = await broker.readChunk(topic, 0, offset, chunkBytes);
    if (records.byteLength === 0) break;
    const view = viewOf(records);
    const end = wholeBatchesEnd(records, 0, records.length);
    let last = 0;
    for (let at = 0; at < end; at += batchSizeAt(view, at)) last = at;
    if (records.length <= frame.length - 33) frame.set(records, 33);
    offset = lastOffsetAt(view, last) + 1n;
    chunks++;
  }
  const cpu = mainThreadCpu() - cpu0;
  const wallMs = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 20)); // let the GC observer report
  if (pass === 0) continue;
  Object.assign(totals, { cpu: totals.cpu + cpu, records: totals.records + Number(offset), chunks: totals.chunks + chunks, gcMs: totals.gcMs + gcMs, major: totals.major + majorGcs });
  console.error(
    `${tree} pass ${pass}: ${offset} records in ${chunks} chunks, ${wallMs.toFixed(0)} ms; main thread ${(cpu * 1000).toFixed(0)} ms CPU = ` +
      `${((cpu * 1e6) / chunks).toFixed(1)} us per chunk, ${((cpu * 1e9) / Number(offset)).toFixed(1)} ns per record; GC ${gcMs.toFixed(1)} ms (${majorGcs} major, ${minorGcs} minor)`,
  );
}
// Over every measured pass (a pass alone is a few 10 ms ticks):
console.log(
  `${tree}: ${totals.records} records, ${totals.chunks} chunks; main thread ${((totals.cpu * 1e6) / totals.chunks).toFixed(1)} us CPU per chunk, ` +
    `${((totals.cpu * 1e9) / totals.records).toFixed(1)} ns per record; GC ${(totals.gcMs / (totals.records / 1e6)).toFixed(1)} ms and ${(totals.major / (totals.records / 1e6)).toFixed(2)} major collections per million records`,
);
await broker.close();
