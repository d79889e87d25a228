// REVOKE_DONE -> OK: the member committed what it consumed of the revoked partitions; they may move now.

import { FrameType } from "../../../protocol/ws/frames.js";
import type { WsHandler } from "./context.js";
import { groupStreamOf } from "./lookup.js";

export const handleRevokeDone: WsHandler<typeof FrameType.REVOKE_DONE> = (ctx, frame) => {
  groupStreamOf(ctx, frame.subscriptionId).revokeDone(frame.generation);
  return { type: FrameType.OK, requestId: frame.requestId };
};
