// LEAVE_GROUP -> OK: the membership ends now; its partitions move to the other members at once.

import { FrameType } from "../../../protocol/ws/frames.js";
import type { WsHandler } from "./context.js";
import { groupStreamOf } from "./lookup.js";

export const handleLeaveGroup: WsHandler<typeof FrameType.LEAVE_GROUP> = (ctx, frame) => {
  groupStreamOf(ctx, frame.subscriptionId).close();
  ctx.groupStreams.delete(frame.subscriptionId);
  return { type: FrameType.OK, requestId: frame.requestId };
};
