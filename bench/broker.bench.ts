// Broker core benchmark, in-process (no network): produce and fetch throughput through Broker for
// {1, 2} shards x {1, 8} partitions, flush off, 1,000-record batches of 100-byte values; plus the split of
// one produced batch's cost into copy, thread hop, WASM validate and log write. Sections live in
// bench/broker/. The shards run dist/shard/worker.js, so `npm run build:ts` first (see bench/broker/common.ts).
//
// Every repetition runs every cell (rep-major), so a noisy stretch of the 2-core VM hits all cells alike;
// each cell is a fresh broker on a fresh temp data dir, removed right after. Rows give the median of the
// repetitions with the range.
// Knobs: BROKER_BENCH_SCALE (volume factor, e.g. 0.1 for a profile run), BROKER_BENCH_REPS (default 5),
// BROKER_BENCH_WINDOW (batches in flight per partition, default 8), BROKER_BENCH_ONLY=throughput,cost,latency,
// BROKER_BENCH_LATENCY_SECONDS (per latency run, default 5),
// BROKER_BENCH_CELLS=1s1p,2s8p,2s8pT (a subset of cells, e.g. one cell under node --cpu-prof; T = transfer).
import { loadavg } from "node:os";
import { report, type Row } from "./lib/report.js";
import { costSection } from "./broker/cost.js";
import { latencySection } from "./broker/latency.js";
import { MB, makeBatchPool, median, MiB, now, progress, reps, scale, secondsSince, settle, spread, staleDistFiles } from "./broker/common.js";
import { runCell, type CellResult, type CellSpec } from "./broker/throughput.js";

const PRODUCE_TARGET = 2e6; // records/s, the goal for produce into the page cache with flush off
const FETCH_TARGET = 5e6; // records/s read back
const window = Number(process.env.BROKER_BENCH_WINDOW ?? "8");
const only = process.env.BROKER_BENCH_ONLY?.split(",").map((s) => s.trim());
const onlyCells = process.env.BROKER_BENCH_CELLS?.split(",").map((s) => s.trim());
const bytesPerCell = Math.round(384 * MiB * scale);

const started = now();
const loadBefore = loadavg()[0]!;
const stale = staleDistFiles();
if (stale.length) progress(`WARNING: dist/ is older than ${stale.length} source file(s) (${stale.slice(0, 3).join(", ")}...): run npm run build:ts`);

const pool = makeBatchPool(64, 1000, 100);
progress(`pool: ${pool.batches.length} batches of ${pool.recordsPerBatch} records, ${Math.round(pool.meanBytes)} bytes each; scale ${scale}, ${reps} reps, window ${window}`);

const cells: Array<{ label: string; spec: CellSpec }> = [];
for (const shards of [1, 2]) {
  for (const partitions of [1, 8]) {
    cells.push({ label: `${shards} shard${shards > 1 ? "s" : ""}, ${partitions} partition${partitions > 1 ? "s" : ""}`, spec: { shards, partitions, window, transfer: false, bytes: bytesPerCell } });
  }
}
cells.push({ label: "2 shards, 8 partitions, transfer: true", spec: { shards: 2, partitions: 8, window, transfer: true, bytes: bytesPerCell } });
const cellKey = (spec: CellSpec) => `${spec.shards}s${spec.partitions}p${spec.transfer ? "T" : ""}`;
if (onlyCells) cells.splice(0, cells.length, ...cells.filter((c) => onlyCells.includes(cellKey(c.spec))));

const rows: Row[] = [];
const notes: string[] = [];

