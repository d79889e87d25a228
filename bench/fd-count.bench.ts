// What the listeners' descriptor headroom costs the main thread per refresh (src/frontends/fd-headroom.ts):
// counting this process' open descriptors with one stat of /proc/self/fd (its size is the count on Linux
// 6.2+) against listing the directory (the only way before 6.2, and what the headroom did until 5 Dec
// 2026), side by side, with FD_BENCH_OPEN (10,000) extra descriptors open: a broker holding that many
// sockets. The headroom refreshes every 250 ms once over half the limit is in use (2 s before), on the
// main thread, so the listing's time is a stall every client of the broker sees.
import { closeSync, openSync, readdirSync, statSync } from "node:fs";
import { Bench } from "tinybench";
import { openDescriptorCount } from "../src/frontends/fd-headroom.js";
import { hz, report, type Row } from "./lib/report.js";

const OPEN = Number(process.env.FD_BENCH_OPEN ?? 10_000);
const opened = Array.from({ length: OPEN }, () => openSync("/dev/null", "r"));
const rows: Row[] = [];
const notes: string[] = [];
try {
  const kernelCounts = statSync("/proc/self/fd").size > 0;
  if (!kernelCounts) notes.push("this kernel reports no count as the size of /proc/self/fd (before Linux 6.2): openDescriptorCount() lists the directory, so both rows measure the listing");
  const bench = new Bench({ time: 1000, warmup: true });
  bench.add("listing /proc/self/fd", () => void readdirSync("/proc/self/fd").length);
  bench.add("openDescriptorCount() (stat of /proc/self/fd)", () => void openDescriptorCount());
  await bench.run();
  const listing = hz(bench, "listing /proc/self/fd");
  const counted = hz(bench, "openDescriptorCount() (stat of /proc/self/fd)");
  for (const [name, rate] of [["listing /proc/self/fd", listing], ["openDescriptorCount() (stat of /proc/self/fd)", counted]] as const) {
    rows.push({ group: "fd count", name: `${name}, ${OPEN.toLocaleString("en-US")} open`, value: 1000 / rate, unit: "ms per count", "speed vs listing": `${(rate / listing).toFixed(rate / listing >= 10 ? 0 : 2)}x` });
  }
  notes.push(`Counted: ${openDescriptorCount()} descriptors open in this process (${OPEN} of them /dev/null).`);
} finally {
  for (const fd of opened) closeSync(fd);
}
report("fd-count", rows, notes);
