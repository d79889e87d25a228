// The producer's callers waiting for room (send() and sendAll() while congested), in arrival order. Split
// from producer.ts; Array#shift is O(n) on long queues, so this keeps a head index instead.

/** A FIFO of callbacks with O(1) shift, compacted as it drains. */
export class WaitQueue {
  private items: Array<() => void> = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: () => void): void {
    this.items.push(item);
  }

  /** Returns the item just shifted to the head (it must run before those behind it). */
  putBack(item: () => void): void {
    if (this.head > 0) this.items[--this.head] = item;
    else this.items.unshift(item);
  }

  shift(): () => void {
    const item = this.items[this.head]!;
    this.items[this.head++] = undefined as never;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
