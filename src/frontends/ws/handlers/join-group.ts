// JOIN_GROUP -> GROUP_JOINED: the connection becomes a managed member of a consumer group for one topic;
// ASSIGNED / REVOKED frames follow as the coordinator moves partitions (group-stream.ts).

import { FrameType } from "../../../protocol/ws/frames.js";
import { GroupStream } from "../group-stream.js";
import type { WsHandler } from "./context.js";
import { checkNewSubscription } from "./subscribe.js";

export const handleJoinGroup: WsHandler<typeof FrameType.JOIN_GROUP> = (ctx, frame) => {
  checkNewSubscription(ctx, frame.requestId);
  const stream = new GroupStream(ctx, frame, Math.min(frame.maxChunkBytes || ctx.limits.maxChunkBytes, ctx.limits.maxChunkBytes));
  const response = stream.join();
  ctx.groupStreams.set(stream.id, stream);
  return response;
};
