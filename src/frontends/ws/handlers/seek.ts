// SEEK -> OK: moves one partition's cursor of a subscription to a new start; chunks from the old position
// already sent stay valid (the client drops them by offset).

import { UnknownTopicOrPartitionError } from "../../../errors/index.js";
import { FrameType } from "../../../protocol/ws/frames.js";
import { startFrom } from "../../../protocol/ws/start-position.js";
import type { WsHandler } from "./context.js";
import { subscriptionOf } from "./lookup.js";

export const handleSeek: WsHandler<typeof FrameType.SEEK> = async (ctx, frame) => {
  const sub = subscriptionOf(ctx, frame.subscriptionId);
  const cursor = sub.cursors.find((c) => c.partition === frame.partition);
  if (!cursor) throw new UnknownTopicOrPartitionError(`subscription ${sub.id} does not read partition ${frame.partition}`);
  sub.seek(cursor, await ctx.broker.resolveStart(sub.topic, frame.partition, startFrom(frame.start), sub.isolation === 1 ? "read_committed" : undefined));
  // The client drops chunks until it sees this OK, so none read at the new position may go out before it:
  // the pump runs after the response (sent from a microtask) is on the socket.
  setImmediate(() => ctx.wake());
  return { type: FrameType.OK, requestId: frame.requestId };
};
