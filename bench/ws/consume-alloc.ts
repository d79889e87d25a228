// Bytes the consumer allocates per record, client alone (bench/ws/client-ceiling.ts's consumerCeiling), for
// one or more trees: counted as young-generation collections of a fixed semi-space, which stays readable on
// a loaded machine where CPU time does not (docs/benchmarks.md, "Consume over one WebSocket").
//
//   node --max-semi-space-size=8 --min-semi-space-size=8 build/bench/bench/ws/consume-alloc.js <tree> ...
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

for (const tree of process.argv.slice(2)) {
  const { consumerCeiling } = (await import(`${tree}/build/bench/bench/ws/client-ceiling.js`)) as typeof Ceiling;
  await consumerCeiling(500_000, 100); // warm-up
  await settle();
  scavenges = 0;
  await consumerCeiling(RECORDS, 100);
  await settle();
  console.log(`${tree}: ${scavenges} scavenges per ${RECORDS.toLocaleString("en-US")} records, ~${Math.round((scavenges * SEMI_SPACE_MIB * 1024 * 1024) / RECORDS)} B allocated per record`);
}
