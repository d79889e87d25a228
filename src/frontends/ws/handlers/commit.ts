// COMMIT -> COMMIT_RESULT: offsets committed for a group, an error code per partition.
//   - through this connection's membership of the group (partitions it owns, its generation);
//   - with several memberships of the group, each offset goes to the one owning its partition (owned by
//     none: the first, which refuses it);
//   - with none, as a standalone commit (generation -1), accepted only while the group has no members, as
//     Kafka does.

import { FrameType } from "../../../protocol/ws/frames.js";
import type { GroupStream } from "../group-stream.js";
import type { RequestFrame, WsHandler } from "./context.js";

type CommitFrame = RequestFrame<typeof FrameType.COMMIT>;
type CommitItem = { topic: string; partition: number; errorCode: number };

export const handleCommit: WsHandler<typeof FrameType.COMMIT> = async (ctx, frame) => {
  const streams = [...ctx.groupStreams.values()].filter((g) => g.groupId === frame.groupId);
  const items = streams.length ? await commitAsMember(streams, frame.offsets) : await commitStandalone(ctx.coordinator, frame);
  return { type: FrameType.COMMIT_RESULT, requestId: frame.requestId, items };
};

async function commitAsMember(streams: GroupStream[], offsets: CommitFrame["offsets"]): Promise<CommitItem[]> {
  const byStream = new Map<GroupStream, CommitFrame["offsets"]>();
  for (const o of offsets) {
    const stream = streams.find((s) => s.owns(o.topic, o.partition)) ?? streams[0]!;
    let list = byStream.get(stream);
    if (!list) byStream.set(stream, (list = []));
    list.push(o);
  }
  return (await Promise.all([...byStream].map(([stream, list]) => stream.commit(list)))).flat();
}

async function commitStandalone(coordinator: Parameters<WsHandler<typeof FrameType.COMMIT>>[0]["coordinator"], frame: CommitFrame): Promise<CommitItem[]> {
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
  return response.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, errorCode: p.errorCode })));
}
