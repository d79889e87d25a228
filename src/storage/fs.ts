// The file-system seam of the storage engine. Everything the log does to disk goes through these two small
// interfaces, so tests can swap in a double that fails a write with ENOSPC, tears it halfway, or drops
// every unsynced byte in a simulated power cut (test/helpers/memory-fs.ts).
//
// The calls are synchronous on purpose: a partition has exactly one writer (its shard thread), page-cache
// writes take microseconds, and a synchronous write cannot interleave with another append. The one slow
// call, fsync, also has an asynchronous form so a shard keeps serving while the disk catches up.

import * as fs from "node:fs";
import { dirname } from "node:path";

export interface FileHandle {
  /** Current size in bytes. */
  size(): number;
  /** Reads up to `length` bytes at `position` into `buffer[offset..]`; returns bytes read (short at EOF). */
  read(buffer: Uint8Array, offset: number, length: number, position: number): number;
  /** Writes all of `buffer[offset..offset+length)` at `position` (throws on any error, even after a partial write). */
  write(buffer: Uint8Array, offset: number, length: number, position: number): void;
  truncate(length: number): void;
  /** fdatasync: on return, every byte written before the call survives power loss. */
  sync(): void;
  /** The same, off the calling thread. */
  syncAsync(): Promise<void>;
  close(): void;
}

export interface FileSystem {
  /** Opens for read and write, creating the file if `create` and it does not exist (with `mode`, default 0644). */
  open(path: string, create: boolean, mode?: number): FileHandle;
  exists(path: string): boolean;
  /** Names (not paths) of the entries in a directory. */
  list(dir: string): string[];
  mkdirp(dir: string): void;
  /** Atomically replaces `to` with `from`. */
  rename(from: string, to: string): void;
  unlink(path: string): void;
  /** Removes a directory and everything in it. */
  removeTree(dir: string): void;
  /** Reads a whole small file (checkpoints, metadata). */
  readFile(path: string): Uint8Array;
  /** Makes a directory's entries (creates, renames, deletes) durable. */
  syncDir(dir: string): void;
}

class NodeFileHandle implements FileHandle {
  constructor(private readonly fd: number) {}

  size(): number {
    return fs.fstatSync(this.fd).size;
  }

  read(buffer: Uint8Array, offset: number, length: number, position: number): number {
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, buffer, offset + done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  write(buffer: Uint8Array, offset: number, length: number, position: number): void {
    let done = 0;
    while (done < length) done += fs.writeSync(this.fd, buffer, offset + done, length - done, position + done);
  }

  truncate(length: number): void {
    fs.ftruncateSync(this.fd, length);
  }

  sync(): void {
    fs.fdatasyncSync(this.fd);
  }

  syncAsync(): Promise<void> {
    return new Promise((resolve, reject) => fs.fdatasync(this.fd, (error) => (error ? reject(error) : resolve())));
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** The real file system. */
export const nodeFileSystem: FileSystem = {
  open(path, create, mode = 0o644) {
    return new NodeFileHandle(fs.openSync(path, create ? fs.constants.O_RDWR | fs.constants.O_CREAT : fs.constants.O_RDWR, mode));
  },
  exists: (path) => fs.existsSync(path),
  list: (dir) => fs.readdirSync(dir),
  mkdirp: (dir) => void fs.mkdirSync(dir, { recursive: true }),
  rename: (from, to) => fs.renameSync(from, to),
  unlink: (path) => fs.unlinkSync(path),
  removeTree: (dir) => fs.rmSync(dir, { recursive: true, force: true }),
  readFile: (path) => fs.readFileSync(path),
  syncDir(dir) {
    const fd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  },
};

/**
 * Writes a small file so that after a crash it holds either the old or the new contents, never a mix:
 * a temporary file beside it, fdatasync, rename over it, fsync of the directory. `mode` applies to the new
 * file (the security stores ask 0600: credentials). A failure removes the temporary file and throws the
 * error as raised (callers type it: storageErrorIfSystem).
 */
export function writeFileAtomic(fsys: FileSystem, path: string, contents: Uint8Array, mode?: number): void {
  // One fixed name per file: writes are synchronous and each file has one writing thread, so two writes
  // never share it, and a crash's leftover is reused (truncated) by the next write instead of piling up.
  const tmp = `${path}.tmp`;
  try {
    const handle = fsys.open(tmp, true, mode);
    try {
      handle.truncate(0);
      handle.write(contents, 0, contents.length, 0);
      handle.sync();
    } finally {
      handle.close();
    }
    fsys.rename(tmp, path);
  } catch (error) {
    removeIfPresent(fsys, tmp);
    throw error;
  }
  // The new content is in place, but if this fails its rename may not survive a power cut: the caller must
  // not report success (retrying writes the same content again).
  fsys.syncDir(dirname(path));
}

function removeIfPresent(fsys: FileSystem, path: string): void {
  try {
    if (fsys.exists(path)) fsys.unlink(path);
  } catch {
    // Best effort: the write already failed with the error that matters, and a leftover `.tmp` is harmless.
  }
}
