// DescribeLogDirs (key 35), v0-4.
//
// Behavior: one log dir, the broker's data directory (absolute path), holding every partition. topics
// null: every partition of every topic; otherwise the named ones (unknown topics and partitions are left
// out, as Kafka does). partition_size is the bytes of its segment files; offset_lag 0 (there are no
// followers or future replicas); total/usable bytes (v4) from statfs of the data directory, -1 if that
// fails.

import { statfsSync } from "node:fs";
import { resolve } from "node:path";
import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

export const handleDescribeLogDirs: Handler<typeof ApiKey.DescribeLogDirs> = async (ctx, request) => {
  const wanted = request.topics === null ? ctx.broker.listTopics().map((t) => ({ topic: t.name, partitions: null as number[] | null })) : request.topics;
  const topics = [];
  for (const w of wanted) {
    if (!ctx.broker.topic(w.topic)) continue;
    const described = await ctx.broker.describeTopic(w.topic).catch(() => undefined);
    if (!described) continue;
    const partitions = described.partitions
      .filter((p) => w.partitions === null || w.partitions.includes(p.partition))
      .map((p) => ({ partitionIndex: p.partition, partitionSize: BigInt(p.sizeBytes), offsetLag: 0n, isFutureKey: false }));
    topics.push({ name: w.topic, partitions });
  }
  const dir = resolve(ctx.broker.config.dataDir);
  let totalBytes = -1n;
  let usableBytes = -1n;
  try {
    const s = statfsSync(dir, { bigint: true });
    totalBytes = s.blocks * s.bsize;
    usableBytes = s.bavail * s.bsize;
  } catch {
    // Unknown sizes are -1, as Kafka reports them.
  }
  return { errorCode: KafkaErrors.NONE.code, results: [{ errorCode: KafkaErrors.NONE.code, logDir: dir, topics, totalBytes, usableBytes }] };
};
