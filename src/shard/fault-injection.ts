// Storage faults for a shard's tests, switched on only by ShardInit.faults (BrokerConfig.shardFaults;
// nothing in the server's configuration sets it). While the named file exists, every fdatasync of the
// shard's partition logs fails with EIO, as a failing disk's would: the tests that create it check that an
// acks=all produce then fails with a typed KAFKA_STORAGE_ERROR instead of being acknowledged, through the
// real worker thread and its channel. A second flag holds every asynchronous fdatasync until its file is
// removed (a disk that takes as long as the test wants), to see what happens while an fsync runs. Off, the
// shard uses the node file system unwrapped: no cost.

import { existsSync } from "node:fs";
import { nodeFileSystem, type FileHandle, type FileSystem } from "../storage/fs.js";

export interface ShardFaults {
  /** While this path exists, fdatasync of partition files fails with EIO. */
  failSyncWhileExists?: string;
  /** While this path exists, asynchronous fdatasyncs of partition files do not finish (they wait for it to go). */
  holdSyncWhileExists?: string;
}

function eio(): NodeJS.ErrnoException {
  return Object.assign(new Error("EIO: i/o error, fdatasync (injected)"), { code: "EIO", errno: -5, syscall: "fdatasync" });
}

/** The shard's file system: the node one, or with `faults` applied. */
/** Resolves once `path` no longer exists (polled: a test's hold lasts tens of milliseconds at least). */
function whileExists(path: string | undefined): Promise<void> {
  if (!path || !existsSync(path)) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (existsSync(path)) return;
      clearInterval(timer);
      resolve();
    }, 5);
  });
}

export function shardFileSystem(faults: ShardFaults | undefined): FileSystem | undefined {
  const flag = faults?.failSyncWhileExists;
  const hold = faults?.holdSyncWhileExists;
  if (!flag && !hold) return undefined;
  const failing = () => flag !== undefined && existsSync(flag);
  const wrap = (handle: FileHandle): FileHandle => ({
    size: () => handle.size(),
    read: (buffer, offset, length, position) => handle.read(buffer, offset, length, position),
    write: (buffer, offset, length, position) => handle.write(buffer, offset, length, position),
    truncate: (length) => handle.truncate(length),
    sync: () => {
      if (failing()) throw eio();
      handle.sync();
    },
    syncAsync: () => whileExists(hold).then(() => (failing() ? Promise.reject(eio()) : handle.syncAsync())),
    close: () => handle.close(),
  });
  return { ...nodeFileSystem, open: (path, create, mode) => wrap(nodeFileSystem.open(path, create, mode)) };
}
