// Brokers on temporary data directories, closed and removed after each test file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { encodeRecordBatch, type EncodeOptions, type RecordInput } from "../../src/core/index.js";
import { createBroker, type Broker, type BrokerConfig } from "../../src/broker/index.js";

export function tempDataDirs() {
  const dirs: string[] = [];
  const brokers: Broker[] = [];
  afterAll(async () => {
    await Promise.all(brokers.map((b) => b.close().catch(() => {})));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir(): string {
      const dir = mkdtempSync(join(tmpdir(), "rivulet-broker-"));
      dirs.push(dir);
      return dir;
    },
    async broker(config: BrokerConfig = {}): Promise<Broker> {
      const broker = await createBroker({ shards: 2, flushTickMs: 20, logLevel: "error", ...config, dataDir: config.dataDir ?? this.dir() });
      brokers.push(broker);
      return broker;
    },
  };
}

export function batch(values: Array<string | null>, options: EncodeOptions & { key?: string } = {}): Uint8Array {
  const records: RecordInput[] = values.map((value, i) => ({ key: options.key ?? `k${i}`, value, timestamp: 1_700_000_000_000 + i }));
  return encodeRecordBatch(records, options);
}
