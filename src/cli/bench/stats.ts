// Figures the benchmarks report: throughput and latency percentiles (nearest rank over every sample).

export interface Throughput {
  records: number;
  /** Payload bytes (keys + values). */
  bytes: number;
  seconds: number;
  recordsPerSec: number;
  /** Payload megabytes (10^6 bytes) per second. */
  mbPerSec: number;
}

export function throughput(records: number, bytes: number, seconds: number): Throughput {
  const s = Math.max(seconds, 1e-9);
  return { records, bytes, seconds, recordsPerSec: records / s, mbPerSec: bytes / s / 1e6 };
}

export interface Latency {
  samples: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** Percentiles of the first `count` samples (milliseconds); sorts that part of the array in place. */
export function latency(samples: Float64Array, count: number): Latency {
  const sorted = samples.subarray(0, count).sort();
  const at = (q: number) => (count === 0 ? NaN : sorted[Math.min(count - 1, Math.max(0, Math.ceil(q * count) - 1))]!);
  let sum = 0;
  for (let i = 0; i < count; i++) sum += sorted[i]!;
  return { samples: count, p50: at(0.5), p99: at(0.99), p999: at(0.999), max: count ? sorted[count - 1]! : NaN, mean: count ? sum / count : NaN };
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** A value of `size` bytes that does not compress to nothing (a repeating non-trivial pattern). */
export function filler(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = 0x61 + ((x >>> 0) % 26); // printable, so `rivulet consume` of a bench topic stays readable
  }
  return bytes;
}

/** Live counters a progress line reads while a benchmark runs. */
export interface Live {
  phase: string;
  records: number;
  total: number;
}
