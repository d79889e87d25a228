// METADATA -> METADATA_RESULT: the named topics (all when none are named) with their partitions' offsets;
// an unknown topic is an error code on its entry, not a failed request.
// Cluster mode, when the request asks (its `cluster` flag; older clients refuse trailing bytes): also every live broker's WebSocket URL (its advertised host, WebSocket port and scheme) and
// each partition's leader and leader epoch, so a client can route produce and reads to leaders
// (docs/protocol.md, METADATA_RESULT's trailing block).

import { toKafkaCode } from "../../../errors/index.js";
import { FrameType } from "../../../protocol/ws/frames.js";
import type { WsHandler } from "./context.js";
import type { ClusterView } from "../../../broker/replication-hooks.js";

export const handleMetadata: WsHandler<typeof FrameType.METADATA> = async ({ broker }, frame) => {
  const names = frame.topics.length ? frame.topics : broker.listTopics().map((t) => t.name);
  const topics = await Promise.all(
    names.map(async (name) => {
      try {
        const description = await broker.describeTopic(name);
        return {
          name,
          errorCode: 0,
          partitions: description.partitions.map((p) => ({ partition: p.partition, logStartOffset: p.logStartOffset, logEndOffset: p.logEndOffset })),
          ...(broker.cluster && frame.cluster ? { leaders: description.partitions.map((p) => leaderOf(broker.cluster!, name, p.partition)) } : {}),
        };
      } catch (error) {
        return { name, errorCode: toKafkaCode(error), partitions: [] };
      }
    }),
  );
  if (!broker.cluster || !frame.cluster) return { type: FrameType.METADATA_RESULT, requestId: frame.requestId, topics };
  // A broker's --advertised-ws-url (behind a proxy) wins over the URL derived from its host and port.
  const brokers = broker.cluster.brokers().map((b) => ({ id: b.id, url: b.wsUrl ?? `${b.wsScheme ?? "ws"}://${b.host.includes(":") ? `[${b.host}]` : b.host}:${b.wsPort}/ws` }));
  return { type: FrameType.METADATA_RESULT, requestId: frame.requestId, topics, brokers };
};

function leaderOf(cluster: ClusterView, topic: string, partition: number): { leader: number; leaderEpoch: number } {
  const state = cluster.partition(topic, partition);
  const live = state !== undefined && cluster.brokers().some((b) => b.id === state.leader);
  return { leader: live ? state.leader : -1, leaderEpoch: state?.leaderEpoch ?? -1 };
}
