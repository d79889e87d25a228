// Consumer-group requests of the WebSocket protocol (frames 0x32-0x37): commits, committed offsets and
// group administration, answered from the coordinator shared with the Kafka front end.

import type { Broker } from "../../broker/broker.js";
import { KafkaProtocolError } from "../../errors/index.js";
import type { GroupCoordinator } from "../../groups/index.js";
import { FrameType, StartKind, type ClientFrame, type ServerFrame } from "../../protocol/ws/frames.js";
import type { GroupStream } from "./group-stream.js";

type Frame<T extends ClientFrame["type"]> = Extract<ClientFrame, { type: T }>;

/** `streams`: the connection's memberships of the frame's group (a connection may hold several). */
export async function handleCommit(coordinator: GroupCoordinator, streams: GroupStream[], frame: Frame<typeof FrameType.COMMIT>): Promise<ServerFrame> {
  let items: { topic: string; partition: number; errorCode: number }[];
  if (streams.length === 1) {
    // A member commits through its membership (partitions it owns, its generation).
    items = await streams[0]!.commit(frame.offsets);
  } else if (streams.length > 1) {
    // COMMIT does not name the membership: each offset goes to the one owning its partition (owned by
    // none: the first, which refuses it).
    const byStream = new Map<GroupStream, typeof frame.offsets>();
    for (const o of frame.offsets) {
      const stream = streams.find((s) => s.owns(o.topic, o.partition)) ?? streams[0]!;
      let list = byStream.get(stream);
      if (!list) byStream.set(stream, (list = []));
      list.push(o);
    }
    items = (await Promise.all([...byStream].map(([stream, offsets]) => stream.commit(offsets)))).flat();
  } else {
    // A standalone commit (generation -1): accepted only for a group with no members, as Kafka does.
    const byTopic = new Map<string, { partitionIndex: number; committedOffset: bigint; committedMetadata: string }[]>();
    for (const o of frame.offsets) {
      let list = byTopic.get(o.topic);
      if (!list) byTopic.set(o.topic, (list = []));
      list.push({ partitionIndex: o.partition, committedOffset: o.offset, committedMetadata: o.metadata });
    }
    const response = await coordinator.commitOffsets({
      groupId: frame.groupId,
      generationId: -1,
      memberId: "",
      topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
    });
    items = response.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, errorCode: p.errorCode })));
  }
  return { type: FrameType.COMMIT_RESULT, requestId: frame.requestId, items };
}

export function handleFetchCommitted(coordinator: GroupCoordinator, broker: Broker, frame: Frame<typeof FrameType.FETCH_COMMITTED>): ServerFrame {
  const topics = frame.topics.length
    ? frame.topics.map((name) => ({ name, partitionIndexes: Array.from({ length: broker.topic(name)?.partitions ?? 0 }, (_, p) => p) }))
    : null;
  const response = coordinator.fetchOffsets({ groupId: frame.groupId, topics });
  if (response.errorCode) throw new KafkaProtocolError("COORDINATOR_LOAD_IN_PROGRESS", `offset fetch failed with code ${response.errorCode}`);
  return {
    type: FrameType.COMMITTED,
    requestId: frame.requestId,
    items: response.topics.flatMap((t) =>
      t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.metadata ?? "", errorCode: p.errorCode })),
    ),
  };
}

export function handleListGroups(coordinator: GroupCoordinator, frame: Frame<typeof FrameType.LIST_GROUPS>): ServerFrame {
  return {
    type: FrameType.GROUP_LIST,
    requestId: frame.requestId,
    groups: coordinator.listGroups().map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, state: g.state })),
  };
}

export async function handleDescribeGroup(coordinator: GroupCoordinator, frame: Frame<typeof FrameType.DESCRIBE_GROUP>): Promise<ServerFrame> {
  const d = await coordinator.describeGroup(frame.groupId);
  return {
    type: FrameType.GROUP_DESCRIPTION,
    requestId: frame.requestId,
    groupId: d.groupId,
    state: d.state,
    protocolType: d.protocolType,
    protocol: d.protocol,
    members: d.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, host: m.clientHost, assignment: m.partitions ?? [] })),
    offsets: d.offsets.map((o) => ({ topic: o.topic, partition: o.partition, committed: o.committedOffset, logEndOffset: o.logEndOffset ?? -1n, lag: o.lag ?? -1n })),
  };
}

export async function handleResetOffsets(coordinator: GroupCoordinator, frame: Frame<typeof FrameType.RESET_OFFSETS>): Promise<ServerFrame> {
  const { start } = frame;
  const to =
    start.kind === StartKind.EARLIEST ? "earliest" : start.kind === StartKind.LATEST ? "latest" : start.kind === StartKind.OFFSET ? { offset: start.value } : { timestamp: Number(start.value) };
  const result = await coordinator.resetOffsets(frame.groupId, frame.topic, to as never);
  if (result.errorCode === 68) throw new KafkaProtocolError("NON_EMPTY_GROUP", `group ${frame.groupId} has active members: stop them before resetting offsets`);
  if (result.errorCode === 3) throw new KafkaProtocolError("UNKNOWN_TOPIC_OR_PARTITION", `unknown topic ${frame.topic}`);
  return {
    type: FrameType.COMMITTED,
    requestId: frame.requestId,
    items: result.partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset, metadata: "", errorCode: p.errorCode })),
  };
}

export async function handleDeleteGroup(coordinator: GroupCoordinator, frame: Frame<typeof FrameType.DELETE_GROUP>): Promise<ServerFrame> {
  const [result] = await coordinator.deleteGroups([frame.groupId]);
  if (result && result.errorCode === 68) throw new KafkaProtocolError("NON_EMPTY_GROUP", `group ${frame.groupId} has active members`);
  if (result && result.errorCode === 69) throw new KafkaProtocolError("GROUP_ID_NOT_FOUND", `unknown group ${frame.groupId}`);
  return { type: FrameType.OK, requestId: frame.requestId };
}
