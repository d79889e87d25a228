// The machine's own durability floor: write 4 KiB at the end of a file and fdatasync it, in a loop, on the
// disk the brokers' data directories live on (each sample is one write plus its fdatasync). acks=all latency cannot be lower than one of these.
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { percentiles, type Percentiles } from "./workload.js";

export function measureFdatasync(seconds = 2, maxIterations = 5000): Percentiles {
  const dir = mkdtempSync(join(tmpdir(), "peers-fsync-"));
  const fd = openSync(join(dir, "probe"), "w");
  const block = Buffer.alloc(4096, 0x5a);
  const samples: number[] = [];
  try {
    const deadline = performance.now() + seconds * 1000;
    while (performance.now() < deadline && samples.length < maxIterations) {
      const t = performance.now();
      writeSync(fd, block);
      fdatasyncSync(fd);
      samples.push(performance.now() - t);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  return percentiles(Float64Array.from(samples));
}
