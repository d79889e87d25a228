// How the coordinator sees the broker's topics: callbacks the broker wiring supplies (for-broker.ts). All
// optional: without them the related checks are skipped (unit tests run the coordinator alone).

import type { StartFrom } from "../protocol/start-from.js";

export interface CoordinatorHooks {
  /** Partition count of a topic, 0 if it does not exist. Read at every managed rebalance, so topic changes show. */
  partitionsFor?: (topic: string) => number;
  /** Every topic's name (KIP-848 topic-regex subscriptions are resolved against them). */
  topicNames?: () => string[];
  /** A partition's log end offset (for lag), undefined if unknown. */
  logEndOffset?: (topic: string, partition: number) => bigint | undefined | Promise<bigint | undefined>;
  /** Where a reader starting from `from` begins (the broker core's resolveStart). */
  resolveStart?: (topic: string, partition: number, from: StartFrom) => Promise<bigint>;
}
