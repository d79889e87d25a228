// Bytes the consumer allocates per record, client alone (bench/ws/client-ceiling.ts's consumerCeiling), for
// one or more trees: counted as young-generation collections of a fixed semi-space, which stays readable on
// a loaded machine where CPU time does not (docs/benchmarks.md, "Consume over one WebSocket"). Also prints
// the run's records/s and records per CPU-second; CONSUME_ALLOC_REPS (1) alternates the trees that often.
//
//   node --max-semi-space-size=8 --min-semi-space-size=8 build/bench/bench/ws/consume-alloc.js <tree>[:<mode>] ...
// <mode>: for-await (default), batches, rows (consumerCeiling's modes; a tree without rows() has only the first).
// Each tree needs dist/ and build/bench/ (npx tsc -p tsconfig.bench.json).
import { constants, PerformanceObserver } from "node:perf_hooks";
import type * as Ceiling from "./client-ceiling.js";

const SEMI_SPACE_MIB = 8;
const RECORDS = 3_000_000;
let scavenges = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
}).observe({ entryTypes: ["gc"] });
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

const trees = process.argv.slice(2);
type Mode = "for-await" | "batches" | "rows";
const ceilings = new Map<string, (records: number, size: number) => Promise<number>>();
for (const spec of trees) {
  const [tree = "", mode = "for-await"] = spec.split(":");
  const { consumerCeiling } = (await import(`${tree}/build/bench/bench/ws/client-ceiling.js`)) as typeof Ceiling;
  const run = (records: number, size: number) => consumerCeiling(records, size, 2000, mode as Mode);
  ceilings.set(spec, run);
  await run(500_000, 100); // warm-up
}
for (let rep = 0; rep < Number(process.env.CONSUME_ALLOC_REPS ?? 1); rep++) {
  for (const tree of trees) {
    await settle();
    scavenges = 0;
    const cpu = process.cpuUsage();
    const rate = await ceilings.get(tree)!(RECORDS, 100);
    const used = process.cpuUsage(cpu);
    const count = scavenges;
    await settle();
    console.log(
      `${tree}: ${count} scavenges per ${RECORDS.toLocaleString("en-US")} records, ~${Math.round((count * SEMI_SPACE_MIB * 1024 * 1024) / RECORDS)} B allocated per record; ` +
        `${(rate / 1e6).toFixed(2)} M rec/s, ${(RECORDS / ((used.user + used.system) / 1e6) / 1e6).toFixed(2)} M rec per CPU-second`,
    );
  }
}
