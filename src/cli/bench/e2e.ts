// Produce-to-consume latency at a fixed rate. A consumer (its own connection) subscribes from the log end
// first; then a producer (another connection) sends `rate` records/s, each value starting with its send
// time (float64 ms, little-endian, in the first 8 bytes). The consumer's receive time minus that stamp is
// one sample. Records sent during the warm-up are delivered but not counted.

import { connect, type ProducerOptions } from "../../client/index.js";
import { filler, latency, nowMs, type Latency, type Live } from "./stats.js";

export interface E2eBenchOptions {
  url: string;
  topic: string;
  /** Records per second. */
  rate: number;
  seconds: number;
  warmupSeconds: number;
  recordSize: number;
  producer?: ProducerOptions;
  live?: Live;
}

export interface E2eResult {
  rate: number;
  seconds: number;
  sent: number;
  received: number;
  /** Records per second actually sent over the measured period. */
  achievedRate: number;
  latencyMs: Latency;
}

export async function benchE2e(options: E2eBenchOptions): Promise<E2eResult> {
  if (options.recordSize < 8) throw new RangeError("record size must be at least 8 bytes (the send-time stamp)");
  const live = options.live ?? { phase: "", records: 0, total: 0 };
  const consumerClient = await connect({ url: options.url, reconnect: false });
  const producerClient = await connect({ url: options.url, reconnect: false });
  try {
    const consumer = consumerClient.consumer({ topic: options.topic, from: "latest" });
    await consumer.start();
    const producer = producerClient.producer(options.producer);
    const template = filler(options.recordSize);

    const total = Math.round(options.rate * (options.warmupSeconds + options.seconds));
    const measured = Math.round(options.rate * options.seconds);
    live.total = total;
    live.records = 0;
    live.phase = options.warmupSeconds > 0 ? "warm-up" : "measuring";
    const samples = new Float64Array(measured + 1024);
    let count = 0;
    let received = 0;
    let measureFrom = Infinity;

    // Consumer: one sample per record stamped after the warm-up.
    let readError: unknown;
    const reading = (async () => {
      for await (const record of consumer) {
        const now = nowMs();
        const v = record.value!;
        const sentAt = new DataView(v.buffer, v.byteOffset, 8).getFloat64(0, true);
        received++;
        if (sentAt >= measureFrom && count < samples.length) samples[count++] = now - sentAt;
        if (received >= total) break;
      }
    })().catch((error: unknown) => void (readError = error));

    // Producer: every tick, send what the schedule says is due.
    let sent = 0;
    let failure: Error | undefined;
    const onError = (error: Error) => void (failure ??= error);
    const begin = performance.now();
    const warmupEnd = begin + options.warmupSeconds * 1000;
    let measuredSent = 0;
    let measureBegin = 0;
    while (sent < total && !failure) {
      const now = performance.now();
      if (measureFrom === Infinity && now >= warmupEnd) {
        measureFrom = nowMs();
        measureBegin = now;
        live.phase = "measuring";
      }
      const due = Math.min(total, Math.floor(((now - begin) / 1000) * options.rate));
      if (due > sent) {
        const stamp = nowMs();
        for (; sent < due; sent++) {
          const value = template.slice();
          new DataView(value.buffer).setFloat64(0, stamp, true);
          producer.send({ topic: options.topic, value }).catch(onError);
          if (measureFrom !== Infinity) measuredSent++;
        }
        live.records = sent;
      }
      if (producer.congested) await producer.drained();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const sendSeconds = (performance.now() - measureBegin) / 1000;
    await producer.flush();
    if (failure) throw failure;
    // Wait for the stragglers, but not forever: a lost record must not hang the benchmark.
    await Promise.race([reading, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    await consumer.close();
    if (readError) throw readError;
    return {
      rate: options.rate,
      seconds: options.seconds,
      sent,
      received,
      achievedRate: measuredSent / Math.max(sendSeconds, 1e-9),
      latencyMs: latency(samples, count),
    };
  } finally {
    consumerClient.close();
    producerClient.close();
  }
}
