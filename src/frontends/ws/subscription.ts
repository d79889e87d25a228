// A streaming subscription: one cursor per partition, each paused at its log position whenever it cannot
// send. The rules (docs/protocol.md, "Flow control"):
//   - credit: the client grants bytes; a CHUNK's records never exceed the credit left, so the server
//     never sends past the grant. When the next batch alone is larger than the credit, the cursor sends
//     STALLED (once) and waits for credit.
//   - socket: when the connection's buffered amount passes its high-water mark, no cursor reads; they
//     resume on uWS 'drain'. Nothing is queued per subscriber: a paused cursor is only an offset.
//   - reads are shared (Broker.readChunk) among subscribers at the same position, and a cursor at the log
//     end is parked (SubscriptionSink.park: the log-end fan-out, tail-fanout.ts) until an append, not a
//     timer; the cursors parked at one offset share one wake-up, one read and one encoded CHUNK.

import { OffsetOutOfRangeError, type RivuletError } from "../../errors/index.js";
import type { Broker } from "../../broker/broker.js";
import { batchSizeAt, lastOffsetAt, viewOf, wholeBatchesEnd } from "../../core/index.js";

export type CursorState = "idle" | "reading" | "waiting" | "stalled" | "gap";

export interface Cursor {
  partition: number;
  /** The next offset to deliver. */
  offset: bigint;
  state: CursorState;
  /** Bumped by SEEK: a read started before it is discarded when it lands. */
  generation: number;
  /** Bytes the head batch needs when stalled. */
  neededBytes: number;
  /** Cancels the wait for an append while the cursor is parked at the log end. */
  cancelWait?: () => void;
  highWatermark: bigint;
  deliveredBytes: number;
  deliveredChunks: number;
}

export interface SubscriptionSink {
  /** Sends a CHUNK; returns false if the connection is gone. */
  chunk(subscription: Subscription, cursor: Cursor, fromOffset: bigint, records: Uint8Array, nextOffset: bigint, highWatermark: bigint): boolean;
  gap(subscription: Subscription, cursor: Cursor, fromOffset: bigint, toOffset: bigint): void;
  stalled(subscription: Subscription, cursor: Cursor, neededBytes: number): void;
  failed(subscription: Subscription, error: RivuletError): void;
  /** Something changed (read landed, credit, data): run the pump again soon. */
  wake(): void;
  /** The cursor read nothing at its offset (the log end): wait for an append, setting cursor.cancelWait. */
  park(subscription: Subscription, cursor: Cursor): void;
}

export class Subscription {
  readonly cursors: Cursor[] = [];
  credit: number;
  closed = false;
  /** Total ms this subscription spent unable to send for lack of credit or socket room (for /metrics). */
  pausedMs = 0;
  pausedSince: number | undefined;
  /** Where the session's pump starts its next round over the cursors (round robin for read slots). */
  nextCursor = 0;

  constructor(
    readonly id: number,
    readonly topic: string,
    credit: number,
    readonly maxChunkBytes: number,
    /** 1 = read_committed: below the last stable offset, aborted transactions removed (Broker.readCommitted). */
    readonly isolation: 0 | 1 = 0,
  ) {
    this.credit = credit;
  }

  addCursor(partition: number, offset: bigint): Cursor {
    const cursor: Cursor = { partition, offset, state: "idle", generation: 0, neededBytes: 0, highWatermark: offset, deliveredBytes: 0, deliveredChunks: 0 };
    this.cursors.push(cursor);
    return cursor;
  }

  /** Stops reading a partition (its group assignment was revoked); a read in flight is discarded. */
  removeCursor(partition: number): void {
    const i = this.cursors.findIndex((c) => c.partition === partition);
    if (i < 0) return;
    const [cursor] = this.cursors.splice(i, 1);
    cursor!.generation++;
    cursor!.cancelWait?.();
  }

  grant(bytes: number): void {
    this.credit = Math.min(this.credit + bytes, Number.MAX_SAFE_INTEGER);
    for (const cursor of this.cursors) {
      if (cursor.state === "stalled" && cursor.neededBytes <= this.credit) cursor.state = "idle";
    }
  }