if (!only || only.includes("throughput")) {
  const results = cells.map(() => [] as CellResult[]);
  for (let rep = 0; rep < reps; rep++) {
    for (const [c, cell] of cells.entries()) {
      settle();
      const result = await runCell(cell.spec, pool);
      results[c]!.push(result);
      const p = result.produce;
      const f = result.fetch;
      progress(
        `rep ${rep + 1}/${reps} ${cell.label}: produce ${(p.records / p.seconds / 1e6).toFixed(2)} M rec/s ${(p.bytes / p.seconds / MB).toFixed(0)} MB/s ` +
          `(${p.batches} batches, ${result.drainWaits} drain waits); fetch ${(f.records / f.seconds / 1e6).toFixed(2)} M rec/s ${(f.bytes / f.seconds / MB).toFixed(0)} MB/s ` +
          `(${result.fetchCalls} calls) [${secondsSince(started).toFixed(0)} s]`,
      );
    }
  }
  for (const kind of ["produce", "fetch"] as const) {
    for (const [c, cell] of cells.entries()) {
      if (kind === "fetch" && cell.spec.transfer) continue; // the same read path as the cell without transfer
      const runs = results[c]!.map((r) => r[kind]);
      const recordRates = runs.map((t) => t.records / t.seconds);
      const byteRates = runs.map((t) => t.bytes / t.seconds / MB);
      const target = kind === "produce" ? PRODUCE_TARGET : FETCH_TARGET;
      rows.push({
        group: kind,
        name: cell.label,
        value: median(recordRates),
        unit: "records/s",
        "MB/s": median(byteRates),
        "M rec/s (range)": spread(recordRates, 2, 1e6),
        "vs target": `${(median(recordRates) / target).toFixed(2)}x`,
        // CPU per record is much less sensitive to other work on the machine than wall-clock rates are.
        "CPU ns/rec": median(runs.map((t) => (t.cpuSeconds * 1e9) / t.records)),
        "cores busy": median(runs.map((t) => t.cpuSeconds / t.seconds)),
        MB: Math.round(runs[0]!.bytes / MB),
        reps: String(runs.length),
      });
    }
  }
  const rate = (label: string, kind: "produce" | "fetch") => rows.find((r) => r.group === kind && r.name === label)?.value ?? NaN;
  const ratio = (a: string, b: string, kind: "produce" | "fetch") => (rate(a, kind) / rate(b, kind)).toFixed(2);
  notes.push(
    `produce: ${window} batches in flight per partition, needsDrain/'drain' respected; transfer: false copies each batch once on the main thread; ` +
      `the transfer: true cell sends a fresh copy per batch made before the clock starts (the copy is not timed)`,
    `backpressure: senders waited for 'drain' ${results.flat().reduce((n, r) => n + r.drainWaits, 0)} times in all (at most ${window} x 8 = ${window * 8} tasks per shard are in flight; needsDrain needs every one of the shard's 64 default task slots busy)`,
    `CPU ns/rec: user + system CPU of the whole process (main thread and shards) during the timed part, per record; 2 cores x 1e9 / it bounds records/s on this machine`,
    `fetch: one sequential reader per partition, all partitions at once, maxBytes 1 MiB, from offset 0 of the data just produced (page cache)`,
    `scaling: produce 2 shards / 1 shard at 8 partitions ${ratio("2 shards, 8 partitions", "1 shard, 8 partitions", "produce")}x, ` +
      `8 / 1 partitions at 1 shard ${ratio("1 shard, 8 partitions", "1 shard, 1 partition", "produce")}x; ` +
      `fetch 2 / 1 shards at 8 partitions ${ratio("2 shards, 8 partitions", "1 shard, 8 partitions", "fetch")}x; ` +
      `transfer: true / false at 2 shards 8 partitions ${ratio("2 shards, 8 partitions, transfer: true", "2 shards, 8 partitions", "produce")}x`,
  );
  const verdict = (kind: "produce" | "fetch", target: number) => {
    const group = rows.filter((r) => r.group === kind);
    const met = group.filter((r) => r.value >= target).length;
    const worst = Math.min(...group.map((r) => r.value));
    const best = Math.max(...group.map((r) => r.value));
    return `${kind} >= ${target / 1e6} M records/s: ${met}/${group.length} cell medians meet it (${(worst / 1e6).toFixed(2)}-${(best / 1e6).toFixed(2)} M)`;
  };
  notes.push(`targets (issue, not asserted): ${verdict("produce", PRODUCE_TARGET)}; ${verdict("fetch", FETCH_TARGET)}`);
}

if (!only || only.includes("cost")) {
  settle();
  const cost = await costSection(pool, Math.min(1, scale));
  rows.push(...cost.rows);
  notes.push(...cost.notes);
  progress(`cost done [${secondsSince(started).toFixed(0)} s]`);
}

if (!only || only.includes("latency")) {
  const latency = await latencySection(Number(process.env.BROKER_BENCH_LATENCY_SECONDS ?? "5") * Math.min(1, scale), Math.min(reps, 3));
  rows.push(...latency.rows);
  notes.push(...latency.notes);
  progress(`latency done [${secondsSince(started).toFixed(0)} s]`);
}

notes.push(
  `1-min load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after (2 cores; other work on the machine shows here, the ranges show its effect)`,
);
notes.push(`total run time ${secondsSince(started).toFixed(0)} s; ${Math.round(bytesPerCell / MB)} MB per produce cell; scale ${scale}${stale.length ? "; WARNING: dist/ was older than src/" : ""}`);
report(scale === 1 && !only && !onlyCells ? "broker" : "broker-partial", rows, notes);
