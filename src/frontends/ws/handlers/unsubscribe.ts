// UNSUBSCRIBE -> OK: the subscription's cursors stop; a read in flight finishes and is discarded.

import { FrameType } from "../../../protocol/ws/frames.js";
import type { WsHandler } from "./context.js";
import { subscriptionOf } from "./lookup.js";

export const handleUnsubscribe: WsHandler<typeof FrameType.UNSUBSCRIBE> = (ctx, frame) => {
  const sub = subscriptionOf(ctx, frame.subscriptionId);
  sub.close();
  ctx.removeSubscription(sub.id);
  return { type: FrameType.OK, requestId: frame.requestId };
};