  seek(cursor: Cursor, offset: bigint): void {
    cursor.generation++;
    cursor.cancelWait?.();
    cursor.cancelWait = undefined;
    cursor.offset = offset;
    cursor.state = "idle";
  }

  close(): void {
    this.closed = true;
    for (const cursor of this.cursors) cursor.cancelWait?.();
  }

  /** Records behind the log end, by the last high watermark each cursor saw. */
  lag(): bigint {
    let lag = 0n;
    for (const c of this.cursors) if (c.highWatermark > c.offset) lag += c.highWatermark - c.offset;
    return lag;
  }
}

/**
 * Starts a read for `cursor` and delivers what it finds within the subscription's credit. The caller (the
 * session's pump) has checked the cursor is idle, credit is positive and the socket has room.
 */
export function readNext(broker: Broker, sub: Subscription, cursor: Cursor, sink: SubscriptionSink, done: () => void): void {
  const generation = cursor.generation;
  const offset = cursor.offset;
  cursor.state = "reading";
  const stale = () => sub.closed || cursor.generation !== generation;
  let read: ReturnType<Broker["readChunk"]>;
  try {
    read = sub.isolation === 1 ? broker.readCommitted(sub.topic, cursor.partition, offset, sub.maxChunkBytes) : broker.readChunk(sub.topic, cursor.partition, offset, sub.maxChunkBytes);
  } catch (error) {
    // A broker shutting down (or a partition just deleted) throws before any read starts: same rules.
    read = Promise.reject(error);
  }
  read.then(
    (result) => {
      done();
      if (stale()) return sink.wake();
      cursor.highWatermark = result.highWatermark;
      if (result.records.byteLength === 0) {
        if (sub.isolation !== 1) {
          sink.park(sub, cursor);
        } else {
          cursor.state = "waiting";
          // read_committed held at the LSO: wait for the log end to move (data or the marker that ends it).
          const after = result.logEndOffset > offset ? result.logEndOffset : offset;
          const cancel = broker.onceDataAfter(sub.topic, cursor.partition, after, () => {
            if (cursor.cancelWait === cancel) cursor.cancelWait = undefined;
            if (!stale() && cursor.state === "waiting") cursor.state = "idle";
            sink.wake();
          });
          // onceDataAfter may have called back already (the end moved meanwhile): then there is nothing to cancel.
          if (cursor.state === "waiting") cursor.cancelWait = cancel;
        }
        return;
      }
      deliver(sub, cursor, offset, result.records, result.highWatermark, sink);
      sink.wake();
    },
    (error: RivuletError) => {
      done();
      if (stale()) return sink.wake();
      if (error instanceof OffsetOutOfRangeError && offset < error.logStartOffset) {
        // Retention deleted what this subscriber had not read: say exactly what is gone, and wait for a SEEK.
        cursor.state = "gap";
        sink.gap(sub, cursor, offset, error.logStartOffset);
      } else if (error.retriable) {
        cursor.state = "waiting";
        setTimeout(() => {
          if (!stale()) cursor.state = "idle";
          sink.wake();
        }, 100);
      } else {
        sink.failed(sub, error);
      }
    },
  );
}

/** Sends the whole batches of `records` that fit in the credit, or STALLED if the first does not. */
function deliver(sub: Subscription, cursor: Cursor, fromOffset: bigint, records: Uint8Array, highWatermark: bigint, sink: SubscriptionSink): void {
  const view = viewOf(records);
  const end = wholeBatchesEnd(records, 0, sub.credit);
  if (end === 0) {
    const needed = batchSizeAt(view, 0);
    cursor.state = "stalled";
    cursor.neededBytes = needed;
    sink.stalled(sub, cursor, needed);
    return;
  }
  // The last batch delivered starts where the walk's previous step ended: find it for the next offset.
  let last = 0;
  for (let at = 0; at < end; at += batchSizeAt(view, at)) last = at;
  const nextOffset = lastOffsetAt(view, last) + 1n;
  sub.credit -= end;
  cursor.offset = nextOffset;
  cursor.state = "idle";
  cursor.deliveredBytes += end;
  cursor.deliveredChunks++;
  sink.chunk(sub, cursor, fromOffset, end === records.length ? records : records.subarray(0, end), nextOffset, highWatermark);
}
