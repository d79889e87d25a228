// A real full disk for the fault tests, the way test/faults/storage-full-disk.test.ts makes one: a small
// tmpfs mounted on a directory (root on Linux only; `tmpfsSkipReason` says why not elsewhere), and a
// filler file written until the file system is full. Mounts are lazily unmounted after the file's tests.
//
// A tmpfs page is 4 KiB: a write that fits in the free end of a file's last page needs no new page and
// succeeds on a "full" disk. Tests make the write under test bigger than a page, or use up that free end
// first.

import { execFileSync } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterAll } from "vitest";

export const tmpfsSkipReason: string | undefined =
  process.platform === "linux" && process.getuid?.() === 0 ? undefined : "needs root on Linux to mount a small tmpfs";

/** Registers the file's unmounts; returns mount(dir, size) and fill(dir). */
export function tmpfsMounts() {
  const mounts: string[] = [];
  afterAll(() => {
    for (const m of mounts.reverse()) execFileSync("umount", ["-l", m]);
  });
  return {
    /** Mounts a tmpfs of `size` (e.g. "4m") on the existing directory `dir`. */
    mount(dir: string, size: string): void {
      execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
      mounts.push(dir);
    },
    fill,
  };
}

/** Writes `dir`/filler until the file system is full, to the last byte; returns its path (unlink it to free the space). */
export function fill(dir: string): string {
  const path = join(dir, "filler");
  const fd = openSync(path, "w");
  const chunk = new Uint8Array(64 * 1024).fill(7);
  try {
    for (let size = chunk.length; size >= 1; size >>= 1) {
      try {
        for (;;) writeSync(fd, chunk.subarray(0, size));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}
