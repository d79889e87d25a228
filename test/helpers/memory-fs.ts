// An in-memory FileSystem for storage tests, with the faults real disks have:
// - `failNext(op, code)`: the next matching call throws an errno-style error (ENOSPC, EIO, ...);
// - `tearNextWrite(bytes)`: the next write stores only its first `bytes` bytes, then throws EIO;
// - `powerCut()`: every byte not covered by a completed sync is lost (optionally keeping a random prefix
//   of the unsynced tail, as a disk that got some pages out would), and directory changes not made durable
//   by syncDir are rolled back.
import { dirname } from "node:path";
import type { FileHandle, FileSystem } from "../../src/storage/fs.js";

type Op = "write" | "sync" | "open" | "truncate" | "rename" | "read" | "unlink";

interface FileState {
  data: Uint8Array;
  length: number;
  /** Contents as of the last completed sync. */
  durable: Uint8Array;
  /** Syncs begun on this file, and the number of the one `durable` is from (overlapping syncs end in any order). */
  syncsStarted: number;
  durableSync: number;
}

function errnoError(code: string, op: string, path: string): NodeJS.ErrnoException {
  const error = new Error(`${code}: simulated failure, ${op} '${path}'`) as NodeJS.ErrnoException;
  error.code = code;
  error.syscall = op; // as Node's own errno errors carry it
  error.path = path;
  return error;
}

export class MemoryFileSystem implements FileSystem {
  /** path -> file (the live view). */
  private files = new Map<string, FileState>();
  /** Directory entries as of their last syncDir: dir -> (name -> file). */
  private durableEntries = new Map<string, Map<string, FileState>>();
  private dirs = new Set<string>(["/"]);
  private failures: Array<{ op: Op; code: string; pathIncludes?: string }> = [];
  private tearBytes: number | undefined;
  syncCount = 0;
  /** Path of every completed sync, in order (to count fdatasyncs per file). */
  readonly syncedPaths: string[] = [];
  /**
   * When set, syncAsync takes this long (ms) and makes durable only what was written before it started,
   * as a real fdatasync does: a waiter that joins a flush begun before its write is not covered.
   */
  asyncSyncDelayMs: number | undefined;

  failNext(op: Op, code: string, pathIncludes?: string): void {
    this.failures.push({ op, code, pathIncludes });
  }

  tearNextWrite(bytesKept: number): void {
    this.tearBytes = bytesKept;
  }

  private maybeFail(op: Op, path: string): void {
    const i = this.failures.findIndex((f) => f.op === op && (!f.pathIncludes || path.includes(f.pathIncludes)));
    if (i >= 0) {
      const [failure] = this.failures.splice(i, 1);
      throw errnoError(failure!.code, op, path);
    }
  }

  /** Loses everything not synced. `keepUnsynced(path, unsyncedBytes)` may return how many of a file's unsynced appended bytes survive. */
  powerCut(keepUnsynced: (path: string, unsyncedBytes: number) => number = () => 0): void {
    const survivors = new Map<string, FileState>();
    for (const [dir, entries] of this.durableEntries) {
      for (const [name, state] of entries) survivors.set(dir === "/" ? `/${name}` : `${dir}/${name}`, state);
    }
    for (const [path, state] of survivors) {
      const durable = state.durable;
      let length = durable.length;
      const data = new Uint8Array(Math.max(durable.length, state.length));
      data.set(durable);
      // Unsynced bytes past the durable end may partly survive (pages written back before the cut).
      if (state.length > durable.length) {
        const keep = Math.min(keepUnsynced(path, state.length - durable.length), state.length - durable.length);
        data.set(state.data.subarray(durable.length, durable.length + keep), durable.length);
        length += keep;
      }
      state.data = data;
      state.length = length;
      state.durable = data.slice(0, durable.length);
    }
    this.files = survivors;
  }

  open(path: string, create: boolean): FileHandle {
    this.maybeFail("open", path);
    let state = this.files.get(path);
    if (!state) {
      if (!create) throw errnoError("ENOENT", "open", path);
      if (!this.dirs.has(dirname(path))) throw errnoError("ENOENT", "open", path);
      state = { data: new Uint8Array(256), length: 0, durable: new Uint8Array(0), syncsStarted: 0, durableSync: 0 };
      this.files.set(path, state);
    }
    return new MemoryFileHandle(this, path, state);
  }

  exists(path: string): boolean {
    return this.files.has(path) || this.dirs.has(path);
  }

  list(dir: string): string[] {
    if (!this.dirs.has(dir)) throw errnoError("ENOENT", "list", dir);
    const names = new Set<string>();
    const prefix = dir.endsWith("/") ? dir : `${dir}/`;
    for (const path of [...this.files.keys(), ...this.dirs]) {
      if (path.startsWith(prefix) && path !== dir) names.add(path.slice(prefix.length).split("/")[0]!);
    }
    return [...names].sort();
  }

