// The three workloads of bench/peers.bench.ts, described once so every system runs exactly the same thing:
//   produce  N values of 100 random bytes, timed from the first send to the last acknowledgement
//   consume  the same N records read back from the start of the stream
//   latency  a producer paced at `rate` records/s stamps each value with its send time (float64 ms on the
//            machine's monotonic clock, little-endian, in the first 8 bytes); a consumer in another process (bench/peers/tail.ts)
//            subtracts it from its receive time; warm-up first, then `seconds` measured.
// A system implements `PeerSystem`; the latency consumer side lives in tail.ts (one process per run).
import { randomFillSync } from "node:crypto";

export const VALUE_BYTES = 100;

export interface Timing {
  records: number;
  seconds: number;
}

/** One way to drive a system (e.g. "Rivulet, WS client, acks=all"). Each method uses a fresh stream name. */
export interface Producing {
  /** Sends every value; resolves when the last is acknowledged. */
  produce(stream: string, values: Buffer[]): Promise<Timing>;
}
export interface Consuming {
  /** Reads `count` records from the start of `stream`. */
  consume(stream: string, count: number): Promise<Timing>;
}
/** The sending half of the latency run: `send` is called each 1 ms tick with that tick's values. */
export interface PacedSender {
  send(values: Buffer[]): void;
  /** Records sent and not yet acknowledged. */
  readonly unacknowledged: number;
  /** Resolves once everything sent was acknowledged, then releases the connection. */
  finish(): Promise<void>;
  /** Drops the connection at once, acknowledged or not (an overloaded run). */
  abandon(): void;
  /**
   * Send -> acknowledgement latency of the records stamped at or after `measureFrom` (wall ms), for senders
   * that see each record's acknowledgement. For acks=all it includes the fdatasync; the consumer's latency
   * does not (records are readable once written).
   */
  ackLatency?(measureFrom: number): Percentiles;
}

/** Acknowledgement latencies as they come in: (stamp, ms) pairs in one growing array. */
export class AckLatencies {
  private pairs = new Float64Array(1 << 16);
  private n = 0;

  add(stamp: number): void {
    if (this.n + 2 > this.pairs.length) {
      const bigger = new Float64Array(this.pairs.length * 2);
      bigger.set(this.pairs);
      this.pairs = bigger;
    }
    this.pairs[this.n++] = stamp;
    this.pairs[this.n++] = wallMs() - stamp;
  }

  percentiles(measureFrom: number): Percentiles {
    const samples: number[] = [];
    for (let i = 0; i < this.n; i += 2) if (this.pairs[i]! >= measureFrom) samples.push(this.pairs[i + 1]!);
    return percentiles(Float64Array.from(samples));
  }
}

/**
 * `count` values of `size` random bytes in one allocation. The newline byte is replaced (kcat -P splits its
 * input on newlines), so all systems get the same bytes.
 */
export function randomValues(count: number, size = VALUE_BYTES): Buffer[] {
  const all = Buffer.allocUnsafe(count * size);
  for (let at = 0; at < all.length; at += 1 << 16) randomFillSync(all, at, Math.min(1 << 16, all.length - at));
  for (let i = 0; i < all.length; i++) if (all[i] === 0x0a) all[i] = 0x0b;
  const values: Buffer[] = new Array(count);
  for (let i = 0; i < count; i++) values[i] = all.subarray(i * size, (i + 1) * size);
  return values;
}

/**
 * Milliseconds on the system's monotonic clock (CLOCK_MONOTONIC via hrtime), the same in every process on
 * one machine. Not performance.timeOrigin + now(): each process fixes its time origin at start-up with an
 * error of up to a millisecond, enough to make sub-millisecond latencies come out negative.
 */
export function wallMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function stampOf(value: Uint8Array): number {
  return new DataView(value.buffer, value.byteOffset, 8).getFloat64(0, true);
}

export interface PacedResult {
  sent: number;
  /** Set when the system fell more than OVERLOAD_SECONDS of records behind and the run was cut short. */
  overloaded?: string;
  /** Records sent before this wall-clock time are the warm-up (not counted by the consumer). */
  measureFrom: number;
  /** Records per second actually sent over the measured period. */
  achievedRate: number;
}

/**
 * Sends `rate` records/s for `warmupSeconds + seconds`, every 1 ms tick what the schedule says is due, each
 * value a copy of a random template with the tick's send time in its first 8 bytes.
 */
/** A system this many seconds of records behind (unacknowledged) cannot sustain the rate: stop there. */
export const OVERLOAD_SECONDS = 5;

export async function pacedProduce(sender: PacedSender, rate: number, seconds: number, warmupSeconds: number): Promise<PacedResult> {
  const template = randomValues(1)[0]!;
  const total = Math.round(rate * (warmupSeconds + seconds));
  const begin = performance.now();
  const warmupEnd = begin + warmupSeconds * 1000;
  let measureFrom = Infinity;
  let measureBegin = 0;
  let measuredSent = 0;
  let sent = 0;
  let overloaded: string | undefined;
  while (sent < total) {
    if (sender.unacknowledged > rate * OVERLOAD_SECONDS) {
      overloaded = `more than ${OVERLOAD_SECONDS} s of records (${sender.unacknowledged}) unacknowledged after ${((performance.now() - begin) / 1000).toFixed(1)} s: cannot sustain ${rate} records/s here`;
      break;
    }
    const now = performance.now();
    if (measureFrom === Infinity && now >= warmupEnd) {
      measureFrom = wallMs();
      measureBegin = now;
    }
    const due = Math.min(total, Math.floor(((now - begin) / 1000) * rate));
    if (due > sent) {
      const stamp = wallMs();
      const values: Buffer[] = [];
      for (; sent < due; sent++) {
        const value = Buffer.from(template);
        value.writeDoubleLE(stamp, 0);
        values.push(value);
        if (measureFrom !== Infinity) measuredSent++;
      }
      sender.send(values);
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const sendSeconds = (performance.now() - measureBegin) / 1000;
  if (overloaded) {
    sender.abandon(); // its backlog would take minutes to drain
    return { sent, measureFrom, achievedRate: measuredSent / Math.max(sendSeconds, 1e-9), overloaded };
  }
  await sender.finish();
  return { sent, measureFrom, achievedRate: measuredSent / Math.max(sendSeconds, 1e-9) };
}

/** Nearest-rank percentiles in ms. */
export interface Percentiles {
  samples: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export function percentiles(samples: Float64Array): Percentiles {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  const at = (q: number) => (n === 0 ? NaN : sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!);
  return { samples: n, p50: at(0.5), p99: at(0.99), p999: at(0.999), max: n ? sorted[n - 1]! : NaN };
}

export const now = () => performance.now();
