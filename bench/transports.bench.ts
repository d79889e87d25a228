// The two HTTP/WebSocket transports side by side (docs/operations.md "Transports"): the same broker and the
// same client over loopback, once with uWebSockets.js and once with node:http + ws, interleaved rep by rep
// (uws, node, uws, node, ...) so machine noise hits both alike. Per transport and rep, a fresh broker child
// process (bench/lib/server-process.ts with RIVULET_TRANSPORT), one 1-partition topic:
//   produce   TRANSPORT_BENCH_RECORDS (default 1 M) records of 100 B, linger 5 ms, acks=all
//   consume   those records read back from the start (credit window 1 MiB)
// Reported: median records/s per transport and the node/uws ratio (JSON: bench/results/transports.json).
// Knobs: TRANSPORT_BENCH_RECORDS, TRANSPORT_BENCH_REPS (3). Skips uws where its native build does not load.
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type * as ClientModule from "../src/client/index.js";
import type * as ConsumeBench from "../src/cli/bench/consume.js";
import type * as ProduceBench from "../src/cli/bench/produce.js";
import type * as UwsModule from "../src/frontends/uws.js";
import { report, type Row } from "./lib/report.js";
import { loadDist, progress, startBrokerProcess } from "./ws/common.js";

const records = Number(process.env.TRANSPORT_BENCH_RECORDS ?? 1_000_000);
const reps = Number(process.env.TRANSPORT_BENCH_REPS ?? 3);
const RECORD_SIZE = 100;
const loadAtStart = loadavg()[0]!;

const { connect } = await loadDist<typeof ClientModule>("dist/client/index.js");
const { benchProduce } = await loadDist<typeof ProduceBench>("dist/cli/bench/produce.js");
const { benchConsume } = await loadDist<typeof ConsumeBench>("dist/cli/bench/consume.js");
const { loadNativeUws } = await loadDist<typeof UwsModule>("dist/frontends/uws.js");

const transports: ("uws" | "node")[] = ["node"];
try {
  loadNativeUws();
  transports.unshift("uws");
} catch {
  progress("uWebSockets.js does not load on this Node: measuring the node transport alone");
}

const results: Record<string, { produce: number[]; consume: number[] }> = {};
for (const t of transports) results[t] = { produce: [], consume: [] };

for (let rep = 0; rep < reps; rep++) {
  for (const transport of transports) {
    const dataDir = mkdtempSync(join(tmpdir(), `rivulet-transport-bench-${transport}-`));
    process.env.RIVULET_TRANSPORT = transport; // inherited by the broker child
    const broker = await startBrokerProcess(dataDir);
    try {
      const client = await connect({ url: broker.url, reconnect: false });
      await client.admin.createTopic("t", { partitions: 1 });
      (globalThis as { gc?: () => void }).gc?.();
      const produced = await benchProduce(client, { topic: "t", records, recordSize: RECORD_SIZE });
      (globalThis as { gc?: () => void }).gc?.();
      const consumed = await benchConsume(client, { topic: "t", records });
      client.close();
      results[transport]!.produce.push(produced.recordsPerSec);
      results[transport]!.consume.push(consumed.recordsPerSec);
      progress(`rep ${rep + 1}/${reps} ${transport}: produce ${(produced.recordsPerSec / 1e6).toFixed(2)} M rec/s, consume ${(consumed.recordsPerSec / 1e6).toFixed(2)} M rec/s`);
    } finally {
      await broker.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const rows: Row[] = [];
for (const phase of ["produce", "consume"] as const) {
  const uws = results.uws ? median(results.uws[phase]) : undefined;
  for (const transport of transports) {
    const values = results[transport]![phase];
    const value = median(values);
    rows.push({
      group: phase,
      name: `${transport}: ${phase === "produce" ? "100 B records, linger 5 ms, acks=all" : "from the start, window 1 MiB"}, 1 partition`,
      value,
      unit: "records/s",
      "MB/s": (value * RECORD_SIZE) / 1e6,
      "range (M rec/s)": `${(Math.min(...values) / 1e6).toFixed(2)}-${(Math.max(...values) / 1e6).toFixed(2)}`,
      "vs uws": uws ? `${(value / uws).toFixed(2)}x` : "n/a",
      records,
      reps: String(values.length),
    });
  }
}
report("transports", rows, [
  `interleaved reps (${transports.join(", ")}), a fresh broker process per rep; MB/s counts record values only`,
  `load average at start ${loadAtStart.toFixed(1)} (absolute rates fall with it; the ratios are the result)`,
]);
