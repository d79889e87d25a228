// A bounded cache of open file descriptors for segment files, so the number of fds a shard holds does not
// grow with the number of segments (a topic with a tiny segment.bytes, or thousands of partitions, used to
// exhaust RLIMIT_NOFILE at startup: every segment kept its .log, .index and .timeindex open).
//
// Every segment file is a `CachedFile`: a FileHandle whose descriptor is opened on first use and may be
// closed again by the cache at any time it is not in use. Callers never hold the raw descriptor, so an
// eviction can never leave them with a closed (or, worse, reused) fd number:
// - synchronous calls (read, write, size, truncate, sync) open the fd if needed and use it at once;
// - `syncAsync` pins the fd until the fdatasync returns (an evicted fd mid-fsync could be reused by the
//   next open and the fsync would land on the wrong file);
// - the active segment's files are pinned for as long as it is active (appends must not pay an open).
//
// Only unpinned open fds count against the capacity; pinned ones are the active segments (three fds per
// partition, bounded by the partition count). fsync on Linux flushes the file's dirty pages whichever fd
// wrote them, so closing an fd and syncing a later one loses nothing.

import { readFileLimits } from "./fd-limits.js";
import type { FileHandle, FileSystem } from "./fs.js";

/** Unpinned descriptors a thread keeps open by default, when the open-file limit allows. */
export const DEFAULT_FILE_CACHE_CAPACITY = 256;

/**
 * 256, or a quarter of the soft RLIMIT_NOFILE when that is smaller (at least 16): under a low limit the
 * cache must leave room for active segments, sockets and the other shards' caches.
 */
export function defaultFileCacheCapacity(limits = readFileLimits()): number {
  if (!limits || !Number.isFinite(limits.soft)) return DEFAULT_FILE_CACHE_CAPACITY;
  return Math.max(16, Math.min(DEFAULT_FILE_CACHE_CAPACITY, Math.floor(limits.soft / 4)));
}

export class FileCache {
  /** Open, unpinned files, least recently used first (Map keeps insertion order; a touch re-inserts). */
  private readonly idle = new Map<CachedFile, true>();
  /** Files opened since this cache was created (tests and metrics). */
  opens = 0;

  constructor(public capacity = defaultFileCacheCapacity()) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`file cache capacity must be >= 1, got ${capacity}`);
  }

  /** A handle for `path`; nothing is opened until it is used. */
  file(fs: FileSystem, path: string, create: boolean): CachedFile {
    return new CachedFile(this, fs, path, create);
  }

  /** Open descriptors not pinned by an active segment or an fsync in flight. */
  get idleOpen(): number {
    return this.idle.size;
  }

  /** @internal a file was used while open and unpinned: it becomes the most recently used. */
  touch(file: CachedFile): void {
    this.idle.delete(file);
    this.idle.set(file, true);
    this.evict();
  }

  /** @internal the file is pinned or closed: it no longer competes for a slot. */
  forget(file: CachedFile): void {
    this.idle.delete(file);
  }

  /** @internal about to open a descriptor: make room for it first. */
  noteOpen(): void {
    this.opens++;
    this.evict(1);
  }

  private evict(reserve = 0): void {
    while (this.idle.size + reserve > this.capacity) {
      const oldest = this.idle.keys().next().value as CachedFile;
      this.idle.delete(oldest);
      oldest.release();
    }
  }
}

export class CachedFile implements FileHandle {
  private handle: FileHandle | undefined;
  private pins = 0;
  /** fsyncs in flight (each also holds a pin). */
  private syncing = 0;
  private closed = false;

  constructor(
    private readonly cache: FileCache,
    private readonly fs: FileSystem,
    readonly path: string,
    private create: boolean,
  ) {}

  get isOpen(): boolean {
    return this.handle !== undefined;
  }

  private use(): FileHandle {
    if (this.closed) {
      const error = new Error(`EBADF: ${this.path} was closed`) as NodeJS.ErrnoException;
      error.code = "EBADF";
      throw error;
    }
    let handle = this.handle;
    if (!handle) {
      this.cache.noteOpen();
      handle = this.fs.open(this.path, this.create);
      // Created once: a later reopen must find the file, not silently make an empty one.
      this.create = false;
      this.handle = handle;
    }
    if (this.pins === 0) this.cache.touch(this);
    return handle;
  }

  /** Keeps the descriptor open until unpin() (the active segment's files). */
  pin(): void {
    this.use();
    this.pins++;
    this.cache.forget(this);
  }

  unpin(): void {
    if (this.pins === 0 || --this.pins > 0 || !this.handle) return;
    if (this.closed) this.closeHandle();
    else this.cache.touch(this);
  }

  /** Closes the descriptor now if nothing pins it; the next call reopens it. */
  release(): void {
    if (this.pins > 0 || !this.handle) return;
    const handle = this.handle;
    this.handle = undefined;
    this.cache.forget(this);
    handle.close();
  }

  size(): number {
    return this.use().size();
  }

  read(buffer: Uint8Array, offset: number, length: number, position: number): number {
    return this.use().read(buffer, offset, length, position);
  }

  write(buffer: Uint8Array, offset: number, length: number, position: number): void {
    this.use().write(buffer, offset, length, position);
  }

  truncate(length: number): void {
    this.use().truncate(length);
  }

  sync(): void {
    this.use().sync();
  }

  async syncAsync(): Promise<void> {
    const handle = this.use();
    this.pins++;
    this.syncing++;
    this.cache.forget(this);
    try {
      await handle.syncAsync();
    } finally {
      this.syncing--;
      this.unpin();
    }
  }

  /** Closes for good; an fsync in flight keeps the descriptor until it returns. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cache.forget(this);
    // The active segment's own pin is dropped with it; an fsync's pin is not (it unpins when done).
    this.pins = this.syncing;
    if (this.pins === 0) this.closeHandle();
  }

  private closeHandle(): void {
    const handle = this.handle;
    this.handle = undefined;
    handle?.close();
  }
}

/** The cache segment files use unless a log is given its own: one per thread (so one per shard). */
export const defaultFileCache = new FileCache();
