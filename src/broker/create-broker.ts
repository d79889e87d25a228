// Starting a broker: lock the data directory, load topic metadata (topic-startup.ts: never deletes data
// because metadata is missing or odd; finishes interrupted creates and deletes it wrote down), start one
// shard worker per core, and open every partition on its owner (running recovery there).

import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { ProducerIdAllocator } from "./producer-ids.js";
import { createLogger } from "../log.js";
import { nodeFileSystem } from "../storage/fs.js";
import { AppendWatch } from "./append-watch.js";
import { Broker } from "./broker.js";
import { resolveBrokerConfig, type BrokerConfig } from "./broker-config.js";
import { lockDataDir } from "./lock-file.js";
import { ShardRouter } from "./router.js";
import { ShardPool } from "./shard-pool.js";
import { SharedReads } from "./shared-reads.js";
import { TopicAdmin } from "./topic-admin.js";
import { loadTopicStore } from "./topic-startup.js";

export async function createBroker(options: BrokerConfig = {}): Promise<Broker> {
  const config = resolveBrokerConfig(options);
  const dataDir = resolve(config.dataDir);
  const logger = config.logger ?? createLogger({ level: config.logLevel });
  const fs = config.fs ?? nodeFileSystem;
  mkdirSync(dataDir, { recursive: true });
  const lock = lockDataDir(dataDir);
  const shards: ShardPool[] = [];
  try {
    const store = loadTopicStore(fs, dataDir, { rebuild: config.rebuildMetadata, logger });
    const producerIds = ProducerIdAllocator.open(fs, dataDir);
    for (let shard = 0; shard < config.shards; shard++) {
      shards.push(
        new ShardPool(
          {
            shard,
            dataDir,
            logLevel: config.logLevel,
            flushTickMs: config.flushTickMs,
            retentionCheckMs: config.retentionCheckMs,
            compactionCheckMs: config.compactionCheckMs,
            maxOpenSegmentFiles: config.maxOpenSegmentFiles,
            faults: config.shardFaults,
            replicated: config.replicated,
          },
          { concurrency: config.shardConcurrency, maxQueue: config.shardMaxQueue },
        ),
      );
    }
    const router = new ShardRouter(shards);
    const watch = new AppendWatch();
    const reads = new SharedReads(config.sharedReadCacheBytes);
    const admin = new TopicAdmin(store, router, watch, reads, config.topicDefaults, logger, {
      maxPartitionsPerTopic: config.maxPartitionsPerTopic,
      maxPartitionsPerBroker: config.maxPartitionsPerBroker,
      minSegmentBytes: config.minSegmentBytes,
    }, dataDir);
    // Open every partition on its owner; recovery (if the last stop was a crash) happens there, in parallel
    // across shards.
    const specs = store.list().flatMap((topic) => {
      const logConfig = admin.logConfig(topic);
      return Array.from({ length: topic.partitions }, (_, partition) => ({ topic: topic.name, partition, config: logConfig }));
    });
    for (const result of await router.run("open", specs)) {
      if (result.error) throw result.error;
      watch.setEnd(result.ok.topic, result.ok.partition, result.ok.logEndOffset);
    }
    const broker = new Broker({ ...config, dataDir }, logger, shards, router, admin, watch, reads, producerIds, lock);
    logger.info("broker started", { dataDir, shards: config.shards, topics: store.list().length });
    return broker;
  } catch (error) {
    await Promise.all(shards.map((s) => s.destroy().catch(() => {})));
    lock.release();
    throw error;
  }
}
