// A FileSystem that delegates to the real one and counts what the log asks of it: read and write calls and
// bytes, and the time spent in fsyncs. It goes through the log's own seam (PartitionLog.open({ fs })), so
// the benchmark can say where an open or a read spends its time without touching src/.
import { nodeFileSystem, type FileHandle, type FileSystem } from "../../src/storage/index.js";

export class FsCounters {
  reads = 0;
  readBytes = 0;
  writes = 0;
  writeBytes = 0;
  syncs = 0;
  syncSeconds = 0;

  reset(): void {
    this.reads = this.readBytes = this.writes = this.writeBytes = this.syncs = this.syncSeconds = 0;
  }
}

class CountingHandle implements FileHandle {
  constructor(
    private readonly inner: FileHandle,
    private readonly c: FsCounters,
  ) {}

  size(): number {
    return this.inner.size();
  }

  read(buffer: Uint8Array, offset: number, length: number, position: number): number {
    this.c.reads++;
    this.c.readBytes += length;
    return this.inner.read(buffer, offset, length, position);
  }

  write(buffer: Uint8Array, offset: number, length: number, position: number): void {
    this.c.writes++;
    this.c.writeBytes += length;
    this.inner.write(buffer, offset, length, position);
  }

  truncate(length: number): void {
    this.inner.truncate(length);
  }

  sync(): void {
    const start = performance.now();
    try {
      this.inner.sync();
    } finally {
      this.c.syncs++;
      this.c.syncSeconds += (performance.now() - start) / 1000;
    }
  }

  async syncAsync(): Promise<void> {
    const start = performance.now();
    try {
      await this.inner.syncAsync();
    } finally {
      this.c.syncs++;
      this.c.syncSeconds += (performance.now() - start) / 1000;
    }
  }

  close(): void {
    this.inner.close();
  }
}

/** The real file system, counted into `counters`. */
export function countingFileSystem(counters: FsCounters, inner: FileSystem = nodeFileSystem): FileSystem {
  const timedSync = (fn: () => void) => {
    const start = performance.now();
    try {
      fn();
    } finally {
      counters.syncs++;
      counters.syncSeconds += (performance.now() - start) / 1000;
    }
  };
  return {
    open: (path, create) => new CountingHandle(inner.open(path, create), counters),
    exists: (path) => inner.exists(path),
    list: (dir) => inner.list(dir),
    mkdirp: (dir) => inner.mkdirp(dir),
    rename: (from, to) => inner.rename(from, to),
    unlink: (path) => inner.unlink(path),
    removeTree: (dir) => inner.removeTree(dir),
    readFile: (path) => inner.readFile(path),
    syncDir: (dir) => timedSync(() => inner.syncDir(dir)),
  };
}
