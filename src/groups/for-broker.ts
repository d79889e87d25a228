// Wiring a coordinator to a broker: offsets in `__consumer_offsets`, topic facts from the broker core.
// The coordinator itself knows nothing of the Broker class; this is the one place they meet.

import type { Broker } from "../broker/broker.js";
import { BrokerOffsetLog, type BrokerOffsetLogOptions } from "./broker-offset-log.js";
import { GroupCoordinator, type GroupCoordinatorOptions } from "./coordinator.js";

export interface BrokerCoordinatorOptions extends Omit<GroupCoordinatorOptions, "offsetLog"> {
  offsetsTopic?: BrokerOffsetLogOptions;
}

/**
 * Creates the coordinator for a broker and replays its committed offsets (creating the topic if needed).
 * Deleting a topic (from either front end) then deletes its committed offsets before the delete returns.
 */
export async function createBrokerCoordinator(broker: Broker, options: BrokerCoordinatorOptions = {}): Promise<GroupCoordinator> {
  const { offsetsTopic, ...rest } = options;
  const coordinator = await GroupCoordinator.create({
    // Cluster mode: topics and log ends from the cluster (this broker may host no replica, or a lagging one).
    partitionsFor: (topic) => (broker.cluster?.partitionCount ? (broker.cluster.partitionCount(topic) ?? 0) : (broker.topic(topic)?.partitions ?? 0)),
    topicNames: () => broker.listTopics().map((t) => t.name),
    logEndOffset: (topic, partition) => (broker.cluster?.leaderHighWatermark ? broker.cluster.leaderHighWatermark(topic, partition) : broker.logEndOffset(topic, partition)),
    resolveStart: (topic, partition, from) => broker.resolveStart(topic, partition, from),
    ...rest,
    offsetLog: new BrokerOffsetLog(broker, { logger: options.logger ?? broker.logger, ...offsetsTopic }),
  });
  broker.onTopicDeleted((topic) => coordinator.deleteTopicOffsets(topic).then(() => undefined));
  return coordinator;
}
