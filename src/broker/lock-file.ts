// One broker per data directory. `<data-dir>/.lock` holds the owner's pid; a second start refuses while
// that process lives, and takes over a lock left by a process that died (kill -9 leaves the file behind).

import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { RivuletError } from "../errors/index.js";

export class DataDirLockedError extends RivuletError {
  constructor(readonly dataDir: string, readonly ownerPid: number) {
    super("DATA_DIR_LOCKED", `data directory ${dataDir} is in use by another Rivulet process (pid ${ownerPid})`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface DataDirLock {
  release(): void;
}

export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, ".lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          try {
            unlinkSync(path);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number.parseInt(readFileSync(path, "utf8"), 10);
      if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) throw new DataDirLockedError(dataDir, owner);
      if (owner === process.pid) throw new DataDirLockedError(dataDir, owner);
      unlinkSync(path); // stale: its owner is gone
    }
  }
  throw new DataDirLockedError(dataDir, -1);
}
