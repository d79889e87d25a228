// A full disk, for real: a 2 MiB tmpfs mounted for this file (root only; skipped with a message elsewhere)
// holds a partition log. Appends fail with a typed, retriable KAFKA_STORAGE_ERROR (errno ENOSPC) and leave
// no torn bytes; an acks=all produce gets the error instead of an acknowledgement; everything written
// before stays readable; once space is freed, appends resume at the right offset, and a reopen finds
// exactly the acknowledged records.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryLogger } from "../../src/log.js";
import { GroupCommit } from "../../src/shard/group-commit.js";
import { Partition } from "../../src/shard/partition.js";
import { consumeAll, numberedBatch } from "./storage-helpers.js";

const root = mkdtempSync(join(tmpdir(), "rivulet-fulldisk-"));
let mounted = false;
let skipReason: string | undefined;

beforeAll(() => {
  if (process.platform !== "linux" || process.getuid?.() !== 0) {
    skipReason = "needs root on Linux to mount a small tmpfs";
    return;
  }
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", root]);
    mounted = true;
  } catch (error) {
    skipReason = `mount -t tmpfs failed: ${(error as Error).message}`;
  }
});

afterAll(() => {
  if (mounted) execFileSync("umount", [root]);
  rmSync(root, { recursive: true, force: true });
});

describe("full disk (2 MiB tmpfs)", () => {
  it("ENOSPC is a retriable storage error, nothing torn is kept, and appends resume once space is freed", async (ctx) => {
    if (!mounted) {
      console.warn(`storage-full-disk skipped: ${skipReason}`);
      ctx.skip();
    }
    const dir = join(root, "t-0");
    mkdirSync(dir);
    const logger = memoryLogger();
    const commits = new GroupCommit();
    const part = Partition.open("t", 0, dir, { segmentBytes: 256 * 1024 }, undefined, logger, { commits });
    // A filler file we can delete later to free space.
    writeFileSync(join(root, "filler"), new Uint8Array(256 * 1024));

    const acked = new Map<bigint, string>();
    let failure: unknown;
    for (let i = 0; i < 10_000 && !failure; i++) {
      try {
        const { result, durable } = part.produce(numberedBatch(i * 10, 10, 200), i % 2 ? -1 : 1);
        await durable;
        acked.set(result.baseOffset, `v${i * 10}:`);
      } catch (error) {
        failure = error;
      }
    }
    expect(failure).toMatchObject({ code: "KAFKA_STORAGE_ERROR", kafkaCode: 56, retriable: true, errno: "ENOSPC" });
    const end = part.log.logEndOffset;
    // The log is whole and readable up to its end; no torn batch is visible.
    const before = consumeAll(part.log);
    expect(before.size).toBe(Number(end));
    for (const [offset, prefix] of acked) expect(before.get(offset)).toMatch(new RegExp(`^${prefix}`));
    // Still full: another attempt fails the same way and changes nothing.
    await expect((async () => part.produce(numberedBatch(0, 10, 200), 1))()).rejects.toMatchObject({ errno: "ENOSPC" });
    expect(part.log.logEndOffset).toBe(end);

    unlinkSync(join(root, "filler"));
    const { result, durable } = part.produce(numberedBatch(777_000, 10, 200), -1);
    await durable;
    expect(result.baseOffset).toBe(end);
    await part.close();

    const reopened = Partition.open("t", 0, dir, { segmentBytes: 256 * 1024 }, undefined, memoryLogger(), { commits });
    expect(reopened.log.logEndOffset).toBe(end + 10n);
    const after = consumeAll(reopened.log);
    expect(after.get(end)).toMatch(/^v777000:/);
    for (const [offset, prefix] of acked) expect(after.get(offset)).toMatch(new RegExp(`^${prefix}`));
    reopened.log.abandon();
  });
});
