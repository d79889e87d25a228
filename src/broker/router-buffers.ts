// Buffers for batches on their way to a shard, reused instead of allocated per batch (issue 14). A batch
// from a front end is copied into a buffer the broker owns so it can be transferred to the shard's thread
// (owned-buffers.ts); a fresh 1 MiB ArrayBuffer per batch costs far more than the copy itself (the kernel
// hands out and zeroes new pages: ~0.8 ms per MiB against ~0.08 ms to copy into a reused one, measured in
// isolation). The shard moves a large batch's buffer back with its answer once the log has written it
// (ProduceOk.spare, src/shard/worker.ts); the router puts it here (router.ts), and the next large batch is
// copied into it. Main thread only. Bounded: a few buffers and SPARE_POOL_BYTES in all; small batches are
// not pooled (the allocator reuses small blocks well).

import { SPARE_MIN_BYTES } from "../shard/protocol.js";

const SPARE_POOL_BYTES = 16 * 1024 * 1024;
const SPARE_POOL_BUFFERS = 8;

const pool: ArrayBuffer[] = [];
let pooledBytes = 0;
/** Reuse counters (tests and diagnostics). */
export const spareStats = { reused: 0, returned: 0, dropped: 0 };

/**
 * A copy of `batch` in a buffer the caller owns and may transfer: a pooled buffer at least as large and at
 * most twice as large when there is one, else a new one. The copy's view covers exactly the batch.
 */
export function copyForShard(batch: Uint8Array): Uint8Array {
  const size = batch.length;
  if (size >= SPARE_MIN_BYTES) {
    let best = -1;
    for (let i = 0; i < pool.length; i++) {
      const length = pool[i]!.byteLength;
      if (length >= size && length <= size * 2 && (best < 0 || length < pool[best]!.byteLength)) best = i;
    }
    if (best >= 0) {
      const buffer = pool[best]!;
      pool[best] = pool[pool.length - 1]!;
      pool.pop();
      pooledBytes -= buffer.byteLength;
      spareStats.reused++;
      const copy = new Uint8Array(buffer, 0, size);
      copy.set(batch);
      return copy;
    }
  }
  return new Uint8Array(batch); // a copy with its own ArrayBuffer (Buffer#slice would be a view)
}

/** A batch's buffer the shard moved back (written, no longer read there): kept for a later batch if room. */
export function giveBack(spare: Uint8Array): void {
  const buffer = spare.buffer;
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < SPARE_MIN_BYTES) return;
  spareStats.returned++;
  if (pool.length >= SPARE_POOL_BUFFERS || pooledBytes + buffer.byteLength > SPARE_POOL_BYTES) {
    spareStats.dropped++;
    return;
  }
  pool.push(buffer);
  pooledBytes += buffer.byteLength;
}
