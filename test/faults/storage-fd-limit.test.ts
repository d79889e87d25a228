// An fd bomb against the storage layer (issue 11, item 5): a partition with 400 segments (3 files each, so
// 1,200 descriptors if every segment kept its files open) is opened, read end to end and appended to by a
// child process whose RLIMIT_NOFILE is 200 (set with util-linux `prlimit`). With closed segments behind the
// descriptor cache (whose default size follows the limit: a quarter of it) this works; before, the open
// failed with EMFILE. Runs against dist/.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { memoryLogger } from "../../src/log.js";
import { PartitionLog } from "../../src/storage/partition-log.js";
import { numberedBatch, tempDir } from "./storage-helpers.js";

const dist = fileURLToPath(new URL("../../dist/storage/index.js", import.meta.url));
const hasPrlimit = spawnSync("prlimit", ["--version"]).status === 0;

const childScript = (distPath: string, dir: string, segmentBytes: number) => `
import { PartitionLog } from ${JSON.stringify(distPath)};
import { readdirSync } from "node:fs";
const log = PartitionLog.open({ dir: ${JSON.stringify(dir)}, config: { segmentBytes: ${segmentBytes} } });
let records = 0;
for (let next = log.logStartOffset; next < log.logEndOffset; ) {
  const { records: bytes } = log.read(next, 1 << 16);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let p = 0; p < bytes.length; p += view.getInt32(p + 8) + 12) {
    const count = view.getInt32(p + 57);
    records += count;
    next = view.getBigInt64(p) + BigInt(view.getInt32(p + 23)) + 1n;
  }
}
await log.close();
console.log(JSON.stringify({ segments: log.segments.length, records, fds: readdirSync("/proc/self/fd").length }));
`;

describe("fd bomb: many segments under a low RLIMIT_NOFILE", () => {
  it.skipIf(!hasPrlimit || process.platform !== "linux")("400 segments open and read with 200 descriptors allowed", async () => {
    expect(existsSync(dist), "dist/ is missing: run `npm run build:ts`").toBe(true);
    const temp = tempDir("fdbomb");
    try {
      const segmentBytes = numberedBatch(0, 5).length + 64;
      const log = PartitionLog.open({ dir: temp.dir, config: { segmentBytes }, logger: memoryLogger() });
      for (let i = 0; i < 400; i++) log.append(numberedBatch(i * 5, 5));
      expect(log.segments.length).toBe(400);
      await log.close();

      const child = spawnSync("prlimit", ["--nofile=200:200", process.execPath, "--input-type=module", "-e", childScript(dist, temp.dir, segmentBytes)], {
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(child.stderr).not.toMatch(/EMFILE/);
      expect(child.status, child.stderr).toBe(0);
      const result = JSON.parse(child.stdout.trim()) as { segments: number; records: number; fds: number };
      expect(result).toMatchObject({ segments: 400, records: 2000 });
      expect(result.fds).toBeLessThan(200);
    } finally {
      temp.remove();
    }
  }, 90_000);
});
