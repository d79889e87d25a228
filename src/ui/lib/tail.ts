// The live tail behind the topic view: a consumer of the project's client feeding a bounded window of the
// newest matching records (a ring of `windowSize`). Flow control is the client's credit: the loop pulls
// only while the view wants records (following, or still filling the window after a jump), so a paused or
// full view stops granting credit and the broker pauses the stream instead of this tab buffering it.
//
// A busy topic delivers far more records than a screen can show: the view renders at most once per
// animation frame, and a record that entered and left the window between two renders is counted as
// skipped (received, never on screen), so the page can say how many it passed over.

import type { ConsumedRecord, Consumer, RivuletClient, StartFrom } from "../../client/index.js";
import { bytesText } from "./format.js";

export interface TailFilter {
  /** Substring of the key (as text). */
  key?: string;
  /** A header name that must be present, optionally "name=value". */
  header?: string;
  /** Substring of the value (as text). */
  text?: string;
}

export interface TailOptions {
  topic: string;
  /** One partition, or undefined for all. */
  partition?: number;
  from: StartFrom;
  /** Keep sliding as records arrive (true), or stop once the window is full (browsing from a jump). */
  follow: boolean;
  filter?: TailFilter;
  windowSize?: number;
  /** Credit window of the consumer (bytes the broker may send ahead). Default 512 KiB. */
  windowBytes?: number;
}

export interface TailRow {
  /** Arrival sequence number (1, 2, ...). */
  seq: number;
  record: ConsumedRecord;
}

export interface TailStats {
  received: number;
  matched: number;
  filteredOut: number;
  skipped: number;
  /** Records now in the window. */
  shown: number;
  /** The consumer's held bytes (waiting to be pulled). */
  heldBytes: number;
  state: "starting" | "streaming" | "paused" | "full" | "stopped" | "error";
  error?: string;
}

export function matches(record: ConsumedRecord, filter: TailFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.key && !bytesText(record.key).includes(filter.key)) return false;
  if (filter.header) {
    const eq = filter.header.indexOf("=");
    const name = eq < 0 ? filter.header : filter.header.slice(0, eq);
    const value = eq < 0 ? undefined : filter.header.slice(eq + 1);
    if (!record.headers.some((h) => h.key === name && (value === undefined || bytesText(h.value) === value))) return false;
  }
  if (filter.text && !bytesText(record.value).includes(filter.text)) return false;
  return true;
}

export class LiveTail {
  private readonly ring: (TailRow | undefined)[];
  private next = 0;
  private count = 0;
  private seq = 0;
  private renderedUpTo = 0;
  private received = 0;
  private filteredOut = 0;
  private skipped = 0;
  private paused = false;
  private stopped = false;
  private error: string | undefined;
  private started = false;
  private wake: (() => void) | undefined;
  private readonly consumer: Consumer;
  readonly windowSize: number;

  constructor(client: RivuletClient, readonly options: TailOptions, private readonly onChange: () => void) {
    this.windowSize = options.windowSize ?? 500;
    this.ring = new Array(this.windowSize);
    this.consumer = client.consumer({
      topic: options.topic,
      partitions: options.partition === undefined ? undefined : [options.partition],
      from: options.from,
      windowBytes: options.windowBytes ?? 512 * 1024,
      maxChunkBytes: 128 * 1024,
      onGap: "skip",
    });
    void this.run();
  }

  private wants(): boolean {
    return !this.stopped && !this.paused && (this.options.follow || this.count < this.windowSize);
  }

  private async run(): Promise<void> {
    try {
      await this.consumer.start();
      this.started = true;
      this.onChange();
      let sliceStart = performance.now();
      while (!this.stopped) {
        if (!this.wants()) {
          this.onChange();
          await new Promise<void>((resolve) => (this.wake = resolve));
          continue;
        }
        const room = this.options.follow ? 5000 : this.windowSize - this.count;
        const batch = await this.consumer.nextBatch(room);
        if (this.stopped) break;
        for (const record of batch) this.accept(record);
        this.onChange();
        // Decoding happens as chunks arrive; handing records over is cheap, but never hold the main thread
        // for long in one go: yield to rendering and input every ~8 ms of continuous work.
        if (performance.now() - sliceStart > 8) {
          await new Promise((resolve) => setTimeout(resolve, 0));
          sliceStart = performance.now();
        }
      }
    } catch (error) {
      if (this.stopped) return;
      this.error = (error as Error).message;
      this.onChange();
    }
  }

  private accept(record: ConsumedRecord): void {
    this.received++;
    if (!matches(record, this.options.filter)) {
      this.filteredOut++;
      return;
    }
    const row = { seq: ++this.seq, record };
    const evicted = this.ring[this.next];
    if (evicted && evicted.seq > this.renderedUpTo) this.skipped++;
    this.ring[this.next] = row;
    this.next = (this.next + 1) % this.windowSize;
    if (this.count < this.windowSize) this.count++;
  }

  /** The window, oldest first; marks everything in it as rendered. */
  rows(): TailRow[] {
    const out: TailRow[] = [];
    const first = (this.next - this.count + this.windowSize) % this.windowSize;
    for (let i = 0; i < this.count; i++) out.push(this.ring[(first + i) % this.windowSize]!);
    this.renderedUpTo = this.seq;
    return out;
  }

  stats(): TailStats {
    const state = this.error ? "error" : this.stopped ? "stopped" : !this.started ? "starting" : this.paused ? "paused" : this.wants() ? "streaming" : "full";
    return { received: this.received, matched: this.seq, filteredOut: this.filteredOut, skipped: this.skipped, shown: this.count, heldBytes: this.consumer.bufferedBytes, state, error: this.error };
  }

  /** Browsing (no follow): drops the window and reads the next one from where the last one ended. */
  nextWindow(): void {
    this.ring.fill(undefined);
    this.count = 0;
    this.next = 0;
    this.renderedUpTo = this.seq;
    this.resume();
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    this.resume();
  }

  private resume(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.resume();
    await this.consumer.close().catch(() => {});
  }
}
