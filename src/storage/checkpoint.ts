// A partition's checkpoint file, `partition.checkpoint`, rewritten atomically (write temp, fsync, rename,
// fsync the directory):
//
//   {"version":1,"logStartOffset":"1200","recoveryPoint":"5000","clean":false}
//
// - logStartOffset: the first offset readers may fetch; segments entirely below it are leftovers of a
//   retention pass that crashed before deleting them.
// - recoveryPoint: every batch below it was fsynced, so recovery rescans from here, never from the start.
// - clean: written true by a graceful close; the next open then trusts the files as they are (after cheap
//   index sanity checks) and immediately writes it back to false before accepting appends.

import { join } from "node:path";
import { writeFileAtomic, type FileSystem } from "./fs.js";

export const CHECKPOINT_FILE = "partition.checkpoint";

export interface PartitionCheckpoint {
  logStartOffset: bigint;
  recoveryPoint: bigint;
  clean: boolean;
}

export function readCheckpoint(fs: FileSystem, dir: string): PartitionCheckpoint | undefined {
  const path = join(dir, CHECKPOINT_FILE);
  if (!fs.exists(path)) return undefined;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(fs.readFile(path))) as Record<string, unknown>;
    if (parsed.version !== 1) return undefined;
    return {
      logStartOffset: BigInt(parsed.logStartOffset as string),
      recoveryPoint: BigInt(parsed.recoveryPoint as string),
      clean: parsed.clean === true,
    };
  } catch {
    // An unreadable checkpoint only costs a full rescan; it is never a reason to refuse to open.
    return undefined;
  }
}

export function writeCheckpoint(fs: FileSystem, dir: string, checkpoint: PartitionCheckpoint): void {
  const text = JSON.stringify({
    version: 1,
    logStartOffset: checkpoint.logStartOffset.toString(),
    recoveryPoint: checkpoint.recoveryPoint.toString(),
    clean: checkpoint.clean,
  });
  writeFileAtomic(fs, join(dir, CHECKPOINT_FILE), new TextEncoder().encode(text));
}
