// Buffers of acknowledged batches, kept for the next batches so that a steady producer allocates (and
// grows) no buffer per batch. One pool for the whole producer, bounded in bytes: a producer that once sent
// big batches to many partitions would otherwise keep up to maxInFlight + 1 buffers for every partition
// it ever wrote to, for as long as it lives. Any partition may take any buffer (a batch builder only uses
// a buffer as storage and grows it if it is too small), last given first taken, so a hot partition keeps
// reusing the buffers it just gave back.

export class SpareBuffers {
  private readonly buffers: Uint8Array[] = [];
  private held = 0;

  constructor(
    /** Bytes of idle buffers kept at most; a buffer given back past it is left to the garbage collector. */
    readonly budget: number,
  ) {}

  /** Bytes of idle buffers kept now. */
  get heldBytes(): number {
    return this.held;
  }

  take(): Uint8Array | undefined {
    const buffer = this.buffers.pop();
    if (buffer) this.held -= buffer.byteLength;
    return buffer;
  }

  give(buffer: Uint8Array): void {
    if (this.held + buffer.byteLength > this.budget) return;
    this.buffers.push(buffer);
    this.held += buffer.byteLength;
  }
}
