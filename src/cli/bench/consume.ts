// Consume throughput: reads `records` records from the start of a topic (all partitions), timed from the
// subscription to the last record. ensureRecords() first tops the topic up (untimed) if it holds fewer.

import type { ConsumerOptions, RivuletClient } from "../../client/index.js";
import { benchProduce } from "./produce.js";
import { throughput, type Live, type Throughput } from "./stats.js";

export interface ConsumeBenchOptions {
  topic: string;
  records: number;
  consumer?: Omit<ConsumerOptions, "topic" | "from">;
  live?: Live;
}

/** Records currently in the topic (sum over partitions of end - start). */
export async function recordsIn(client: RivuletClient, topic: string): Promise<number> {
  const [meta] = await client.admin.metadata([topic]);
  return meta!.partitions.reduce((n, p) => n + Number(p.logEndOffset - p.logStartOffset), 0);
}

/** Produces what the topic lacks to hold at least `records` records. */
export async function ensureRecords(client: RivuletClient, topic: string, records: number, recordSize: number, live?: Live): Promise<void> {
  const have = await recordsIn(client, topic);
  if (have >= records) return;
  if (live) live.phase = "filling";
  await benchProduce(client, { topic, records: records - have, recordSize, live });
}

export async function benchConsume(client: RivuletClient, options: ConsumeBenchOptions): Promise<Throughput> {
  const live = options.live ?? { phase: "", records: 0, total: 0 };
  live.phase = "consuming";
  live.total = options.records;
  live.records = 0;
  const consumer = client.consumer({ ...options.consumer, topic: options.topic, from: "earliest" });
  let count = 0;
  let bytes = 0;
  const started = performance.now();
  await consumer.start();
  for await (const record of consumer) {
    bytes += (record.value?.length ?? 0) + (record.key?.length ?? 0);
    if (++count >= options.records) break;
    if ((count & 1023) === 0) live.records = count;
  }
  const seconds = (performance.now() - started) / 1000;
  live.records = count;
  await consumer.close();
  return throughput(count, bytes, seconds);
}
