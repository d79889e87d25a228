// What the cluster client's parts (cluster-group.ts, cluster-merge.ts, cluster-admin.ts) need of the
// cluster (RivuletCluster in cluster.ts), as interfaces: they use it without importing cluster.ts, which
// imports them (no import cycles, test/layout.test.ts).

import type { ClusterMetadata, OffsetQuery } from "./admin.js";
import type { ConsumedRows } from "./chunk-rows.js";
import type { ConsumedRecord, ConsumerOptions } from "./consumer-types.js";
import type { RivuletClient } from "./index.js";

export type ClusterConsumerOptions = Omit<ConsumerOptions, "partitions" | "positions"> & { partition: number; position?: bigint };

/** One partition read from its leader, following it across leader changes (ClusterConsumer). */
export interface PartitionReader {
  next(): Promise<ConsumedRecord>;
  /** Row views, one batch per step, each valid until the next step (ClusterConsumer.rows()). */
  rows(): AsyncGenerator<ConsumedRows, void, undefined>;
  close(): Promise<void>;
}

export interface ClusterHandle {
  readonly metadata: ClusterMetadata;
  refresh(topics: string[]): Promise<ClusterMetadata>;
  client(url: string): Promise<RivuletClient>;
  drop(url: string): void;
  leaderFor(topic: string, partition: number): Promise<RivuletClient>;
  coordinatorFor(group: string): Promise<RivuletClient>;
  everyBroker(): Promise<RivuletClient[]>;
  partitionCount(topic: string): number | undefined;
  partitionReader(options: ClusterConsumerOptions): PartitionReader;
  readonly admin: { listOffsets(topic: string, partition: number, query: OffsetQuery): Promise<{ offset: bigint; timestamp: bigint }> };
}
