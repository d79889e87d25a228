// Linear-memory management for the JS side.
//
// JS never writes into memory it did not get from `alloc`: it allocates a block, copies its input in (or
// lets an export write output there), calls, and reads back. Blocks come from the runtime's TLSF allocator
// (`--runtime minimal`) as raw, unmanaged memory, so nothing here is ever moved or collected behind JS's
// back. Memory growth replaces `memory.buffer`; the JS wrapper refreshes its views when that happens.

/** Allocates `size` bytes aligned to 16; returns 0 when memory cannot grow. */
export function alloc(size: usize): usize {
  if (size == 0) size = 16;
  // heap.alloc aborts (traps) on failure; check we can grow first so an oversized request is a status,
  // not a dead instance. TLSF needs the block plus its bookkeeping; one extra page covers it.
  const needPages = <i32>((size + 0xffff) >>> 16) + 1;
  const havePages = memory.size();
  if (needPages > 65536 - havePages) return 0;
  return heap.alloc(size);
}

/** Releases a block from `alloc`. Freeing 0 is a no-op. */
export function free(ptr: usize): void {
  if (ptr != 0) heap.free(ptr);
}
