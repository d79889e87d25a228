// Produce throughput: `records` records of `recordSize` bytes, as fast as the producer accepts them (its
// backpressure paces the loop), timed from the first send to the last acknowledgement.

import type { ProducerOptions, RivuletClient } from "../../client/index.js";
import { filler, throughput, type Live, type Throughput } from "./stats.js";

export interface ProduceBenchOptions {
  topic: string;
  records: number;
  recordSize: number;
  producer?: ProducerOptions;
  live?: Live;
}

/** Lets pending microtask chains and I/O callbacks run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function benchProduce(client: RivuletClient, options: ProduceBenchOptions): Promise<Throughput> {
  const producer = client.producer(options.producer);
  const value = filler(options.recordSize); // built outside the timed loop; the producer copies it on encode
  const live = options.live ?? { phase: "", records: 0, total: 0 };
  live.total = options.records;
  live.records = 0;
  let acked = 0;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const onAck = () => {
    acked++;
    live.records = acked;
    if (acked === options.records) wake?.();
  };
  const onError = (error: Error) => {
    failure ??= error;
    wake?.();
  };
  const record = { topic: options.topic, value };

  const started = performance.now();
  for (let i = 0; i < options.records && !failure; i++) {
    // send() accounts a record only after a few microtask hops, so `congested` lags a synchronous loop:
    // yield to the event loop now and then, or the loop would queue every record before any is counted.
    if ((i & 255) === 255) await yieldToEventLoop();
    if (producer.congested) await producer.drained();
    producer.send(record).then(onAck, onError);
  }
  await producer.flush();
  if (acked < options.records && !failure) await new Promise<void>((resolve) => (wake = resolve));
  const seconds = (performance.now() - started) / 1000;
  if (failure) throw failure;
  return throughput(options.records, options.records * options.recordSize, seconds);
}
