// A partition's checkpoint file, `partition.checkpoint`, rewritten atomically (write temp, fsync, rename,
// fsync the directory):
//
//   {"version":1,"logStartOffset":"1200","recoveryPoint":"5000","clean":false}
//
// - logStartOffset: the first offset readers may fetch; segments entirely below it are leftovers of a
//   retention pass that crashed before deleting them.
// - recoveryPoint: every batch below it was fsynced, so recovery rescans from here, never from the start.
// - clean: written true by a graceful close; the next open then trusts the files below the recovery point
//   (after cheap index sanity checks and a CRC check of each segment's tail) and immediately writes it back
//   to false before accepting appends.

import { join } from "node:path";
import { writeFileAtomic, type FileSystem } from "./fs.js";

export const CHECKPOINT_FILE = "partition.checkpoint";

export interface PartitionCheckpoint {
  logStartOffset: bigint;
  recoveryPoint: bigint;
  clean: boolean;
}

/** What was found on disk: a checkpoint, none, or a file that could not be used (and why). */
export type CheckpointRead =
  | { kind: "ok"; checkpoint: PartitionCheckpoint }
  | { kind: "missing" }
  | { kind: "invalid"; reason: string };

const DECIMAL = /^(0|[1-9]\d{0,18})$/;

/**
 * Reads and validates `partition.checkpoint`. An unusable file is never a reason to refuse to open or to
 * delete anything: the caller rescans the log and treats every batch as possibly fsynced (damage is
 * reported, not cut).
 */
export function readCheckpoint(fs: FileSystem, dir: string): CheckpointRead {
  const path = join(dir, CHECKPOINT_FILE);
  if (!fs.exists(path)) return { kind: "missing" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(fs.readFile(path)));
  } catch (error) {
    return { kind: "invalid", reason: `not JSON: ${(error as Error).message}` };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return { kind: "invalid", reason: "not a JSON object" };
  const fields = parsed as Record<string, unknown>;
  if (fields.version !== 1) return { kind: "invalid", reason: `unknown version ${JSON.stringify(fields.version)}` };
  for (const name of ["logStartOffset", "recoveryPoint"] as const) {
    const value = fields[name];
    if (typeof value !== "string" || !DECIMAL.test(value) || BigInt(value) >= 2n ** 63n) {
      return { kind: "invalid", reason: `${name} must be a decimal offset string, got ${JSON.stringify(value)}` };
    }
  }
  if (typeof fields.clean !== "boolean") return { kind: "invalid", reason: `clean must be true or false, got ${JSON.stringify(fields.clean)}` };
  return {
    kind: "ok",
    checkpoint: {
      logStartOffset: BigInt(fields.logStartOffset as string),
      recoveryPoint: BigInt(fields.recoveryPoint as string),
      clean: fields.clean,
    },
  };
}

function encode(checkpoint: PartitionCheckpoint): Uint8Array {
  const text = JSON.stringify({
    version: 1,
    logStartOffset: checkpoint.logStartOffset.toString(),
    recoveryPoint: checkpoint.recoveryPoint.toString(),
    clean: checkpoint.clean,
  });
  return new TextEncoder().encode(text);
}

export function writeCheckpoint(fs: FileSystem, dir: string, checkpoint: PartitionCheckpoint): void {
  writeFileAtomic(fs, join(dir, CHECKPOINT_FILE), encode(checkpoint));
}

/**
 * The same write off the owner's critical path, for checkpoints that only advance the recovery point: the
 * temp file is fsynced asynchronously, then renamed into place. The directory is not fsynced: if the
 * rename is lost in a power cut the previous checkpoint comes back, and an older recovery point is only a
 * longer rescan. Returns false (and renames nothing) if `stillCurrent()` says a newer write happened while
 * the fsync was in flight.
 */
export async function writeCheckpointAsync(
  fs: FileSystem,
  dir: string,
  checkpoint: PartitionCheckpoint,
  stillCurrent: () => boolean,
): Promise<boolean> {
  const path = join(dir, CHECKPOINT_FILE);
  const tmp = `${path}.rp.tmp`;
  const contents = encode(checkpoint);
  const handle = fs.open(tmp, true);
  try {
    handle.truncate(0);
    handle.write(contents, 0, contents.length, 0);
    await handle.syncAsync();
  } finally {
    handle.close();
  }
  if (!stillCurrent()) {
    try {
      fs.unlink(tmp);
    } catch {
      // The directory went with its topic; open() deletes a leftover *.tmp anyway.
    }
    return false;
  }
  fs.rename(tmp, path);
  return true;
}
