// Storage faults for a shard's failure tests, switched on only by ShardInit.faults (BrokerConfig.shardFaults;
// nothing in the server's configuration sets it). While the named file exists, every fdatasync of the
// shard's partition logs fails with EIO, as a failing disk's would: the tests that create it check that an
// acks=all produce then fails with a typed KAFKA_STORAGE_ERROR instead of being acknowledged, through the
// real worker thread and its channel. Off, the shard uses the node file system unwrapped: no cost.

import { existsSync } from "node:fs";
import { nodeFileSystem, type FileHandle, type FileSystem } from "../storage/fs.js";

export interface ShardFaults {
  /** While this path exists, fdatasync of partition files fails with EIO. */
  failSyncWhileExists?: string;
}

function eio(): NodeJS.ErrnoException {
  return Object.assign(new Error("EIO: i/o error, fdatasync (injected)"), { code: "EIO", errno: -5, syscall: "fdatasync" });
}

/** The shard's file system: the node one, or with `faults` applied. */
export function shardFileSystem(faults: ShardFaults | undefined): FileSystem | undefined {
  const flag = faults?.failSyncWhileExists;
  if (!flag) return undefined;
  const failing = () => existsSync(flag);
  const wrap = (handle: FileHandle): FileHandle => ({
    size: () => handle.size(),
    read: (buffer, offset, length, position) => handle.read(buffer, offset, length, position),
    write: (buffer, offset, length, position) => handle.write(buffer, offset, length, position),
    truncate: (length) => handle.truncate(length),
    sync: () => {
      if (failing()) throw eio();
      handle.sync();
    },
    syncAsync: () => (failing() ? Promise.reject(eio()) : handle.syncAsync()),
    close: () => handle.close(),
  });
  return { ...nodeFileSystem, open: (path, create, mode) => wrap(nodeFileSystem.open(path, create, mode)) };
}