  mkdirp(dir: string): void {
    let current = "";
    for (const part of dir.split("/").filter(Boolean)) {
      current += `/${part}`;
      this.dirs.add(current);
    }
  }

  rename(from: string, to: string): void {
    this.maybeFail("rename", from);
    const state = this.files.get(from);
    if (!state) throw errnoError("ENOENT", "rename", from);
    this.files.delete(from);
    this.files.set(to, state);
  }

  unlink(path: string): void {
    this.maybeFail("unlink", path);
    if (!this.files.delete(path)) throw errnoError("ENOENT", "unlink", path);
  }

  removeTree(dir: string): void {
    for (const path of [...this.files.keys()]) if (path === dir || path.startsWith(`${dir}/`)) this.files.delete(path);
    for (const path of [...this.dirs]) if (path === dir || path.startsWith(`${dir}/`)) this.dirs.delete(path);
  }

  readFile(path: string): Uint8Array {
    const state = this.files.get(path);
    if (!state) throw errnoError("ENOENT", "readFile", path);
    return state.data.slice(0, state.length);
  }

  syncDir(dir: string): void {
    const entries = new Map<string, FileState>();
    const prefix = `${dir}/`;
    for (const [path, state] of this.files) {
      if (path.startsWith(prefix) && !path.slice(prefix.length).includes("/")) entries.set(path.slice(prefix.length), state);
    }
    this.durableEntries.set(dir, entries);
  }

  /** Test access: raw bytes of a file. */
  bytes(path: string): Uint8Array {
    return this.readFile(path);
  }

  /** Test access: how many bytes of a file would survive a power cut now. */
  durableLength(path: string): number {
    return this.files.get(path)?.durable.length ?? 0;
  }

  /** Test access: overwrite bytes in place (to corrupt a file). */
  poke(path: string, position: number, bytes: Uint8Array): void {
    const state = this.files.get(path);
    if (!state) throw errnoError("ENOENT", "poke", path);
    state.data.set(bytes, position);
  }

  /** @internal used by handles */
  consumeFailure(op: Op, path: string): void {
    this.maybeFail(op, path);
  }

  /** @internal */
  takeTear(): number | undefined {
    const tear = this.tearBytes;
    this.tearBytes = undefined;
    return tear;
  }
}

class MemoryFileHandle implements FileHandle {
  private closed = false;
  constructor(private readonly fsys: MemoryFileSystem, private readonly path: string, private readonly state: FileState) {}

  private check(): void {
    if (this.closed) throw errnoError("EBADF", "use", this.path);
  }

  size(): number {
    this.check();
    return this.state.length;
  }

  read(buffer: Uint8Array, offset: number, length: number, position: number): number {
    this.check();
    this.fsys.consumeFailure("read", this.path);
    const n = Math.max(0, Math.min(length, this.state.length - position));
    buffer.set(this.state.data.subarray(position, position + n), offset);
    return n;
  }

  write(buffer: Uint8Array, offset: number, length: number, position: number): void {
    this.check();
    const tear = this.fsys.takeTear();
    this.fsys.consumeFailure("write", this.path);
    const kept = tear === undefined ? length : Math.min(tear, length);
    this.ensure(position + kept);
    this.state.data.set(buffer.subarray(offset, offset + kept), position);
    this.state.length = Math.max(this.state.length, position + kept);
    if (tear !== undefined) throw errnoError("EIO", "write (torn)", this.path);
  }

  private ensure(capacity: number): void {
    if (capacity <= this.state.data.length) return;
    const next = new Uint8Array(Math.max(capacity, this.state.data.length * 2));
    next.set(this.state.data.subarray(0, this.state.length));
    this.state.data = next;
  }

  truncate(length: number): void {
    this.check();
    this.fsys.consumeFailure("truncate", this.path);
    this.ensure(length);
    if (length > this.state.length) this.state.data.fill(0, this.state.length, length);
    this.state.length = length;
  }

  sync(): void {
    this.check();
    this.fsys.consumeFailure("sync", this.path);
    this.state.durable = this.state.data.slice(0, this.state.length);
    this.state.durableSync = ++this.state.syncsStarted;
    this.fsys.syncCount++;
    this.fsys.syncedPaths.push(this.path);
  }

  async syncAsync(): Promise<void> {
    const delay = this.fsys.asyncSyncDelayMs;
    if (delay === undefined) return this.sync();
    this.check();
    const snapshot = this.state.data.slice(0, this.state.length);
    const started = ++this.state.syncsStarted;
    await new Promise((resolve) => setTimeout(resolve, delay));
    this.fsys.consumeFailure("sync", this.path);
    // Overlapping fsyncs may end in any order: one that began earlier never undoes a later one's.
    if (started > this.state.durableSync) {
      this.state.durable = snapshot;
      this.state.durableSync = started;
    }
    this.fsys.syncCount++;
    this.fsys.syncedPaths.push(this.path);
  }

  close(): void {
    this.closed = true;
  }
}
